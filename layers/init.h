#pragma once
// Initialisers, in place, as PyTorch's torch.nn.init (and the defaults its
// layers use), drawing from attn::global_generator() so `--seed N` repeats a run.
//
//   nn::init::kaiming_uniform_(linear.weight, std::sqrt(5.0));   // Linear's default
//   nn::init::xavier_uniform_(w);
//
// Fans of a weight shape, as PyTorch computes them:
//   [out, in]             fan_in = in,              fan_out = out
//   [out, in, k1, k2, ..] fan_in = in * k1 * k2..,  fan_out = out * k1 * k2..
// (a Conv2d kernel counts each of its k1 x k2 taps as an input.)
//
// Why a = sqrt(5) for Linear/Conv: kaiming_uniform draws U(-bound, bound) with
// bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)). With a = sqrt(5),
// gain = sqrt(1/3), so bound = 1 / sqrt(fan_in): the classic "LeCun uniform" that
// older torch used, kept for compatibility. The bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
#include <cstdint>
#include <utility>

#include "autograd/tensor.h"

namespace attn::nn::init {

// {fan_in, fan_out}; needs at least 2 dimensions.
std::pair<int64_t, int64_t> fans(const Shape& shape);

void uniform_(Tensor& t, double lo, double hi);    // U(lo, hi)
void normal_(Tensor& t, double mean, double std);  // N(mean, std^2)
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);

// U(-b, b), b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)) (leaky_relu's gain).
void kaiming_uniform_(Tensor& w, double a = 0.0);
// U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).
void xavier_uniform_(Tensor& w, double gain = 1.0);
// N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out)).
void xavier_normal_(Tensor& w, double gain = 1.0);
// PyTorch's bias default beside a kaiming_uniform(a = sqrt 5) weight:
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (zeros when fan_in is 0).
void bias_uniform_(Tensor& b, int64_t fan_in);

}  // namespace attn::nn::init
