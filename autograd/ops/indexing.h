#pragma once
// Indexing ops. Index tensors hold whole numbers (stored as real); every
// index is checked against the size it selects from.
#include "autograd/tensor.h"

namespace attn {

// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on, as torch.gather.
// index has x's rank; out has index's shape. Backward scatters-adds.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Rows (along dim) of x picked by a 1-D index: x [V, D], index [N] -> [N, D]
// for dim 0 — the embedding lookup. Backward adds rows back (index_add).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// x where mask is 0, `value` where mask is nonzero; mask broadcasts to x.
// Attention masks: masked_fill(scores, pad_mask, -inf) before the softmax.
Tensor masked_fill(const Tensor& x, const Tensor& mask, real value);
// a where cond is nonzero, else b; all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace attn
