#pragma once
// Self-attention over a feature map (Zhang, Goodfellow, Metaxas, Odena 2018, SAGAN): every
// position of a CNN's map attends to every other, so far-apart parts of an image can agree.
// x [B, C, H, W], N = H * W positions x_1 .. x_N (each a C-vector):
//   f(x) = W_f x + b_f,  g(x) = W_g x + b_g   [C/8 channels]   1x1 convolutions
//   h(x) = W_h x + b_h                        [C channels]
//   s_ij    = f(x_i)^T g(x_j)                 N x N per image
//   beta_ji = softmax over i of s_ij          how much position j attends to position i
//   o_j     = sum_i beta_ji h(x_i)
//   y       = gamma o + x,   gamma a learnable scalar starting at 0, so the layer starts as
//             the identity and the network learns how much non-local evidence to mix in.
// Returns y [B, C, H, W] and, when asked, the attention map [B, N, N] with row j = beta_j.
// (PyTorch's SAGAN in bench/torch_models.py writes softmax(f^T g, dim=1) as a [N_i, N_j]
// matrix: the transpose of the map returned here.)
//
// The 1x1 convolutions are matmuls over [B, N, C]; their weights are shaped [C_out, C, 1, 1]
// like a PyTorch Conv2d's, under the names f.weight, f.bias, g.*, h.*, gamma, so a
// checkpoint moves both ways. Init as Conv2d: kaiming_uniform(a = sqrt 5), bias
// U(-1/sqrt(C), 1/sqrt(C)).
//
//   nn::SelfAttention2d sa(nn::SelfAttention2dOptions(64));
//   auto [y, beta] = sa(x, /*need_weights=*/true);     // beta [B, 1024, 1024] for 32x32
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::nn {

class SelfAttention2dOptions {
 public:
  SelfAttention2dOptions(int64_t channels) : channels_(channels) {}  // NOLINT
  ATTN_OPTION(int64_t, channels, 0);
  // f and g map C to C / reduction channels (SAGAN: 8).
  ATTN_OPTION(int64_t, reduction, 8);
  ATTN_OPTION(bool, fused, true);  // false: the composed reference
};

// A 1x1 convolution's parameters, weight [C_out, C_in, 1, 1] and bias [C_out], applied as a
// matmul to positions laid out [B, N, C_in] -> [B, N, C_out].
class PointwiseConv : public Module {
 public:
  PointwiseConv(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x_bnc) const;
  Tensor operator()(const Tensor& x_bnc) const { return forward(x_bnc); }
  void reset_parameters();

  Tensor weight;  // [C_out, C_in, 1, 1]
  Tensor bias;    // [C_out]
};

class SelfAttention2d : public Module {
 public:
  explicit SelfAttention2d(const SelfAttention2dOptions& options);
  // x [B, C, H, W] -> {y [B, C, H, W], attention map [B, N, N] or undefined}.
  AttentionOutput forward(const Tensor& x, bool need_weights = false) const;
  AttentionOutput operator()(const Tensor& x, bool need_weights = false) const {
    return forward(x, need_weights);
  }

  SelfAttention2dOptions options;
  int64_t key_channels;  // C / reduction
  PointwiseConv f, g, h;
  Tensor gamma;  // [1], starts at 0
};

}  // namespace attn::nn
