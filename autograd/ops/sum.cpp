// sum over dimensions, and sum_to (the reduction that undoes broadcasting).
//   x [..] -> sum over dims (removed, or kept as size 1)
// Backward: every element of x added into its output once, so dL/dx is the
// output gradient copied back (broadcast) to x's shape.
#include <algorithm>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/broadcast_loop.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/reduce_shape.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace detail {  // declared, with their contracts, in reduce_shape.h
Shape reduced_shape(const Shape& in, std::vector<int64_t>& dims, const char* op) {
  const int64_t nd = static_cast<int64_t>(in.size());
  if (dims.empty())
    for (int64_t d = 0; d < nd; ++d) dims.push_back(d);
  Shape out = in;
  for (int64_t& d : dims) {
    d = normalize_dim(d, nd, op);
    out[d] = 1;
  }
  std::sort(dims.begin(), dims.end());
  ATTN_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), op,
             ": a dimension is listed twice");
  return out;
}
Shape drop_dims(const Shape& keep_shape, const std::vector<int64_t>& dims) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(keep_shape.size()); ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) out.push_back(keep_shape[d]);
  return out;
}
}  // namespace detail

Tensor sum_to(const Tensor& x, const Shape& shape) {
  ATTN_PROFILE_OP("sum_to");
  ATTN_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(), "sum_to: shape ",
             shape_str(shape), " does not broadcast to ", shape_str(x.shape()));
  Tensor out = Tensor::zeros(shape);
  const real* px = x.data();
  real* po = out.data();
  detail::broadcast_rows<1>(
      x.shape(), {broadcast_strides(shape, x.shape())},
      [&](int64_t i, const std::array<int64_t, 1>& off, const std::array<int64_t, 1>& st,
          int64_t m) {
        const real* row = px + i;
        if (st[0] == 0) {  // the whole row folds into one output element
          real acc = 0;
          for (int64_t j = 0; j < m; ++j) acc += row[j];
          po[off[0]] += acc;
        } else {
          for (int64_t j = 0; j < m; ++j) po[off[0] + j * st[0]] += row[j];
        }
      });
  return record("sum_to", out, {x},
                [xs = x.shape()](const Tensor& g) { return std::vector<Tensor>{expand(g, xs)}; });
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  ATTN_PROFILE_OP("sum");
  ATTN_CHECK(x.defined(), "sum: the input is undefined");
  std::vector<int64_t> dims = dims_in;
  const Shape kept = detail::reduced_shape(x.shape(), dims, "sum");
  Tensor out = sum_to(x.detach(), kept);
  if (!keepdim) out = reshape(out, detail::drop_dims(kept, dims));
  return record("sum", out.detach(), {x}, [xs = x.shape(), kept](const Tensor& g) {
    return std::vector<Tensor>{expand(reshape(g, kept), xs)};
  });
}

Tensor sum(const Tensor& x) {
  return sum(x, {}, false);
}

}  // namespace attn
