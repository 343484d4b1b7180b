#pragma once
// Exercise 7: a SAGAN self-attention block from 1x1 convolutions (Zhang, Goodfellow,
// Metaxas, Odena 2018). You write sagan_attention.cpp; this header is given.
//
// x [B, C, H, W], N = H W positions, each position i a C-vector x_i; C' = C / reduction:
//   f = conv1x1_f(x), g = conv1x1_g(x)     [B, C', H, W]   (seen as [B, C', N])
//   h = conv1x1_h(x)                        [B, C, H, W]    (seen as [B, C, N])
//   s_ij    = f_i . g_j                     [B, N, N]       position i against position j
//   beta_ji = softmax over i of s_ij        [B, N, N]       row j: how position j spreads its
//                                                           attention over the positions i
//   o_j     = sum_i beta_ji h_i             [B, C, N] -> [B, C, H, W]
//   y       = gamma o + x                   [B, C, H, W]    gamma [1], starts at 0
// Returns {output = y, weights = beta} with beta's row j = beta_j (sums to 1).
//
// Parameters, PyTorch's nn.Conv2d(C, C', 1) names and layouts: f.weight [C', C, 1, 1],
// f.bias [C'], g.weight, g.bias, h.weight [C, C, 1, 1], h.bias [C], then gamma [1] (zero).
// The library's nn::SelfAttention2d (layers/self_attention_2d.h) has the same names and
// computes the same function: the tests load one's weights into the other.
#include <cstdint>
#include <memory>

#include "autograd/tensor.h"
#include "layers/conv2d.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::exercises {

class SaganAttentionOptions {
 public:
  SaganAttentionOptions(int64_t channels) : channels_(channels) {}  // NOLINT
  ATTN_OPTION(int64_t, channels, 0);  // C
  ATTN_OPTION(int64_t, reduction, 8);  // C' = C / reduction, at least 1
};

class SaganAttention : public nn::Module {
 public:
  // Makes and registers f, g, h (nn::Conv2d with kernel 1) and gamma (zeros).
  explicit SaganAttention(const SaganAttentionOptions& options);
  // x [B, C, H, W] -> {y [B, C, H, W], beta [B, N, N]}. An input that is not [B, C, H, W] with
  // this C throws attn::Error naming SaganAttention and the shape.
  nn::AttentionOutput forward(const Tensor& x) const;
  nn::AttentionOutput operator()(const Tensor& x) const { return forward(x); }

  SaganAttentionOptions options;
  std::shared_ptr<nn::Conv2d> f, g, h;
  Tensor gamma;  // [1]
};

}  // namespace attn::exercises
