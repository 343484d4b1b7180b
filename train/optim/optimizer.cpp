#include "train/optim/optimizer.h"

#include <cmath>
#include <unordered_set>

#include "autograd/error.h"

namespace attn::optim {

namespace {
void check_lr(const char* who, double lr) {
  ATTN_CHECK(std::isfinite(lr) && lr >= 0, who, ": the learning rate must be finite and >= 0, got ",
             lr);
}
}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, double lr, const char* who)
    : lr_(lr), who_(who) {
  check_lr(who_, lr);
  std::unordered_set<const TensorImpl*> seen;
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    ATTN_CHECK(p.defined(), who_, ": parameter ", i, " of ", params.size(), " is undefined");
    // An update of a non-leaf would be overwritten by the op that makes it.
    ATTN_CHECK(p.is_leaf(), who_, ": parameter ", i, " (shape ", shape_str(p.shape()),
               ") is not a leaf tensor; an optimizer can only update leaves");
    // A frozen parameter (requires_grad off) is allowed: it never gets a grad,
    // so step() skips it. A tensor listed twice (weights tied between two
    // modules) is kept once, so it is updated once per step.
    if (seen.insert(p.impl()).second) params_.push_back(p);
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  check_lr(who_, lr);
  lr_ = lr;
}

}  // namespace attn::optim
