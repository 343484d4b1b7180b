// Ops that pick elements of x by an index tensor (whole numbers stored as
// real; each is checked against the size it selects from).
//
//   gather        x [.., S, ..] (S at dim), index [..] of x's rank -> out [index's shape]
//                 out[i_0, .., i_{n-1}] = x[i_0, .., index[i_0, .., i_{n-1}], .., i_{n-1}]
//                 (index[k] replaces i at position dim; torch.gather)
//                 e.g. the log-probability of each target: gather(logp [N,V], 1, y [N,1])
//   index_select  x [.., S, ..], index [N] -> out [.., N, ..]
//                 out[.., n, ..] = x[.., index[n], ..]
//                 the embedding lookup: E [V,D], token ids [N] -> [N,D], one row copy each
//
// Backward of both: out copied x elements, some several times (a repeated
// index), so dL/dx at an element is the sum of dL/dout over every place it
// was copied to: zeros, then a scatter-add (index_add for rows).
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/indexing.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// The integer an index element stands for, or an error naming the op, the
// value, its position (printed by where()) and the valid range.
template <typename Where>
int64_t checked_index(real v, int64_t size, int64_t dim, const char* op, const Where& where) {
  ATTN_CHECK(std::isfinite(v) && v == std::floor(v), op, ": index ", v, " at position ", where(),
             " is not a whole number; indices into dimension ", dim, " of size ", size,
             " must be whole numbers 0 <= index < ", size);
  ATTN_CHECK(v >= 0 && v < real(size), op, ": index ", v, " at position ", where(),
             " is out of range for dimension ", dim, " of size ", size, " (expected 0 <= index < ",
             size, ")");
  return static_cast<int64_t>(v);
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  ATTN_PROFILE_OP("gather");
  ATTN_CHECK(x.defined() && index.defined(), "gather: an input is undefined");
  const Shape& xs = x.shape();
  const Shape& is = index.shape();
  const int64_t nd = x.dim();
  const int64_t d = normalize_dim(dim, nd, "gather");
  ATTN_CHECK(index.dim() == nd, "gather: index of shape ", shape_str(is), " has ", index.dim(),
             " dimensions but x of shape ", shape_str(xs), " has ", nd,
             "; index must have x's number of dimensions");
  for (int64_t k = 0; k < nd; ++k)
    ATTN_CHECK(k == d || is[k] <= xs[k], "gather: index of shape ", shape_str(is),
               " is larger than x of shape ", shape_str(xs), " at dimension ", k, " (", is[k],
               " > ", xs[k], "); outside dimension ", d, " index may not exceed x");

  // src[p]: the offset in x that output element p reads.
  const auto xst = contiguous_strides(xs);
  const int64_t n = index.numel();
  std::vector<int64_t> src(n);
  Tensor out = Tensor::empty(is);
  const real* px = x.data();
  const real* pi = index.data();
  real* po = out.data();
  std::vector<int64_t> pos(nd, 0);  // the multi-index of p in index
  int64_t base = 0;                 // x offset of pos, without the dim term
  for (int64_t p = 0; p < n; ++p) {
    const int64_t j = checked_index(pi[p], xs[d], d, "gather", [&] { return shape_str(pos); });
    src[p] = base + j * xst[d];
    po[p] = px[src[p]];
    for (int64_t k = nd - 1; k >= 0; --k) {  // advance the odometer over index
      if (k != d) base += xst[k];
      if (++pos[k] < is[k]) break;
      if (k != d) base -= xst[k] * is[k];
      pos[k] = 0;
    }
  }
  return record("gather", out, {x, index}, [xs, src = std::move(src)](const Tensor& g) {
    // in the forward pass out[p] = x[src[p]], so now gx[src[p]] += g[p].
    Tensor gx = Tensor::zeros(xs);
    const real* pg = g.data();
    real* pgx = gx.data();
    for (size_t p = 0; p < src.size(); ++p) pgx[src[p]] += pg[p];
    return std::vector<Tensor>{gx, Tensor()};  // an index has no gradient
  });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  ATTN_PROFILE_OP("index_select");
  ATTN_CHECK(x.defined() && index.defined(), "index_select: an input is undefined");
  const Shape& xs = x.shape();
  const int64_t d = normalize_dim(dim, x.dim(), "index_select");
  ATTN_CHECK(index.dim() == 1, "index_select: index of shape ", shape_str(index.shape()), " has ",
             index.dim(), " dimensions; expected a 1-D index (flatten it first)");
  // x viewed as [outer, S, inner], out as [outer, N, inner].
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= xs[k];
  for (size_t k = d + 1; k < xs.size(); ++k) inner *= xs[k];
  const int64_t S = xs[d], N = index.numel();
  std::vector<int64_t> rows(N);
  const real* pi = index.data();
  for (int64_t n = 0; n < N; ++n)
    rows[n] = checked_index(pi[n], S, d, "index_select", [n] { return n; });

  Shape shape = xs;
  shape[d] = N;
  Tensor out = Tensor::empty(shape);
  const real* px = x.data();
  real* po = out.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t n = 0; n < N; ++n) {  // one row copy per index
      const real* src = px + (o * S + rows[n]) * inner;
      std::copy(src, src + inner, po + (o * N + n) * inner);
    }
  return record("index_select", out, {x, index},
                [xs, outer, inner, S, rows = std::move(rows)](const Tensor& g) {
                  // in the forward pass out[o, n, :] = x[o, rows[n], :], so now
                  // gx[o, rows[n], :] += g[o, n, :] (index_add: repeats accumulate).
                  const int64_t N = static_cast<int64_t>(rows.size());
                  Tensor gx = Tensor::zeros(xs);
                  const real* pg = g.data();
                  real* pgx = gx.data();
                  for (int64_t o = 0; o < outer; ++o)
                    for (int64_t n = 0; n < N; ++n) {
                      const real* src = pg + (o * N + n) * inner;
                      real* dst = pgx + (o * S + rows[n]) * inner;
                      for (int64_t t = 0; t < inner; ++t) dst[t] += src[t];
                    }
                  return std::vector<Tensor>{gx, Tensor()};  // an index has no gradient
                });
}

}  // namespace attn
