#pragma once
// Stochastic gradient descent with momentum, as torch.optim.SGD.
//
//   optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
//
// For each parameter p with gradient g, at step t (λ weight_decay,
// μ momentum, τ dampening, η lr):
//   g   <- g + λ p                       (L2 penalty folded into the gradient)
//   b_1 <- g;  b_t <- μ b_{t-1} + (1 - τ) g   (when μ != 0)
//   g   <- g + μ b_t  (nesterov)   or   g <- b_t
//   p   <- p - η g
// The first buffer is g itself, undamped, exactly as PyTorch does it, so
// weights move between the two frameworks with the same trajectory.
#include <vector>

#include "train/optim/optimizer.h"

namespace attn::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffer_;  // b per parameter; undefined until its first step
};

}  // namespace attn::optim
