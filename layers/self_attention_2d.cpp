// SAGAN self-attention: x [B, C, H, W] -> y [B, C, H, W], map [B, N, N], N = H W.
// In the attention op's terms (one head, no 1/sqrt(d) scaling, as in the paper): the
// queries are g(x_j), the keys f(x_i), the values h(x_i), all laid out [B, N, channels].
// The map [B, C, N] -> [B, N, C] is transposed once on the way in and once on the way out:
// 2 B C N copies against the B N^2 (C/8 + C) multiply-adds of the attention itself.
#include "layers/self_attention_2d.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"
#include "layers/linear.h"

namespace attn::nn {

PointwiseConv::PointwiseConv(int64_t in_channels, int64_t out_channels) : Module("PointwiseConv") {
  weight = Tensor::empty({out_channels, in_channels, 1, 1});
  bias = Tensor::empty({out_channels});
  register_parameter("weight", weight);
  register_parameter("bias", bias);
  reset_parameters();
}

void PointwiseConv::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));  // Conv2d's default
  init::bias_uniform_(bias, weight.size(1));       // fan_in = C_in * 1 * 1
}

Tensor PointwiseConv::forward(const Tensor& x_bnc) const {
  // A 1x1 convolution is the same Linear map at every position.
  return linear(x_bnc, reshape(weight, {weight.size(0), weight.size(1)}), bias);
}

namespace {
const SelfAttention2dOptions& checked(const SelfAttention2dOptions& o) {
  ATTN_CHECK(o.channels() > 0 && o.reduction() > 0, "SelfAttention2d: channels = ", o.channels(),
             " and reduction = ", o.reduction(), " must be > 0");
  ATTN_CHECK(o.channels() / o.reduction() >= 1, "SelfAttention2d: channels = ", o.channels(),
             " / reduction = ", o.reduction(),
             " leaves no channel for f and g (need channels >= reduction)");
  return o;
}
}  // namespace

SelfAttention2d::SelfAttention2d(const SelfAttention2dOptions& opts)
    : Module("SelfAttention2d"),
      options(checked(opts)),
      key_channels(opts.channels() / opts.reduction()),
      f(opts.channels(), key_channels),
      g(opts.channels(), key_channels),
      h(opts.channels(), opts.channels()) {
  register_module("f", f);
  register_module("g", g);
  register_module("h", h);
  gamma = Tensor::zeros({1});
  register_parameter("gamma", gamma);
}

AttentionOutput SelfAttention2d::forward(const Tensor& x, bool need_weights) const {
  ATTN_CHECK(x.defined(), "SelfAttention2d: the input is undefined");
  const int64_t C = options.channels();
  ATTN_CHECK(x.dim() == 4 && x.size(1) == C, "SelfAttention2d: input of shape ",
             shape_str(x.shape()), " is not [B, C, H, W] with C = ", C);
  const int64_t B = x.size(0), N = x.size(2) * x.size(3);
  ATTN_CHECK(N > 0, "SelfAttention2d: input of shape ", shape_str(x.shape()), " has no positions");
  const Tensor xs = transpose(reshape(x, {B, C, N}), 1, 2);  // [B, N, C]: one row per position
  const Tensor fx = f(xs), gx = g(xs), hx = h(xs);           // [B, N, C/8], [B, N, C/8], [B, N, C]
  // Query j = g(x_j), key i = f(x_i): score s_ij = f(x_i) . g(x_j), no scaling.
  const AttentionMask none;
  const AttentionOutput r =
      options.fused()
          ? multi_head_scaled_dot_product_attention(gx, fx, hx, 1, none, 0.0, 1.0)
          : multi_head_scaled_dot_product_attention_composed(gx, fx, hx, 1, none, 0.0, 1.0);
  const Tensor o = reshape(transpose(r.output, 1, 2), x.shape());  // [B, N, C] -> [B, C, H, W]
  const Tensor y = gamma * o + x;
  return {y, need_weights ? reshape(r.weights, {B, N, N}) : Tensor()};
}

}  // namespace attn::nn
