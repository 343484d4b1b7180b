// Exercise 7: the SAGAN self-attention block. Write the two functions below (README.md),
// then run `scripts/exercise 7`.
#include "exercises/07_sagan_attention/sagan_attention.h"

#include "autograd/error.h"
#include "autograd/ops.h"

namespace attn::exercises {

SaganAttention::SaganAttention(const SaganAttentionOptions& options)
    : Module("SaganAttention"), options(options) {
  throw Error("exercise 7: SaganAttention::SaganAttention not done yet (make and register f, g, h and gamma; README step 1)");
}

nn::AttentionOutput SaganAttention::forward(const Tensor& x) const {
  throw Error("exercise 7: SaganAttention::forward not done yet (README step 2)");
}

}  // namespace attn::exercises
