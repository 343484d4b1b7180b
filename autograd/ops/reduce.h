#pragma once
// Reductions along dimensions. x [..] -> out with the reduced dimensions
// removed, or kept with size 1 when keepdim. An empty `dims` means all.
#include <vector>

#include "autograd/tensor.h"

namespace attn {

Tensor sum(const Tensor& x);  // -> []
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);  // -> []
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
// Population variance (divide by N) unless unbiased (divide by N - 1).
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased = false,
           bool keepdim = false);
// Largest value along dim; the gradient flows to the (first) position of the max.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
// Index of the largest value along dim, as whole numbers; not differentiable.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
// Sums x down to `shape` (the inverse of broadcasting): what the backward of a
// broadcasting op applies to its gradient. shape must broadcast to x.shape().
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace attn
