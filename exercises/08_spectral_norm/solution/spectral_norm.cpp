// Exercise 8, the reference solution: power iteration on W_mat [m, n], then W / (u^T W v)
// with u, v held constant.
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "exercises/08_spectral_norm/spectral_norm.h"

namespace attn::exercises {

namespace {

// a / max(||a||, 1e-12), as torch.nn.functional.normalize.
Tensor normalize(const Tensor& a) {
  const double norm = std::sqrt(static_cast<double>((a * a).sum().item()));
  return a / static_cast<real>(std::max(norm, 1e-12));
}

Tensor as_matrix(const Tensor& W) { return W.reshape({W.size(0), -1}); }

}  // namespace

PowerIterationResult power_iteration(const Tensor& W, const Tensor& u0, int64_t iterations) {
  ATTN_CHECK(W.defined() && W.dim() >= 2, "power_iteration: W of shape ",
             W.defined() ? shape_str(W.shape()) : "undefined", " must have at least 2 dimensions");
  ATTN_CHECK(u0.defined() && u0.shape() == Shape{W.size(0)}, "power_iteration: u0 of shape ",
             u0.defined() ? shape_str(u0.shape()) : "undefined", " must be [m] = [", W.size(0), "] for W of shape ",
             shape_str(W.shape()));
  ATTN_CHECK(iterations >= 1, "power_iteration: iterations = ", iterations, " must be >= 1");
  NoGradGuard no_grad;
  const Tensor M = as_matrix(W.detach());
  Tensor u = u0.detach(), v;
  for (int64_t k = 0; k < iterations; ++k) {
    v = normalize(matmul(u, M));  // W^T u, as the row vector u^T W
    u = normalize(matmul(M, v));
  }
  return {u, v, static_cast<double>((u * matmul(M, v)).sum().item())};
}

SpectralNormResult spectral_norm(const Tensor& W, const Tensor& u0, int64_t iterations) {
  const PowerIterationResult r = power_iteration(W, u0, iterations);
  const Tensor sigma = (r.u * matmul(as_matrix(W), r.v)).sum();  // differentiable in W only
  return {W / sigma, r.u};
}

}  // namespace attn::exercises
