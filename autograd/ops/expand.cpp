// expand: broadcast x to a larger shape, copying.  x [..] -> shape
// Backward: each x element was copied to several places; their gradients sum.
#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/broadcast_loop.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

Tensor expand(const Tensor& x, const Shape& shape) {
  ATTN_PROFILE_OP("expand");
  ATTN_CHECK(x.defined(), "expand: the input is undefined");
  ATTN_CHECK(
      shape.size() >= x.shape().size() && broadcast_shapes(x.shape(), shape, "expand") == shape,
      "expand: a tensor of shape ", shape_str(x.shape()), " cannot be expanded to ",
      shape_str(shape), " (each size must match or be 1)");
  Tensor out = Tensor::empty(shape);
  const real* px = x.data();
  real* po = out.data();
  detail::broadcast_rows<1>(
      shape, {broadcast_strides(x.shape(), shape)},
      [&](int64_t o, const std::array<int64_t, 1>& off, const std::array<int64_t, 1>& st,
          int64_t m) {
        for (int64_t j = 0; j < m; ++j) po[o + j] = px[off[0] + j * st[0]];
      });
  return record("expand", out, {x},
                [xs = x.shape()](const Tensor& g) { return std::vector<Tensor>{sum_to(g, xs)}; });
}

}  // namespace attn
