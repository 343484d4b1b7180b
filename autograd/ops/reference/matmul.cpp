// reference_matmul: C = A B as plain loops. See autograd/ops/reference/matmul.h.
#include "autograd/ops/reference/matmul.h"

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// The loops themselves: A [n, M, K] x B [n, K, N] -> C [n, M, N], one product per item i.
Tensor matmul_loops(const Tensor& A, const Tensor& B) {
  ATTN_PROFILE_OP("reference_matmul");
  const int64_t n = A.size(0), M = A.size(1), K = A.size(2), N = B.size(2);
  Tensor C = Tensor::empty({n, M, N});
  const real *a = A.data(), *b = B.data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < M; ++r)
      for (int64_t c = 0; c < N; ++c) {  // C[r, c] = sum_k A[r, k] B[k, c]
        double s = 0;
        for (int64_t k = 0; k < K; ++k)
          s += double(a[(i * M + r) * K + k]) * b[(i * K + k) * N + c];
        C.data()[(i * M + r) * N + c] = static_cast<real>(s);
      }
  return record("reference_matmul", C, {A, B}, [A, B, n, M, K, N](const Tensor& dC) {
    Tensor dA = Tensor::empty(A.shape()), dB = Tensor::empty(B.shape());
    const real *a = A.data(), *b = B.data(), *dc = dC.data();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t r = 0; r < M; ++r)
        for (int64_t k = 0; k < K; ++k) {  // dA[r, k] = sum_c dC[r, c] B[k, c]
          double s = 0;
          for (int64_t c = 0; c < N; ++c)
            s += double(dc[(i * M + r) * N + c]) * b[(i * K + k) * N + c];
          dA.data()[(i * M + r) * K + k] = static_cast<real>(s);
        }
      for (int64_t k = 0; k < K; ++k)
        for (int64_t c = 0; c < N; ++c) {  // dB[k, c] = sum_r A[r, k] dC[r, c]
          double s = 0;
          for (int64_t r = 0; r < M; ++r)
            s += double(a[(i * M + r) * K + k]) * dc[(i * M + r) * N + c];
          dB.data()[(i * K + k) * N + c] = static_cast<real>(s);
        }
    }
    return std::vector<Tensor>{dA, dB};
  });
}

}  // namespace

Tensor reference_matmul(const Tensor& a, const Tensor& b) {
  ATTN_CHECK(a.defined() && b.defined(), "reference_matmul: an operand is undefined");
  ATTN_CHECK(a.dim() >= 1 && b.dim() >= 1, "reference_matmul: ", shape_str(a.shape()), " x ",
             shape_str(b.shape()), ": both operands need at least one dimension");
  // Vectors as matmul reads them: a [K] is the row [1, K], b [K] the column [K, 1].
  const Tensor A = a.dim() == 1 ? unsqueeze(a, 0) : a;
  const Tensor B = b.dim() == 1 ? unsqueeze(b, 1) : b;
  const Shape as = A.shape(), bs = B.shape();
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  ATTN_CHECK(bs[bs.size() - 2] == K, "reference_matmul: ", shape_str(a.shape()), " x ",
             shape_str(b.shape()), ": inner sizes ", K, " and ", bs[bs.size() - 2], " differ");
  // Both batches broadcast to one: expand copies A and B to it (and sums back in backward).
  const Shape batch = broadcast_shapes(Shape(as.begin(), as.end() - 2),
                                       Shape(bs.begin(), bs.end() - 2), "reference_matmul");
  int64_t n = 1;
  for (int64_t s : batch) n *= s;
  Shape a_full = batch, b_full = batch, out = batch;
  a_full.insert(a_full.end(), {M, K});
  b_full.insert(b_full.end(), {K, N});
  const Tensor C =
      matmul_loops(reshape(expand(A, a_full), {n, M, K}), reshape(expand(B, b_full), {n, K, N}));
  if (a.dim() > 1) out.push_back(M);  // the dimension a vector operand added is dropped
  if (b.dim() > 1) out.push_back(N);
  return reshape(C, out);
}

}  // namespace attn
