#pragma once
// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
//
//   loss.backward();
//   double norm = train::clip_grad_norm(model.parameters(), /*max_norm=*/1.0);
//   opt.step();
//
// The total norm is the L2 norm of all gradients together, as if they were
// one long vector: ||g|| = sqrt(sum over parameters of sum g_i^2). When it
// exceeds max_norm, every gradient is scaled by max_norm / (||g|| + 1e-6),
// so the direction of the step is kept and only its length is capped. This
// is what keeps an RNN's exploding gradients (Pascanu et al. 2013) from
// throwing the weights far away in one step.
#include <vector>

#include "autograd/tensor.h"

namespace attn::train {

// Scales the gradients in place and returns the total norm before clipping.
// Parameters without a gradient are skipped. A NaN or infinite norm is an
// error when error_if_nonfinite, else the gradients are scaled as PyTorch
// does (and become NaN, which the loss will show).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm,
                      bool error_if_nonfinite = false);

}  // namespace attn::train
