// concat and stack: several tensors laid side by side along one dim.
//   concat  x_0 [.., S_0, ..], x_1 [.., S_1, ..], ... -> out [.., S_0 + S_1 + .., ..]
//           (every size other than dim's equal; the encoder's forward and
//           backward RNN states [B,T,H] + [B,T,H] -> [B,T,2H] along dim 2)
//   stack   k tensors of equal shape [..] -> out with a new dim of size k at dim
//           (per-step decoder outputs T x [B,H] -> [B,T,H] along dim 1)
// Backward: x_i occupies out[.., off_i : off_i + S_i, ..], so dL/dx_i is that
// slice of dL/dout.
#include <algorithm>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  ATTN_PROFILE_OP("concat");
  ATTN_CHECK(!xs.empty(), "concat: no tensors given; expected at least one");
  for (size_t i = 0; i < xs.size(); ++i)
    ATTN_CHECK(xs[i].defined(), "concat: input ", i, " is undefined");
  const Shape& s0 = xs[0].shape();
  const int64_t nd = static_cast<int64_t>(s0.size());
  for (size_t i = 1; i < xs.size(); ++i)
    ATTN_CHECK(xs[i].dim() == nd, "concat: input ", i, " has shape ", shape_str(xs[i].shape()),
               " (", xs[i].dim(), " dimensions) but input 0 has shape ", shape_str(s0), " (", nd,
               " dimensions); all inputs must have the same number of dimensions");
  const int64_t d = normalize_dim(dim, nd, "concat");
  for (size_t i = 1; i < xs.size(); ++i) {
    const Shape& si = xs[i].shape();
    for (int64_t k = 0; k < nd; ++k)
      ATTN_CHECK(k == d || si[k] == s0[k], "concat: input ", i, " has shape ", shape_str(si),
                 " but input 0 has shape ", shape_str(s0), ": sizes ", si[k], " and ", s0[k],
                 " differ at dimension ", k, "; all sizes must match except along dimension ", d);
  }

  // out viewed as [outer, sum S_i, inner]; input i fills columns off_i .. off_i + S_i.
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= s0[k];
  for (int64_t k = d + 1; k < nd; ++k) inner *= s0[k];
  std::vector<int64_t> offsets, sizes;
  int64_t total = 0;
  for (const Tensor& x : xs) {
    offsets.push_back(total);
    sizes.push_back(x.size(d));
    total += x.size(d);
  }
  Shape shape = s0;
  shape[d] = total;
  Tensor out = Tensor::empty(shape);
  real* po = out.data();
  for (int64_t o = 0; o < outer; ++o)  // out is written front to back, one stream
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t chunk = sizes[i] * inner;  // x_i's contiguous part of one outer row
      const real* src = xs[i].data() + o * chunk;
      std::copy(src, src + chunk, po + (o * total + offsets[i]) * inner);
    }
  std::vector<bool> wants_grad;
  for (const Tensor& x : xs) wants_grad.push_back(x.requires_grad());
  return record("concat", out, xs, [wants_grad, d, offsets, sizes](const Tensor& g) {
    std::vector<Tensor> gx(wants_grad.size());
    for (size_t i = 0; i < gx.size(); ++i)
      if (wants_grad[i]) gx[i] = slice(g, d, offsets[i], offsets[i] + sizes[i]);
    return gx;
  });
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  ATTN_CHECK(!xs.empty(), "stack: no tensors given; expected at least one");
  for (size_t i = 0; i < xs.size(); ++i)
    ATTN_CHECK(xs[i].defined(), "stack: input ", i, " is undefined");
  const Shape& s0 = xs[0].shape();
  for (size_t i = 1; i < xs.size(); ++i)
    ATTN_CHECK(xs[i].shape() == s0, "stack: input ", i, " has shape ", shape_str(xs[i].shape()),
               " but input 0 has shape ", shape_str(s0), "; stack needs equal shapes");
  const int64_t d = normalize_dim(dim, static_cast<int64_t>(s0.size()) + 1, "stack");
  // Each x_i gains a size-1 dim at d (a view), and the concatenation fills it.
  std::vector<Tensor> columns;
  columns.reserve(xs.size());
  for (const Tensor& x : xs) columns.push_back(unsqueeze(x, d));
  return concat(columns, d);
}

}  // namespace attn
