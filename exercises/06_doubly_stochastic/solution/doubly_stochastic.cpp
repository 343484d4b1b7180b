// Exercise 6, the reference solution: received = sum over the real steps of alpha; the
// penalty is lambda times the mean over the batch of sum_i (1 - received_i)^2.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/06_doubly_stochastic/doubly_stochastic.h"

namespace attn::exercises {

Tensor attention_received(const Tensor& alpha, const Tensor& mask) {
  ATTN_CHECK(alpha.defined() && mask.defined(), "attention_received: alpha and mask must be defined");
  ATTN_CHECK(alpha.dim() == 3 && mask.dim() == 2 && mask.size(0) == alpha.size(0) &&
                 mask.size(1) == alpha.size(1),
             "attention_received: expected alpha [B, T, L] and mask [B, T], got alpha ",
             shape_str(alpha.shape()), " and mask ", shape_str(mask.shape()));
  return (alpha * mask.detach().unsqueeze(2)).sum({1});  // [B, L]
}

Tensor doubly_stochastic_penalty(const Tensor& alpha, const Tensor& mask, double lambda) {
  ATTN_CHECK(lambda >= 0, "doubly_stochastic_penalty: lambda = ", lambda, " must be >= 0");
  const Tensor r = 1 - attention_received(alpha, mask);
  return (r * r).sum() * static_cast<real>(lambda / static_cast<double>(alpha.size(0)));
}

}  // namespace attn::exercises
