#pragma once
// Ops that move data without computing on it. Negative dims count from the end.
#include <vector>

#include "autograd/tensor.h"

namespace attn {

Tensor reshape(const Tensor& x, const Shape& shape);  // one size may be -1; shares the buffer
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
// Elements start, start+step, ... < end along dim (end clamped to the size).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);  // sizes equal except along dim
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);   // equal shapes; a new dim
// Pieces of `size` along dim (the last may be smaller), as torch.split.
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);        // removes dim, which must have size 1
Tensor unsqueeze(const Tensor& x, int64_t dim);      // inserts a size-1 dim
Tensor expand(const Tensor& x, const Shape& shape);  // broadcasts x to shape (copies)

}  // namespace attn
