// slice: every step-th element of x along dim, from start up to (not
// including) end, as Python's x[start:end:step] along that dim.
//   x [.., S, ..] -> out [.., L, ..],   L = ceil((end - start) / step), or 0
//   out[.., j, ..] = x[.., start + j * step, ..]
// start and end count from the back when negative and are clamped to
// [0, S], as in Python; step must be >= 1.
// Backward: each x element went to at most one output element, so dL/dx is
// zero except at the picked positions, which receive dL/dout (a scatter).
//
// split(x, size, dim): consecutive slices of `size` (the last may be smaller).
#include <algorithm>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// A slice seen as a 3-D copy: x viewed as [outer, S, inner], out as
// [outer, L, inner], reading rows start, start + step, ...
struct SliceGeometry {
  int64_t outer = 1, S = 0, inner = 1, start = 0, L = 0, step = 1;
};

// Python's rule for one bound: negative counts from the end, then clamp.
int64_t clamp_bound(int64_t v, int64_t S) {
  if (v < 0) v += S;
  return std::clamp<int64_t>(v, 0, S);
}

SliceGeometry slice_geometry(const Shape& s, int64_t d, int64_t start, int64_t end, int64_t step) {
  SliceGeometry g;
  for (int64_t k = 0; k < d; ++k) g.outer *= s[k];
  for (size_t k = d + 1; k < s.size(); ++k) g.inner *= s[k];
  g.S = s[d];
  g.step = step;
  g.start = clamp_bound(start, g.S);
  const int64_t stop = clamp_bound(end, g.S);
  g.L = stop > g.start ? (stop - g.start + step - 1) / step : 0;
  return g;
}

}  // namespace

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  ATTN_PROFILE_OP("slice");
  ATTN_CHECK(x.defined(), "slice: the input is undefined");
  const Shape& xs = x.shape();
  const int64_t d = normalize_dim(dim, x.dim(), "slice");
  ATTN_CHECK(step >= 1, "slice: step ", step, " along dimension ", dim, " of shape ", shape_str(xs),
             " is not allowed; expected step >= 1");
  const SliceGeometry g = slice_geometry(xs, d, start, end, step);
  Shape shape = xs;
  shape[d] = g.L;
  Tensor out = Tensor::empty(shape);
  const real* px = x.data();
  real* po = out.data();
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t j = 0; j < g.L; ++j) {
      const real* src = px + (o * g.S + g.start + j * g.step) * g.inner;
      std::copy(src, src + g.inner, po + (o * g.L + j) * g.inner);
    }
  return record("slice", out, {x}, [xs, g](const Tensor& gout) {
    // in the forward pass out[o, j, :] = x[o, start + j*step, :], so now
    // gx[o, start + j*step, :] = gout[o, j, :] and every other gx is 0.
    Tensor gx = Tensor::zeros(xs);
    const real* pg = gout.data();
    real* pgx = gx.data();
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t j = 0; j < g.L; ++j) {
        const real* src = pg + (o * g.L + j) * g.inner;
        std::copy(src, src + g.inner, pgx + (o * g.S + g.start + j * g.step) * g.inner);
      }
    return std::vector<Tensor>{gx};
  });
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  ATTN_CHECK(x.defined(), "split: the input is undefined");
  const int64_t d = normalize_dim(dim, x.dim(), "split");
  ATTN_CHECK(size >= 1, "split: piece size ", size, " along dimension ", dim, " of shape ",
             shape_str(x.shape()), " is not allowed; expected size >= 1");
  const int64_t S = x.size(d);
  std::vector<Tensor> pieces;
  for (int64_t s0 = 0; s0 < S; s0 += size) pieces.push_back(slice(x, d, s0, s0 + size));
  if (pieces.empty()) pieces.push_back(slice(x, d, 0, 0));  // S == 0: one empty piece, as torch
  return pieces;
}

}  // namespace attn
