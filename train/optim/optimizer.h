#pragma once
// Optimizer: the base of every update rule in attn::optim (SGD, Adam, AdamW).
// It holds handles to the parameters (the same tensors the model owns, so an
// update is seen by the model), and one learning rate that a schedule may
// change between steps.
//
//   optim::Adam opt(model.parameters(), {.lr = 1e-3});
//   for (...) {
//     opt.zero_grad();
//     Tensor loss = ...; loss.backward();
//     opt.step();                  // p <- p - update(p.grad()), in place
//   }
//
// As in torch.optim: step() changes the parameters' data in place, outside
// the graph, and skips a parameter whose grad is undefined (it took no part
// in this step's loss); per-parameter state (momentum, Adam's moments) is made
// on the first step that parameter has a gradient.
#include <cstddef>
#include <vector>

#include "autograd/tensor.h"

namespace attn::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;
  // Drops every parameter's gradient (torch's zero_grad(set_to_none=True)):
  // the next backward() writes a fresh one instead of adding to a stale one.
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  const std::vector<Tensor>& parameters() const { return params_; }

 protected:
  // `who` names the optimizer in error messages ("SGD", "Adam").
  Optimizer(std::vector<Tensor> params, double lr, const char* who);
  const char* name() const { return who_; }

  std::vector<Tensor> params_;

 private:
  double lr_;
  const char* who_;
};

}  // namespace attn::optim
