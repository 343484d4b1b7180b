// Exercise 3: Luong's concat attention. Write the two functions below (README.md), then run
// `scripts/exercise 3`.
#include "exercises/03_luong_attention/luong_attention.h"

#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"

namespace attn::exercises {

LuongConcatAttention::LuongConcatAttention(const LuongConcatAttentionOptions& options)
    : Module("LuongConcatAttention"), options(options) {
  throw Error("exercise 3: LuongConcatAttention::LuongConcatAttention not done yet (make and register W and v; README step 1)");
}

nn::AttentionOutput LuongConcatAttention::forward(const Tensor& query, const Tensor& keys,
                                                  const Tensor& key_padding_mask) const {
  throw Error("exercise 3: LuongConcatAttention::forward not done yet (README step 2)");
}

}  // namespace attn::exercises
