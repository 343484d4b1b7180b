// permute and transpose: the same elements in a new order of dimensions,
// copied into a fresh contiguous buffer.
//   permute    x [s_0, .., s_{n-1}], dims p -> out [s_{p[0]}, .., s_{p[n-1]}]
//              out[i_0, .., i_{n-1}] = x[j] with j_{p[k]} = i_k
//   transpose  permute with dims d0 and d1 swapped: [B,T,D] (1,2) -> [B,D,T]
// Backward: out is x with its axes renamed, so dL/dx is dL/dout with the
// names put back: permute(g, p^-1), where p^-1[p[k]] = k.
#include <algorithm>
#include <cstring>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// A permutation reduced to what the copy needs. Size-1 dims are dropped and
// neighbours that stay neighbours (p[k+1] == p[k] + 1) are merged, so e.g.
// [B,T,H,D] -> [B,H,T,D] keeps D as one contiguous run and [B,M,N] ->
// [B,N,M] with B = 1 becomes a plain 2-D transpose.
struct Plan {
  Shape out;                       // sizes of the reduced output dims
  std::vector<int64_t> in_stride;  // stride in x of each reduced output dim
};

Plan reduce_plan(const Shape& in, const std::vector<int64_t>& p) {
  const auto st = contiguous_strides(in);
  // rank[d]: position of dim d among x's dims of size > 1 (size-1 dims do not
  // separate their neighbours in memory).
  std::vector<int64_t> rank(in.size());
  for (size_t d = 0, r = 0; d < in.size(); ++d) rank[d] = in[d] == 1 ? -1 : int64_t(r++);
  Plan plan;
  int64_t prev = -2;  // rank of the input dim of the last kept output dim
  for (int64_t d : p) {
    if (in[d] == 1) continue;
    if (rank[d] == prev + 1) {  // adjacent in x too: one longer dim
      plan.out.back() *= in[d];
      plan.in_stride.back() = st[d];
    } else {
      plan.out.push_back(in[d]);
      plan.in_stride.push_back(st[d]);
    }
    prev = rank[d];
  }
  return plan;
}

