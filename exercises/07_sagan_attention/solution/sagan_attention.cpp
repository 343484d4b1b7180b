// Exercise 7, the reference solution: three 1x1 convolutions, then attention over positions.
//   F = f(x), G = g(x) as [B, C', N];  S = F^T G [B, N_i, N_j];  beta = softmax over i of S,
//   laid out [B, N_j, N_i];  o = H beta^T [B, C, N_j];  y = gamma o + x.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/07_sagan_attention/sagan_attention.h"

namespace attn::exercises {

SaganAttention::SaganAttention(const SaganAttentionOptions& opts)
    : Module("SaganAttention"), options(opts) {
  const int64_t C = opts.channels(), r = opts.reduction();
  ATTN_CHECK(C >= 1 && r >= 1 && C / r >= 1, "SaganAttention: channels = ", C, " and reduction = ", r,
             " must leave C / reduction >= 1 channels for f and g");
  f = register_module("f", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(C, C / r, 1)));
  g = register_module("g", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(C, C / r, 1)));
  h = register_module("h", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(C, C, 1)));
  gamma = Tensor::zeros({1});
  register_parameter("gamma", gamma);
}

nn::AttentionOutput SaganAttention::forward(const Tensor& x) const {
  const int64_t C = options.channels();
  ATTN_CHECK(x.defined() && x.dim() == 4 && x.size(1) == C, "SaganAttention: input of shape ",
             x.defined() ? shape_str(x.shape()) : "undefined", " must be [B, C = ", C, ", H, W]");
  const int64_t B = x.size(0), N = x.size(2) * x.size(3), Ck = C / options.reduction();
  const Tensor F = (*f)(x).reshape({B, Ck, N}), G = (*g)(x).reshape({B, Ck, N});
  const Tensor Hx = (*h)(x).reshape({B, C, N});
  const Tensor S = matmul(F.transpose(1, 2), G);     // [B, N_i, N_j]: s_ij = f_i . g_j
  const Tensor beta = softmax(S.transpose(1, 2), 2);  // [B, N_j, N_i]: softmax over i
  const Tensor o = matmul(Hx, beta.transpose(1, 2));  // [B, C, N_j]: o_j = sum_i beta_ji h_i
  return {gamma * o.reshape(x.shape()) + x, beta};
}

}  // namespace attn::exercises
