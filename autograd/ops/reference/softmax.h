#pragma once
// The reading version of softmax along one dim: plain loops, forward and backward side by
// side, for a learner to read before the fused kernels (autograd/ops/softmax.cpp) and for
// the tests to hold those against.
//
//   x [..] -> y [..]; every "row" of n elements along dim is normalised on its own:
//   forward:   m = max_k x_k,   y_j = exp(x_j - m) / sum_k exp(x_k - m)
//   backward:  dx_k = y_k (dy_k - sum_j dy_j y_j)
// Subtracting m cancels between numerator and denominator; it keeps exp from overflowing.
// A masked entry (-inf) gets y = 0, and a row that is all -inf is NaN, as in softmax.
#include <cstdint>

#include "autograd/tensor.h"

namespace attn {

Tensor reference_softmax(const Tensor& x, int64_t dim);

}  // namespace attn