// Calls f(in_offset, out_offset) for every index of the dims `outer` of a
// contiguous output of shape `shape`, reading x through `in_stride`.
template <typename F>
void for_each_outer(const Shape& shape, const std::vector<int64_t>& in_stride,
                    const std::vector<int64_t>& outer, F f) {
  const auto out_stride = contiguous_strides(shape);
  std::vector<int64_t> idx(outer.size(), 0);
  int64_t in_off = 0, out_off = 0;
  for (;;) {
    f(in_off, out_off);
    int64_t k = static_cast<int64_t>(outer.size()) - 1;
    for (; k >= 0; --k) {  // advance the odometer
      const int64_t d = outer[k];
      in_off += in_stride[d];
      out_off += out_stride[d];
      if (++idx[k] < shape[d]) break;
      in_off -= in_stride[d] * shape[d];
      out_off -= out_stride[d] * shape[d];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

void permute_copy(const real* x, real* out, const Shape& in, const std::vector<int64_t>& p) {
  const Plan plan = reduce_plan(in, p);
  const int64_t n = static_cast<int64_t>(plan.out.size());
  if (n <= 1) {  // nothing moves: the buffer is already in the output order
    std::memcpy(out, x, sizeof(real) * numel(in));
    return;
  }
  const auto out_stride = contiguous_strides(plan.out);
  const int64_t last = n - 1;
  if (plan.in_stride[last] == 1) {
    // The innermost dim stays innermost: copy contiguous runs of it.
    const int64_t run = plan.out[last];
    std::vector<int64_t> outer(last);
    for (int64_t k = 0; k < last; ++k) outer[k] = k;
    for_each_outer(plan.out, plan.in_stride, outer,
                   [&](int64_t i, int64_t o) { std::memcpy(out + o, x + i, sizeof(real) * run); });
    return;
  }
  // x's innermost dim (stride 1) lands at output dim a, the output's innermost
  // dim b reads x with a stride: a 2-D transpose for each index of the other
  // dims, done in tiles so both the reads and the writes stay in cache.
  const int64_t a =
      std::find(plan.in_stride.begin(), plan.in_stride.end(), 1) - plan.in_stride.begin();
  const int64_t b = last;
  const int64_t A = plan.out[a], B = plan.out[b];
  const int64_t a_out = out_stride[a], b_in = plan.in_stride[b];
  std::vector<int64_t> outer;
  for (int64_t k = 0; k < n; ++k)
    if (k != a && k != b) outer.push_back(k);
  // 32 x 32 tiles (4 KB of float): the 32 input rows of a tile are read as
  // 32 streams, and its lines stay in L1 while the output row pieces are written.
  constexpr int64_t kTile = 32;
  for_each_outer(plan.out, plan.in_stride, outer, [&](int64_t i0, int64_t o0) {
    for (int64_t ib = 0; ib < B; ib += kTile) {
      const int64_t eb = std::min(ib + kTile, B);
      for (int64_t ia = 0; ia < A; ia += kTile) {
        const int64_t ea = std::min(ia + kTile, A);
        for (int64_t u = ia; u < ea; ++u) {
          const real* src = x + i0 + u;
          real* dst = out + o0 + u * a_out;
          for (int64_t v = ib; v < eb; ++v) dst[v] = src[v * b_in];
        }
      }
    }
  });
}

// Checks dims against x's rank and returns them wrapped into [0, rank).
std::vector<int64_t> check_permutation(const Shape& s, const std::vector<int64_t>& dims,
                                       const char* op) {
  const int64_t nd = static_cast<int64_t>(s.size());
  ATTN_CHECK(static_cast<int64_t>(dims.size()) == nd, op, ": dims ", shape_str(dims), " list ",
             dims.size(), " dimension", dims.size() == 1 ? "" : "s", " but x of shape ",
             shape_str(s), " has ", nd, "; expected a permutation of 0..", nd - 1);
  std::vector<int64_t> p(nd);
  std::vector<bool> seen(nd, false);
  for (int64_t k = 0; k < nd; ++k) {
    p[k] = normalize_dim(dims[k], nd, op);
    ATTN_CHECK(!seen[p[k]], op, ": dims ", shape_str(dims), " for x of shape ", shape_str(s),
               " name dimension ", p[k], " twice; expected a permutation of 0..", nd - 1);
    seen[p[k]] = true;
  }
  return p;
}

Tensor permute_impl(const char* op, const Tensor& x, const std::vector<int64_t>& p) {
  ATTN_PROFILE_OP(op);
  const Shape& in = x.shape();
  Shape shape(p.size());
  for (size_t k = 0; k < p.size(); ++k) shape[k] = in[p[k]];
  Tensor out = Tensor::uninitialized(shape);
  if (out.numel() > 0) permute_copy(x.data(), out.data(), in, p);
  return record(op, out, {x}, [p](const Tensor& g) {
    // out's dim k was x's dim p[k], so x's dim p[k] is g's dim k.
    std::vector<int64_t> inverse(p.size());
    for (size_t k = 0; k < p.size(); ++k) inverse[p[k]] = static_cast<int64_t>(k);
    return std::vector<Tensor>{permute(g, inverse)};
  });
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  ATTN_CHECK(x.defined(), "permute: the input is undefined");
  return permute_impl("permute", x, check_permutation(x.shape(), dims, "permute"));
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  ATTN_CHECK(x.defined(), "transpose: the input is undefined");
  const int64_t nd = x.dim();
  const int64_t a = normalize_dim(d0, nd, "transpose"), b = normalize_dim(d1, nd, "transpose");
  std::vector<int64_t> p(nd);
  for (int64_t k = 0; k < nd; ++k) p[k] = k;
  std::swap(p[a], p[b]);
  return permute_impl("transpose", x, p);
}

}  // namespace attn
