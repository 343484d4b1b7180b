#pragma once
// Exercise 8: spectral normalisation (Miyato, Kataoka, Koyama, Yoshida 2018) by power
// iteration, as PyTorch's torch.nn.utils.spectral_norm computes it. You write
// spectral_norm.cpp; this header is given.
//
// W of any rank >= 2 is read as the matrix W_mat [m, n] = W reshaped to [W.size(0), rest]
// (a conv weight [C_out, C_in, kh, kw] -> [C_out, C_in kh kw]). With normalize(a) =
// a / max(||a||, 1e-12), from u = u0 [m], each iteration is
//   v = normalize(W_mat^T u)      [n]
//   u = normalize(W_mat v)        [m]
// and then sigma = u^T W_mat v, which tends to the largest singular value of W_mat.
// The spectrally normalised weight is W / sigma, whose largest singular value is ~1.
// Its gradient treats u and v as constants (as PyTorch does): only sigma's W is
// differentiated, d sigma / d W_mat = u v^T.
#include <cstdint>

#include "autograd/tensor.h"

namespace attn::exercises {

struct PowerIterationResult {
  Tensor u;      // [m], unit length
  Tensor v;      // [n], unit length
  double sigma;  // u^T W_mat v
};
// No graph is recorded (u and v are constants). iterations >= 1; u0 [m]. Throws attn::Error
// naming power_iteration for a W of rank < 2, a u0 of the wrong shape or iterations < 1.
PowerIterationResult power_iteration(const Tensor& W, const Tensor& u0, int64_t iterations);

struct SpectralNormResult {
  Tensor weight;  // W / sigma, W's shape, differentiable with respect to W
  Tensor u;       // the u to start from next time (one iteration per training step suffices)
};
SpectralNormResult spectral_norm(const Tensor& W, const Tensor& u0, int64_t iterations);

}  // namespace attn::exercises
