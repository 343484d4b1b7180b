#pragma once
// Shape bookkeeping shared by the reductions (sum, mean, var, max, argmax) and
// by softmax. Internal to autograd/ops/: not part of the public API.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "autograd/error.h"
#include "autograd/shape.h"

namespace attn::detail {

// The shape of a reduction with keepdim: the reduced dims become 1.
// Also validates and normalises `dims` (empty means every dimension; negative
// dims count from the end; the result is sorted), naming `op` in errors.
Shape reduced_shape(const Shape& in, std::vector<int64_t>& dims, const char* op);

// keep_shape without the (sorted, normalised) `dims`: the keepdim=false shape.
Shape drop_dims(const Shape& keep_shape, const std::vector<int64_t>& dims);

// A row-major tensor seen as [outer, n, inner] around one dimension d:
// element (o, j, i) sits at o*n*inner + j*inner + i. inner == 1 means the
// dimension is the last one, so each "row" of n is contiguous.
struct AlongDim {
  int64_t outer = 1, n = 1, inner = 1;
};

// The dimension an op along one dim (max, argmax, softmax) works on, wrapped
// into [0, ndim). A 0-d tensor counts as one dimension of size 1, as in PyTorch.
//   softmax: dimension 3 is out of range for a tensor of shape [2,3] (expected -2 <= dim < 2)
inline int64_t checked_dim(const Shape& s, int64_t dim, const char* op) {
  const int64_t nd = std::max<int64_t>(static_cast<int64_t>(s.size()), 1);
  const int64_t d = dim < 0 ? dim + nd : dim;
  ATTN_CHECK(d >= 0 && d < nd, op, ": dimension ", dim, " is out of range for a tensor of shape ",
             shape_str(s), " (expected ", -nd, " <= dim < ", nd, ")");
  return d;
}

inline AlongDim along_dim(const Shape& s, int64_t d) {
  AlongDim a;
  const int64_t nd = static_cast<int64_t>(s.size());
  for (int64_t k = 0; k < nd; ++k) {
    if (k < d)
      a.outer *= s[k];
    else if (k == d)
      a.n = s[k];
    else
      a.inner *= s[k];
  }
  return a;
}

}  // namespace attn::detail
