#pragma once
// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as
// torch.optim.Adam and torch.optim.AdamW.
//
//   optim::Adam opt(model.parameters(), {.lr = 1e-3});
//   optim::AdamW opt(model.parameters(), {.lr = 1e-3, .weight_decay = 0.01});
//
// For each parameter θ with gradient g, at its step t = 1, 2, ... (η lr,
// β1 β2 the betas, ε eps, λ weight_decay):
//   Adam:   g <- g + λ θ                  (L2 penalty inside the gradient)
//   AdamW:  θ <- θ - η λ θ                (decay decoupled from the moments)
//   m <- β1 m + (1 - β1) g                (first moment, starts at 0)
//   v <- β2 v + (1 - β2) g²               (second moment, starts at 0)
//   θ <- θ - η/(1 - β1^t) · m / (sqrt(v)/sqrt(1 - β2^t) + ε)
// The two bias corrections undo the zero start of m and v; ε sits outside
// the square root, as in the paper and PyTorch. Why AdamW: with Adam, the
// penalty λθ is divided by sqrt(v) like any gradient, so weights with large
// gradients are barely decayed; AdamW shrinks every weight by the same factor.
#include <cstdint>
#include <vector>

#include "train/optim/optimizer.h"

namespace attn::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // the L2 penalty λ
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;
  const AdamOptions& options() const { return options_; }
  // How many updates parameter k has had (its own t: a step that skips it
  // for want of a gradient does not count).
  int64_t step_count(size_t k) const { return state_.at(k).t; }

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled, const char* who);

 private:
  struct State {
    int64_t t = 0;
    Tensor m, v;  // first and second moments, made at the first step
  };
  AdamOptions options_;
  bool decoupled_;  // true: AdamW
  std::vector<State> state_;
};

// The same fields; PyTorch's AdamW decays by default, hence its own defaults.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options);
};

}  // namespace attn::optim
