#include "train/optim/clip_grad.h"

#include <cmath>
#include <unordered_set>

#include "autograd/error.h"
#include "autograd/grad_mode.h"

namespace attn::train {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, bool error_if_nonfinite) {
  ATTN_CHECK(std::isfinite(max_norm) && max_norm >= 0,
             "clip_grad_norm: max_norm must be finite and >= 0, got ", max_norm);
  NoGradGuard no_grad;
  // The gradients, each once: a tensor listed twice (weights tied between two
  // modules) must neither count twice in the norm nor be scaled twice.
  std::vector<Tensor> grads;
  std::unordered_set<const TensorImpl*> seen;
  for (const Tensor& p : params) {
    if (!p.defined() || !seen.insert(p.impl()).second) continue;
    if (Tensor g = p.grad(); g.defined()) grads.push_back(g);
  }
  // Sum of squares in double: a million float squares summed in float lose
  // the small ones.
  double sum_sq = 0;
  for (const Tensor& g : grads) {
    const real* d = g.data();
    const int64_t n = g.numel();
    for (int64_t i = 0; i < n; ++i) sum_sq += double(d[i]) * double(d[i]);
  }
  const double total = std::sqrt(sum_sq);
  ATTN_CHECK(std::isfinite(total) || !error_if_nonfinite, "clip_grad_norm: the total norm of ",
             "the gradients is ", total,
             "; a gradient holds NaN or infinity (look at the loss and the learning rate)");
  // The 1e-6 keeps the division finite for zero gradients (as in PyTorch).
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1 || std::isnan(coef)) {
    const real c = static_cast<real>(coef);
    for (Tensor& g : grads) {
      real* d = g.data();
      const int64_t n = g.numel();
      for (int64_t i = 0; i < n; ++i) d[i] *= c;
    }
  }
  return total;
}

}  // namespace attn::train
