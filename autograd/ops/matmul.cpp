// matmul, as torch.matmul, on the BLIS-style GEMM of autograd/simd/gemm.h.
//
//   a [...a, M, K] x b [...b, K, N] -> c [broadcast(...a, ...b), M, N]
//   a [K]  is read as [1, K] and the M dimension is dropped from c;
//   b [K]  is read as [K, 1] and the N dimension is dropped from c.
//
// Backward of C = A B (for every batch item):
//   dA = dC B^T   [M,N] x [N,K] -> [M,K]
//   dB = A^T dC   [K,M] x [M,N] -> [K,N]
// Both are GEMMs with a transpose flag set; nothing is transposed in memory.
// The same maths as plain loops, forward and backward, is reference_matmul
// (autograd/ops/reference/matmul.cpp): read it first; the tests compare the two.
// An operand broadcast across batch items (a weight shared by every item)
// fed several outputs, so its gradient is the sum over those items: the
// GEMMs accumulate into it (beta = 1) rather than writing one gradient per
// item and reducing afterwards.
#include "autograd/ops/matmul.h"

#include <algorithm>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"

namespace attn {

namespace {

// One batch dimension of the output and how far each of the three matrices
// of a product moves (in elements) per step along it; 0 = the same matrix.
struct BatchDim {
  int64_t size, sp, sq, sc;
};

// C_i = op(P_i) op(Q_i) for every batch item i, where op(P) is [m,k] and op(Q)
// is [k,n] (stored transposed when the flag is set, as in simd::gemm).
// When sc is 0 along some dimension, several items share one C: their
// products are summed into it.
// Every caller names each member (Product{.transpose_p = false, ...}).
struct Product {
  bool transpose_p, transpose_q;
  int64_t m, n, k;
  const real* P;
  int64_t ldp;  // leading dimension: elements from one stored row of P to the next
  const real* Q;
  int64_t ldq;
  real* C;
  int64_t ldc;
};

// Adjacent dimensions that step every matrix evenly (outer stride = inner
// stride * inner size, for P, Q and C alike) are one dimension: this turns a
// batch [4,5] of contiguous matrices into one batch of 20, which gemm_batched
// can spread over threads.
std::vector<BatchDim> merge_dims(const std::vector<BatchDim>& dims) {
  std::vector<BatchDim> out;
  for (const BatchDim& d : dims) {
    if (d.size == 1) continue;
    if (!out.empty()) {
      BatchDim& o = out.back();
      if (o.sp == d.sp * d.size && o.sq == d.sq * d.size && o.sc == d.sc * d.size) {
        o = {.size = o.size * d.size, .sp = d.sp, .sq = d.sq, .sc = d.sc};
        continue;
      }
    }
    out.push_back(d);
  }
  return out;
}

void run_product(const Product& p, std::vector<BatchDim> dims) {
  dims = merge_dims(dims);
  const int64_t c_size = p.m * p.n;
  if (c_size == 0) return;
  const bool sums =
      std::any_of(dims.begin(), dims.end(), [](const BatchDim& d) { return d.sc == 0; });
  // The whole of C (contiguous): one m x n matrix per index of the dims it is not shared
  // along. It arrives uninitialised; a C that sums products is zeroed first.
  int64_t c_extent = c_size;
  for (const BatchDim& d : dims)
    if (d.sc != 0) c_extent *= d.size;
  if (std::any_of(dims.begin(), dims.end(), [](const BatchDim& d) { return d.size == 0; })) {
    if (sums) std::fill(p.C, p.C + c_extent, real(0));  // a sum of no products
    return;
  }

  if (dims.size() == 1) {
    const BatchDim& d = dims[0];
    // Q shared, P and C contiguous: the batch is just more rows of one
    // product ([B*T, D] x [D, H], the Linear layer's case).
    if (!p.transpose_p && d.sq == 0 && d.sp == p.m * p.ldp && d.sc == p.m * p.ldc) {
      simd::gemm<real>(false, p.transpose_q, p.m * d.size, p.n, p.k, real(1), p.P, p.ldp, p.Q,
                       p.ldq, real(0), p.C, p.ldc);
      return;
    }
    // C shared, P^T and Q contiguous along the inner dimension: the sum over
    // the batch is one product with a longer inner dimension (the weight
    // gradient of that same Linear layer: X^T dY over all B*T rows).
    if (p.transpose_p && !p.transpose_q && d.sc == 0 && d.sp == p.k * p.ldp &&
        d.sq == p.k * p.ldq) {
      simd::gemm<real>(true, false, p.m, p.n, p.k * d.size, real(1), p.P, p.ldp, p.Q, p.ldq,
                       real(0), p.C, p.ldc);
      return;
    }
  }

  // General case: gemm_batched along one dimension whose items write
  // distinct C (the last such), an odometer over the others. When C is shared
  // along some dimension, it starts at zero and every product adds into it.
  if (sums) std::fill(p.C, p.C + c_extent, real(0));
  const real beta = sums ? real(1) : real(0);
  int64_t inner = -1;
  for (int64_t i = static_cast<int64_t>(dims.size()) - 1; i >= 0 && inner < 0; --i)
    if (dims[i].sc != 0) inner = i;
  BatchDim batched = inner >= 0 ? dims[inner] : BatchDim{.size = 1, .sp = 0, .sq = 0, .sc = 0};
  if (inner >= 0) dims.erase(dims.begin() + inner);

  std::vector<int64_t> idx(dims.size(), 0);
  int64_t op = 0, oq = 0, oc = 0;
  while (true) {
    simd::gemm_batched<real>(batched.size, p.transpose_p, p.transpose_q, p.m, p.n, p.k, real(1),
                             p.P + op, p.ldp, batched.sp, p.Q + oq, p.ldq, batched.sq, beta,
                             p.C + oc, p.ldc, batched.sc);
    int64_t d = static_cast<int64_t>(dims.size()) - 1;
    for (; d >= 0; --d) {  // advance the odometer
      op += dims[d].sp, oq += dims[d].sq, oc += dims[d].sc;
      if (++idx[d] < dims[d].size) break;
      op -= dims[d].sp * dims[d].size, oq -= dims[d].sq * dims[d].size,
          oc -= dims[d].sc * dims[d].size;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}

// Contiguous strides of a batch shape in units of whole matrices, 0 where
// the operand has size 1 and so is broadcast. `shape` is left-padded to nb.
std::vector<int64_t> batch_strides(Shape shape, size_t nb) {
  shape.insert(shape.begin(), nb - shape.size(), 1);
  std::vector<int64_t> st(nb, 0);
  int64_t s = 1;
  for (int64_t i = static_cast<int64_t>(nb) - 1; i >= 0; --i) {
    st[i] = shape[i] == 1 ? 0 : s;
    s *= shape[i];
  }
  return st;
}

// Everything forward and backward need to know about the sizes.
struct MatmulPlan {
  int64_t M, K, N;
  Shape out_shape;
  Shape batch;                  // the broadcast batch dimensions
  std::vector<int64_t> sa, sb;  // per batch dim, in matrices; 0 = broadcast
};

MatmulPlan plan(const Shape& as, const Shape& bs) {
  auto where = [&] { return "matmul: " + shape_str(as) + " x " + shape_str(bs) + ": "; };
  ATTN_CHECK(!as.empty() && !bs.empty(), where(),
             "both operands need at least one dimension (to scale by a scalar, use *)");
  MatmulPlan pl;
  // Promote vectors as torch does: a [K] is a row [1,K], b [K] a column [K,1].
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  const Shape a2 = a_vec ? Shape{1, as[0]} : as;
  const Shape b2 = b_vec ? Shape{bs[0], 1} : bs;
  pl.M = a2[a2.size() - 2];
  pl.K = a2.back();
  pl.N = b2.back();
  const int64_t kb = b2[b2.size() - 2];
  ATTN_CHECK(pl.K == kb, where(), "inner sizes ", pl.K, " and ", kb, " differ");

  const Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  const size_t nb = std::max(ab.size(), bb.size());
  pl.batch.resize(nb);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t da = i < nb - ab.size() ? 1 : ab[i - (nb - ab.size())];
    const int64_t db = i < nb - bb.size() ? 1 : bb[i - (nb - bb.size())];
    ATTN_CHECK(da == db || da == 1 || db == 1, where(), "batch dimensions ", shape_str(ab), " and ",
               shape_str(bb), " do not broadcast (sizes ", da, " and ", db,
               " differ and neither is 1)");
    pl.batch[i] = da == 1 ? db : da;
  }
  pl.sa = batch_strides(ab, nb);
  pl.sb = batch_strides(bb, nb);
  pl.out_shape = pl.batch;
  if (!a_vec) pl.out_shape.push_back(pl.M);
  if (!b_vec) pl.out_shape.push_back(pl.N);
  return pl;
}

// How one operand of a product walks the batch: per batch dimension, how many whole
// matrices it steps (0 = broadcast), and the size of one matrix in elements.
struct BatchWalk {
  const std::vector<int64_t>& stride;
  int64_t matrix_size;
};

// The batch dimensions of one product, from the walks of P, Q and C.
std::vector<BatchDim> dims_of(const MatmulPlan& pl, const BatchWalk& p, const BatchWalk& q,
                              const BatchWalk& c) {
  std::vector<BatchDim> dims(pl.batch.size());
  for (size_t i = 0; i < dims.size(); ++i)
    dims[i] = {.size = pl.batch[i],
               .sp = p.stride[i] * p.matrix_size,
               .sq = q.stride[i] * q.matrix_size,
               .sc = c.stride[i] * c.matrix_size};
  return dims;
}

// ---- the three products of matmul, each a named function ------------------------------
// sc: C's batch strides (C is never broadcast).

// Forward, C = A B: [M,K] x [K,N] -> [M,N] per batch item.
void forward_product(const MatmulPlan& pl, const std::vector<int64_t>& sc, const real* a,
                     const real* b, real* c) {
  const int64_t M = pl.M, K = pl.K, N = pl.N;
  run_product({.transpose_p = false,
               .transpose_q = false,
               .m = M,
               .n = N,
               .k = K,
               .P = a,
               .ldp = K,
               .Q = b,
               .ldq = N,
               .C = c,
               .ldc = N},
              dims_of(pl, {pl.sa, M * K}, {pl.sb, K * N}, {sc, M * N}));
}

// dA = dC B^T: [M,N] x (B [K,N] read transposed) -> [M,K], summed where A was shared.
void grad_a_product(const MatmulPlan& pl, const std::vector<int64_t>& sc, const real* gc,
                    const real* b, real* ga) {
  const int64_t M = pl.M, K = pl.K, N = pl.N;
  run_product({.transpose_p = false,
               .transpose_q = true,
               .m = M,
               .n = K,
               .k = N,
               .P = gc,
               .ldp = N,
               .Q = b,
               .ldq = N,
               .C = ga,
               .ldc = K},
              dims_of(pl, {sc, M * N}, {pl.sb, K * N}, {pl.sa, M * K}));
}

// dB = A^T dC: (A [M,K] read transposed) x [M,N] -> [K,N], summed where B was shared.
void grad_b_product(const MatmulPlan& pl, const std::vector<int64_t>& sc, const real* a,
                    const real* gc, real* gb) {
  const int64_t M = pl.M, K = pl.K, N = pl.N;
  run_product({.transpose_p = true,
               .transpose_q = false,
               .m = K,
               .n = N,
               .k = M,
               .P = a,
               .ldp = K,
               .Q = gc,
               .ldq = N,
               .C = gb,
               .ldc = N},
              dims_of(pl, {pl.sa, M * K}, {sc, M * N}, {pl.sb, K * N}));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("matmul");
  ATTN_CHECK(a.defined() && b.defined(), "matmul: an operand is undefined");
  const MatmulPlan pl = plan(a.shape(), b.shape());
  const std::vector<int64_t> sc = batch_strides(pl.batch, pl.batch.size());  // c: never broadcast

  // ---- forward: C = A B ---------------------------------------------------
  Tensor c = Tensor::uninitialized(pl.out_shape);  // every element written below
  if (pl.K == 0)
    c.fill_(0);  // an empty sum
  else
    forward_product(pl, sc, a.data(), b.data(), c.data());

  return record("matmul", c, {a, b}, [a, b, pl, sc](const Tensor& gc) {
    // In the forward pass this was C = A B, so now dA = dC B^T and dB = A^T dC.
    Tensor ga, gb;
    if (a.requires_grad()) {
      ga = Tensor::uninitialized(a.shape());
      if (pl.N == 0)
        ga.fill_(0);
      else
        grad_a_product(pl, sc, gc.data(), b.data(), ga.data());
    }
    if (b.requires_grad()) {
      gb = Tensor::uninitialized(b.shape());
      if (pl.M == 0)
        gb.fill_(0);
      else
        grad_b_product(pl, sc, a.data(), gc.data(), gb.data());
    }
    return std::vector<Tensor>{ga, gb};
  });
}

}  // namespace attn
