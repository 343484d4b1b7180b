#pragma once
// Exercise 2: the masked softmax, from primitive ops. You write masked_softmax.cpp; this
// header is given.
//
//   scores [..., N, ...], mask broadcastable to scores (nonzero = this position is masked:
//   padding, or the future), dim the dimension to normalise over
//   -> weights, scores' shape:
//        weights_i = exp(s_i - m) / sum_{j not masked} exp(s_j - m)   for i not masked
//        weights_i = 0                                                 for i masked
//      with m any number (the largest unmasked s_j keeps every exp <= 1). A row with
//      every position masked has weights 0 everywhere, never NaN, and a zero gradient.
#include <cstdint>

#include "autograd/tensor.h"

namespace attn::exercises {

Tensor masked_softmax(const Tensor& scores, const Tensor& mask, int64_t dim);

}  // namespace attn::exercises
