#pragma once
// General matrix multiply, the one kernel behind matmul, Linear, attention scores and
// im2col convolution.
//
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
//
// All matrices are row-major with leading dimensions (the distance between rows):
// op(A) = A when !trans_a (A stored [M,K], lda >= K) and A^T when trans_a (A stored [K,M],
// lda >= M); likewise B ([K,N], ldb >= N, or [N,K], ldb >= K); C is [M,N], ldc >= N.
// beta == 0 means C is only written, never read (it may hold NaN garbage); alpha == 0 or
// K == 0 leave C = beta * C without reading A or B.
//
// attn::simd::gemm is built in the BLIS manner (packed panels, a register-blocked
// micro-kernel on vec.h, cache blocking, threads of autograd/parallel.h over independent blocks);
// attn::simd::ref::gemm is the naive triple loop, the reference and the fallback.
// Bad sizes or leading dimensions throw attn::Error naming what arrived.
#include <cstdint>

namespace attn::simd {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// batch independent products: matrix b uses A + b * stride_a, B + b * stride_b and
// C + b * stride_c. A stride of 0 broadcasts that operand (e.g. one weight matrix for every
// item); stride_c must not be 0 unless batch <= 1, since the outputs would overlap.
// Small matrices run one per thread; large ones run one after another, each threaded.
template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  T alpha, const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                  int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c);

// C [M, N] = alpha A [M, K] B~, where row p of B~ is the N values from B + rows[p]: the rows
// of B~ lie anywhere in B, in any order, overlapping or not. A convolution reads its column
// matrix this way without building it (layers/im2col.h: each row is a shifted view of the
// padded image). A untransposed (lda >= K); C is only written (beta = 0).
template <typename T>
void gemm_row_table(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                    const T* B, const int64_t* rows, T* C, int64_t ldc);

// The block sizes this build uses (register block mr x nr, cache blocks kc, mc, nc), so
// tests can aim at the edges and benchmarks can print them.
struct GemmBlocking {
  int mr, nr;
  int64_t kc, mc, nc;
};
template <typename T>
GemmBlocking gemm_blocking();

namespace ref {
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  T alpha, const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                  int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c);
}  // namespace ref

}  // namespace attn::simd
