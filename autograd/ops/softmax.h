#pragma once
// softmax and log_softmax along any dim, fused and stable (the max is
// subtracted first, so exp never overflows). x [..] -> y [..].
//   softmax backward:     dx = y * (dy - sum(dy * y, dim))
//   log_softmax backward: dx = dy - softmax(x) * sum(dy, dim)
#include "autograd/tensor.h"

namespace attn {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace attn
