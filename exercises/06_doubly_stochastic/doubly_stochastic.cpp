// Exercise 6: the doubly stochastic regulariser. Write the two functions below from the
// library's ops (README.md), then run `scripts/exercise 6`.
#include "exercises/06_doubly_stochastic/doubly_stochastic.h"

#include "autograd/error.h"
#include "autograd/ops.h"

namespace attn::exercises {

Tensor attention_received(const Tensor& alpha, const Tensor& mask) {
  throw Error("exercise 6: attention_received not done yet (README step 1)");
}

Tensor doubly_stochastic_penalty(const Tensor& alpha, const Tensor& mask, double lambda) {
  throw Error("exercise 6: doubly_stochastic_penalty not done yet (README step 2)");
}

}  // namespace attn::exercises
