// Reading this for the first time? The maths is C[m, n] = sum_k A[m, k] B[k, n]; see it as
// four plain loops, with its backward, in autograd/ops/reference/matmul.cpp (reference_matmul,
// which the tests hold this GEMM against). Everything below computes exactly that, faster.
//
// The matrix multiply in the BLIS manner (Van Zee & van de Geijn, "BLIS: A Framework for
// Rapidly Instantiating BLAS Functionality", 2015; Goto & van de Geijn 2008).
//
//   for jc in N by NC                      columns of C and op(B)
//     for pc in K by KC                    one rank-KC update
//       pack op(B)[pc:+KC, jc:+NC] -> B~   panels of NR columns, kept in L2
//       for ic in M by MC
//         pack op(A)[ic:+MC, pc:+KC] -> A~ panels of MR rows
//         for ir in MC by MR               A~ micro-panel (KC x MR) stays in L1 ...
//           for jr in NC by NR             ... while B~ micro-panels stream from L2
//             C[ir:+MR, jr:+NR] = alpha A~ B~ + beta C          (the micro-kernel)
//
// The micro-kernel keeps an MR x NR block of C in registers: NR along the rows of C (vector
// loads of B~), MR rows (broadcasts of A~). Packing copies an operand into the order the
// micro-kernel reads it, so the transposes are handled there: transposed B is gathered
// column by column, transposed A copied MR neighbours at a time. Where the operand is
// already in a usable order the copy is skipped (BLIS's "sup" idea): untransposed A is read
// in place (MR rows, each contiguous in k; the same L1 footprint as A~), and so is
// untransposed B when M is small and each panel would be reused only a few times. The
// micro-kernel is told at compile time which of the two layouts each operand has.
//
// Threads: C is cut into one block of whole MR rows (or NR columns) per thread; each block
// is an independent product with its own panels, so no thread waits on another.

#include "autograd/simd/gemm.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "autograd/error.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vec.h"

namespace attn::simd {
namespace {

// Register and cache blocking per instruction set and type.
//   MR x (NV vectors) is the register block of C; KC the depth of one rank-KC update;
//   NC the columns of B~ (KC x NC must fit in L2); MC the rows of transposed A packed at a
//   time. What each level holds: L1 the A micro-panel (MR x KC), L2 the B~ block (KC x NC),
//   L3 the M x KC slab of A that every B~ block sweeps over (300 MiB here: no limit needed).
template <typename T>
struct Blocking;

#if defined(ATTN_SIMD_AVX512)
// 32 zmm: 12 x 2 = 24 accumulators + 2 B~ vectors + 1 broadcast of A; 24 independent
// FMAs cover 2 FMA ports x 4 cycles of latency three times over, and each step loads 14
// values for 24 FMAs, within 2 loads per cycle.
// KC = 256: the A micro-panel (12 x 256 x 4 B = 12 KiB) sits in the 48 KiB L1 with room
// for the streamed B~; B~ (256 x 1024 x 4 B = 1 MiB) fits the 2 MiB L2 of one core with
// room for C's lines. (KC = 384 or 512 measured no better within noise.)
template <>
struct Blocking<float> {
  static constexpr int MR = 12, NV = 2;
  static constexpr int64_t KC = 256, MC = 96, NC = 1024;
};
// Same register shape in doubles (8 lanes): KC halved keeps the same bytes per panel.
template <>
struct Blocking<double> {
  static constexpr int MR = 12, NV = 2;
  static constexpr int64_t KC = 128, MC = 96, NC = 1024;
};
#elif defined(ATTN_SIMD_AVX2)
// 16 ymm: 6 x 2 = 12 accumulators + 2 B~ vectors + 1 broadcast.
template <>
struct Blocking<float> {
  static constexpr int MR = 6, NV = 2;
  static constexpr int64_t KC = 256, MC = 96, NC = 1024;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 6, NV = 2;
  static constexpr int64_t KC = 128, MC = 96, NC = 1024;
};
#elif defined(ATTN_SIMD_NEON)
// 32 q registers of 4 floats: 8 x 3 = 24 accumulators + 3 B~ vectors + broadcasts.
template <>
struct Blocking<float> {
  static constexpr int MR = 8, NV = 3;
  static constexpr int64_t KC = 256, MC = 96, NC = 768;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 8, NV = 3;
  static constexpr int64_t KC = 128, MC = 96, NC = 768;
};
#else
// Scalar: a 4 x 4 block of C in 16 registers still reuses each load 4 times.
template <>
struct Blocking<float> {
  static constexpr int MR = 4, NV = 4;
  static constexpr int64_t KC = 256, MC = 64, NC = 512;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 4, NV = 4;
  static constexpr int64_t KC = 128, MC = 64, NC = 512;
};
#endif

// Each thread gets at least this many multiply-adds (M*N*K), so two threads start at 8M
// (e.g. [128 x 256] x [256 x 256]). Measured with bench/bench_threads.cpp: a product run back
// to back gains from about 1M on, but when the worker is asleep (ops far apart) waking it
// takes tens of microseconds and two threads pay only from about 4-8M; in the tutorials'
// small models (an LSTM step's [64 x 128] x [128 x 512] is 4M) two threads at 4M gained
// nothing and burned a core (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkPerThread = int64_t{1} << 22;

// A growable 64-byte-aligned scratch buffer, one per thread and type (the packed panels).
template <typename T>
struct Scratch {
  T* p = nullptr;
  size_t size = 0;
  T* get(size_t n) {
    if (n > size) {
      std::free(p);
      const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
      p = static_cast<T*>(std::aligned_alloc(64, bytes));
      if (!p) {
        size = 0;
        throw std::bad_alloc();
      }
      size = n;
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};

template <typename T>
T* scratch_a(size_t n) {
  static thread_local Scratch<T> s;
  return s.get(n);
}
template <typename T>
T* scratch_b(size_t n) {
  static thread_local Scratch<T> s;
  return s.get(n);
}

inline int64_t round_up(int64_t x, int64_t m) {
  return (x + m - 1) / m * m;
}

// A~ <- op(A)[i0:+mc, p0:+kc] as panels of MR rows: panel r, depth p, row i sits at
// dst[r*MR*kc + p*MR + i]; rows past mc are zero.
template <typename T, int MR>
void pack_a(bool trans_a, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            T* dst) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir));
    T* d = dst + ir * kc;
    if (!trans_a) {  // op(A)(i, p) = A[i * lda + p]: rows of A are contiguous in p
      for (int i = 0; i < m; ++i) {
        const T* s = A + (i0 + ir + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = s[p];
      }
      for (int i = m; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = T(0);
    } else {  // op(A)(i, p) = A[p * lda + i]: MR neighbours of one row of stored A
      for (int64_t p = 0; p < kc; ++p) {
        const T* s = A + (p0 + p) * lda + i0 + ir;
        T* dp = d + p * MR;
        for (int i = 0; i < m; ++i) dp[i] = s[i];
        for (int i = m; i < MR; ++i) dp[i] = T(0);
      }
    }
  }
}

// B~ <- op(B)[p0:+kc, j0:+nc] as panels of NR columns: panel s, depth p, column j sits at
// dst[s*NR*kc + p*NR + j]; columns past nc are zero.
template <typename T, int NR>
void pack_b(bool trans_b, const T* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
            T* dst) {
  using V = Vec<T>;
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int n = static_cast<int>(std::min<int64_t>(NR, nc - jr));
    T* d = dst + jr * kc;
    if (!trans_b) {  // op(B)(p, j) = B[p * ldb + j]: NR neighbours of one row of B
      for (int64_t p = 0; p < kc; ++p) {
        const T* s = B + (p0 + p) * ldb + j0 + jr;
        T* dp = d + p * NR;
        if (n == NR) {
#pragma GCC unroll 8
          for (int j = 0; j < NR; j += V::lanes) V::store(dp + j, V::load(s + j));
        } else {
          for (int j = 0; j < n; ++j) dp[j] = s[j];
          for (int j = n; j < NR; ++j) dp[j] = T(0);
        }
      }
    } else if (ldb <= INT32_MAX / V::lanes) {  // op(B)(p, j) = B[j * ldb + p]: a gather
      // For each p, the NR values of column p of stored B^T, one vector at a time; the NR
      // source rows stay in L1 across neighbouring p.
      constexpr int L = V::lanes;
      const int32_t stride = static_cast<int32_t>(ldb);
      const T* s = B + (j0 + jr) * ldb + p0;
      for (int64_t p = 0; p < kc; ++p) {
        T* dp = d + p * NR;
#pragma GCC unroll 8
        for (int j = 0; j < NR; j += L) {
          if (j + L <= n)
            V::store(dp + j, V::gather(s + j * ldb + p, stride));
          else if (j < n)
            V::store(dp + j, V::gather_partial(s + j * ldb + p, stride, n - j));
          else
            V::store(dp + j, V::zero());
        }
      }
    } else {  // rows too far apart for 32-bit gather offsets: element by element
      for (int j = 0; j < n; ++j) {
        const T* s = B + (j0 + jr + j) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = s[p];
      }
      for (int j = n; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = T(0);
    }
  }
}

// Where the micro-kernel reads its operands. A: a packed micro-panel (row i of step p at
// a[p * MR + i]) or, untransposed A read in place, rows of the matrix (a[i * lda + p]).
// B: a packed micro-panel (b[p * NR + j]) or, untransposed B read in place, rows of the
// matrix (b[p * ldb + j]), for small M where packing would cost more than it saves; or, B
// through a row table, row p anywhere (b[rows[p] + j]: gemm_row_table).
enum class Src { kPacked, kInPlace, kRowTable };

// C[0:m, 0:n] = alpha * A~ B~ + beta * C for one block of ROWS x (NVEC vectors), over kc
// steps, m <= ROWS, n <= NVEC * lanes (in-place B loads only the n columns that exist).
// beta == 0 never reads C. The full block is ROWS = MR, NVEC = NR / lanes; the smaller ones serve
// the edges of C, so a 64-row C does not pay for 72 rows.
template <typename T, int MR, int NR, int ROWS, int NVEC, Src SA, Src SB>
void micro_kernel(int64_t kc, const T* __restrict a, int64_t lda, const T* __restrict b,
                  int64_t ldb, T* __restrict c, int64_t ldc, int m, int n, T alpha, T beta,
                  const int64_t* __restrict rows) {
  using V = Vec<T>;
  constexpr int L = V::lanes;
  V acc[ROWS][NVEC];
#pragma GCC unroll 64
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NVEC; ++j) acc[i][j] = V::zero();

  for (int i = 0; i < m; ++i) __builtin_prefetch(c + i * ldc, 1);

  const int last = n - (NVEC - 1) * L;  // columns in the last vector, 1..L
  const bool ragged_b = SB != Src::kPacked && last < L;
  for (int64_t p = 0; p < kc; ++p) {
    const T* bp = SB == Src::kRowTable ? b + rows[p] : b;
    V bv[NVEC];
#pragma GCC unroll 8
    for (int j = 0; j < NVEC; ++j)
      bv[j] = j == NVEC - 1 && ragged_b ? V::load_partial(bp + j * L, last) : V::load(bp + j * L);
#pragma GCC unroll 64
    for (int i = 0; i < ROWS; ++i) {
      const V ai = V::broadcast(SA == Src::kInPlace ? a[i * lda] : a[i]);
#pragma GCC unroll 8
      for (int j = 0; j < NVEC; ++j) acc[i][j] = V::fma(ai, bv[j], acc[i][j]);
    }
    a += SA == Src::kInPlace ? 1 : MR;
    if constexpr (SB != Src::kRowTable) b += SB == Src::kInPlace ? ldb : NR;
  }

  // C = alpha * acc + beta * C, for the m rows and n columns that exist.
  const V va = V::broadcast(alpha), vb = V::broadcast(beta);
#pragma GCC unroll 64
  for (int i = 0; i < ROWS; ++i) {
    if (i >= m) break;
    T* ci = c + i * ldc;
#pragma GCC unroll 8
    for (int j = 0; j < NVEC; ++j) {
      const int left = n - j * L;  // columns of C from this vector on
      if (left >= L) {
        const V r = beta == T(0) ? va * acc[i][j] : V::fma(va, acc[i][j], vb * V::load(ci + j * L));
        V::store(ci + j * L, r);
      } else if (left > 0) {
        const V r = beta == T(0) ? va * acc[i][j]
                                 : V::fma(va, acc[i][j], vb * V::load_partial(ci + j * L, left));
        V::store_partial(ci + j * L, r, left);
      }
    }
  }
}

// Picks the smallest block that covers m x n: rows in steps of 4, columns in whole vectors.
template <typename T, int MR, int NR, int ROWS, int NVEC, Src SA, Src SB>
inline void run_block(int64_t kc, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
                      int64_t ldc, int m, int n, T alpha, T beta,
                      const int64_t* rows = nullptr) {
  constexpr int L = Vec<T>::lanes;
  if constexpr (ROWS > 4) {
    if (m <= ROWS - 4)
      return run_block<T, MR, NR, ROWS - 4, NVEC, SA, SB>(kc, a, lda, b, ldb, c, ldc, m, n, alpha,
                                                          beta, rows);
  }
  if constexpr (NVEC > 1) {
    if (n <= (NVEC - 1) * L)
      return run_block<T, MR, NR, ROWS, NVEC - 1, SA, SB>(kc, a, lda, b, ldb, c, ldc, m, n, alpha,
                                                          beta, rows);
  }
  micro_kernel<T, MR, NR, ROWS, NVEC, SA, SB>(kc, a, lda, b, ldb, c, ldc, m, n, alpha, beta, rows);
}

// C = beta * C without touching A or B (alpha == 0 or K == 0).
template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* ci = C + i * ldc;
    if (beta == T(0))
      std::fill(ci, ci + N, T(0));
    else
      for (int64_t j = 0; j < N; ++j) ci[j] *= beta;
  }
}

// Untransposed B is read in place instead of packed when op(A) has at most this many rows:
// each B~ panel would be used only M / MR times, too few to repay the copy (measured: 64 x
// 128 x 512 goes from 140 to 149 GFLOP/s). Not when B's rows lie a multiple of 4 KiB apart:
// then they all fall in the same few cache sets and evict each other (64 x 1024 x 1024
// drops from 106 to 89).
constexpr int64_t kInPlaceBMaxRows = 96;

// The blocked algorithm on one thread (see the loop nest at the top of the file).
template <typename T>
void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  using BK = Blocking<T>;
  constexpr int MR = BK::MR, L = Vec<T>::lanes;
  constexpr int NR = BK::NV * L;
  const int64_t kc_max = std::min(BK::KC, K);
  T* bpack = scratch_b<T>(kc_max * round_up(std::min(BK::NC, N), NR));
  T* apack = scratch_a<T>(kc_max * round_up(std::min(BK::MC, M), MR));
  const bool b_in_place =
      !trans_b && M <= kInPlaceBMaxRows && (ldb * int64_t(sizeof(T))) % 4096 != 0;

  for (int64_t jc = 0; jc < N; jc += BK::NC) {
    const int64_t nc = std::min(BK::NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += BK::KC) {
      const int64_t kc = std::min(BK::KC, K - pc);
      const T beta_here = pc == 0 ? beta : T(1);  // later K blocks add to what is there
      if (!b_in_place) pack_b<T, NR>(trans_b, B, ldb, pc, kc, jc, nc, bpack);
      for (int64_t ic = 0; ic < M; ic += BK::MC) {
        const int64_t mc = std::min(BK::MC, M - ic);
        if (trans_a) pack_a<T, MR>(true, A, lda, ic, mc, pc, kc, apack);
        for (int64_t ir = 0; ir < mc; ir += MR) {
          const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir));
          // In place needs an edge block of exactly m rows (they come in steps of 4).
          const bool a_in_place = !trans_a && (MR - m) % 4 == 0;
          if (!trans_a && !a_in_place)
            pack_a<T, MR>(false, A, lda, ic + ir, m, pc, kc, apack + ir * kc);
          const T* a_mat = A + (ic + ir) * lda + pc;
          const T* a_pack = apack + ir * kc;
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int n = static_cast<int>(std::min<int64_t>(NR, nc - jr));
            T* c = C + (ic + ir) * ldc + jc + jr;
            const T* b_mat = B + pc * ldb + jc + jr;
            const T* b_pack = bpack + jr * kc;
            if (a_in_place && b_in_place)
              run_block<T, MR, NR, MR, BK::NV, Src::kInPlace, Src::kInPlace>(
                  kc, a_mat, lda, b_mat, ldb, c, ldc, m, n, alpha, beta_here);
            else if (a_in_place)
              run_block<T, MR, NR, MR, BK::NV, Src::kInPlace, Src::kPacked>(
                  kc, a_mat, lda, b_pack, 0, c, ldc, m, n, alpha, beta_here);
            else if (b_in_place)
              run_block<T, MR, NR, MR, BK::NV, Src::kPacked, Src::kInPlace>(
                  kc, a_pack, 0, b_mat, ldb, c, ldc, m, n, alpha, beta_here);
            else
              run_block<T, MR, NR, MR, BK::NV, Src::kPacked, Src::kPacked>(
                  kc, a_pack, 0, b_pack, 0, c, ldc, m, n, alpha, beta_here);
          }
        }
      }
    }
  }
}

// How many threads one product of M*N*K multiply-adds should use.
inline int threads_for(int64_t M, int64_t N, int64_t K) {
  if (in_parallel()) return 1;  // already one task of a parallel loop (e.g. over a batch)
  const int64_t work = M * N * K;
  if (!thread_thresholds())  // tests: every product split, however small
    return static_cast<int>(std::min<int64_t>(get_num_threads(), std::max<int64_t>(M, N)));
  const int64_t by_work = std::max<int64_t>(1, work / kMinWorkPerThread);
  return static_cast<int>(std::min<int64_t>(get_num_threads(), by_work));
}

// Unchecked gemm: splits C into one block per thread (along the dimension with more
// register blocks, so the split is even), each block an independent serial product with
// its own packed panels.
template <typename T>
void gemm_unchecked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                    const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const int nt = threads_for(M, N, K);
  if (nt <= 1) {
    gemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  using BK = Blocking<T>;
  constexpr int64_t MR = BK::MR, NR = BK::NV * Vec<T>::lanes;
  const int64_t tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
  const bool split_m = tiles_m >= tiles_n;
  const int64_t tiles = split_m ? tiles_m : tiles_n;
  const int64_t step = split_m ? MR : NR;
  const int64_t extent = split_m ? M : N;
  parallel_tasks(nt, nt, [&](int64_t t) {
    const int64_t lo = std::min(extent, tiles * t / nt * step);
    const int64_t hi = std::min(extent, tiles * (t + 1) / nt * step);
    if (hi <= lo) return;
    if (split_m) {
      const T* As = trans_a ? A + lo : A + lo * lda;
      gemm_serial(trans_a, trans_b, hi - lo, N, K, alpha, As, lda, B, ldb, beta, C + lo * ldc, ldc);
    } else {
      const T* Bs = trans_b ? B + lo * ldb : B + lo;
      gemm_serial(trans_a, trans_b, M, hi - lo, K, alpha, A, lda, Bs, ldb, beta, C + lo, ldc);
    }
  });
}

// gemm_row_table on one thread: C [M, N] = alpha A B~, B~ row p at B + rows[p]. B~ is read
// in place through the table (never packed, as untransposed B for small M in gemm_serial);
// A in place, or packed for an edge block whose rows are not a multiple of 4.
template <typename T>
void row_table_serial(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                      const T* B, const int64_t* rows, T* C, int64_t ldc) {
  using BK = Blocking<T>;
  constexpr int MR = BK::MR, L = Vec<T>::lanes;
  constexpr int NR = BK::NV * L;
  T* apack = scratch_a<T>(std::min(BK::KC, K) * MR);
  for (int64_t jc = 0; jc < N; jc += BK::NC) {
    const int64_t nc = std::min(BK::NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += BK::KC) {
      const int64_t kc = std::min(BK::KC, K - pc);
      const T beta_here = pc == 0 ? T(0) : T(1);  // later K blocks add to what is there
      for (int64_t ir = 0; ir < M; ir += MR) {
        const int m = static_cast<int>(std::min<int64_t>(MR, M - ir));
        const bool a_in_place = (MR - m) % 4 == 0;
        if (!a_in_place) pack_a<T, MR>(false, A, lda, ir, m, pc, kc, apack);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int n = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          T* c = C + ir * ldc + jc + jr;
          const T* b = B + jc + jr;
          if (a_in_place)
            run_block<T, MR, NR, MR, BK::NV, Src::kInPlace, Src::kRowTable>(
                kc, A + ir * lda + pc, lda, b, 0, c, ldc, m, n, alpha, beta_here, rows + pc);
          else
            run_block<T, MR, NR, MR, BK::NV, Src::kPacked, Src::kRowTable>(
                kc, apack, 0, b, 0, c, ldc, m, n, alpha, beta_here, rows + pc);
        }
      }
    }
  }
}

// The checks shared by gemm and gemm_batched (and their references).
template <typename T>
void check_gemm(const char* op, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                const T* A, int64_t lda, const T* B, int64_t ldb, const T* C, int64_t ldc) {
  ATTN_CHECK(M >= 0 && N >= 0 && K >= 0, op, ": sizes M=", M, " N=", N, " K=", K,
             ", expected all >= 0");
  const int64_t a_cols = trans_a ? M : K, b_cols = trans_b ? K : N;
  ATTN_CHECK(lda >= a_cols, op, ": lda=", lda, " but A is stored [", trans_a ? K : M, ",", a_cols,
             "] (trans_a=", trans_a, "), expected lda >= ", a_cols);
  ATTN_CHECK(ldb >= b_cols, op, ": ldb=", ldb, " but B is stored [", trans_b ? N : K, ",", b_cols,
             "] (trans_b=", trans_b, "), expected ldb >= ", b_cols);
  ATTN_CHECK(ldc >= N, op, ": ldc=", ldc, " but C is [", M, ",", N, "], expected ldc >= ", N);
  ATTN_CHECK(C != nullptr || M * N == 0, op, ": C is null for a [", M, ",", N, "] result");
  ATTN_CHECK((A != nullptr && B != nullptr) || M * N * K == 0, op, ": A or B is null for [", M, ",",
             K, "] x [", K, ",", N, "]");
}

template <typename T>
void check_batched(const char* op, int64_t batch, int64_t M, int64_t N, int64_t stride_c) {
  ATTN_CHECK(batch >= 0, op, ": batch=", batch, ", expected >= 0");
  ATTN_CHECK(batch <= 1 || M * N == 0 || stride_c != 0, op, ": stride_c=0 with batch=", batch,
             " would write every [", M, ",", N, "] result onto the same C");
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  check_gemm("gemm", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
  profiler::detail::count_multiply_adds(M * N * K);
  gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  T alpha, const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                  int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c) {
  check_batched<T>("gemm_batched", batch, M, N, stride_c);
  check_gemm("gemm_batched", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
  if (batch == 0) return;
  profiler::detail::count_multiply_adds(batch * M * N * K);
  // Many or small matrices: whole products as tasks (each runs serially inside, since
  // in_parallel() is then true). A few large ones thread inside gemm instead.
  const int64_t work = M * N * K;
  const int nt =
      in_parallel()
          ? 1
          : static_cast<int>(std::min<int64_t>(
                get_num_threads(), thread_thresholds()
                                       ? std::max<int64_t>(1, batch * work / kMinWorkPerThread)
                                       : batch));
  if (nt > 1 && (batch >= 4 * nt || work < 4 * kMinWorkPerThread)) {
    parallel_tasks(batch, nt, [&](int64_t b) {
      gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb,
                     beta, C + b * stride_c, ldc);
    });
    return;
  }
  for (int64_t b = 0; b < batch; ++b)
    gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb,
                   beta, C + b * stride_c, ldc);
}

template <typename T>
void gemm_row_table(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                    const T* B, const int64_t* rows, T* C, int64_t ldc) {
  ATTN_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm_row_table: sizes M=", M, " N=", N, " K=", K,
             ", expected all >= 0");
  ATTN_CHECK(lda >= K, "gemm_row_table: lda=", lda, " but A is stored [", M, ",", K,
             "], expected lda >= ", K);
  ATTN_CHECK(ldc >= N, "gemm_row_table: ldc=", ldc, " but C is [", M, ",", N,
             "], expected ldc >= ", N);
  ATTN_CHECK(C != nullptr || M * N == 0, "gemm_row_table: C is null for a [", M, ",", N,
             "] result");
  ATTN_CHECK((A != nullptr && B != nullptr && rows != nullptr) || M * N * K == 0,
             "gemm_row_table: A, B or the row table is null for [", M, ",", K, "] x [", K, ",", N,
             "]");
  if (M == 0 || N == 0) return;
  profiler::detail::count_multiply_adds(M * N * K);
  if (K == 0 || alpha == T(0)) {
    scale_c(M, N, T(0), C, ldc);
    return;
  }
  // Threads as gemm's: a block of whole NR columns each (C's columns, B~'s columns).
  constexpr int64_t NR = Blocking<T>::NV * Vec<T>::lanes;
  const int nt = threads_for(M, N, K);
  const int64_t tiles = (N + NR - 1) / NR;
  if (nt <= 1 || tiles < 2) {
    row_table_serial(M, N, K, alpha, A, lda, B, rows, C, ldc);
    return;
  }
  parallel_tasks(nt, nt, [&](int64_t t) {
    const int64_t lo = std::min(N, tiles * t / nt * NR), hi = std::min(N, tiles * (t + 1) / nt * NR);
    if (hi > lo) row_table_serial(M, hi - lo, K, alpha, A, lda, B + lo, rows, C + lo, ldc);
  });
}

template <typename T>
GemmBlocking gemm_blocking() {
  using BK = Blocking<T>;
  return {BK::MR, BK::NV * Vec<T>::lanes, BK::KC, BK::MC, BK::NC};
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
template void gemm_batched<float>(int64_t, bool, bool, int64_t, int64_t, int64_t, float,
                                  const float*, int64_t, int64_t, const float*, int64_t, int64_t,
                                  float, float*, int64_t, int64_t);
template void gemm_batched<double>(int64_t, bool, bool, int64_t, int64_t, int64_t, double,
                                   const double*, int64_t, int64_t, const double*, int64_t, int64_t,
                                   double, double*, int64_t, int64_t);
template void gemm_row_table<float>(int64_t, int64_t, int64_t, float, const float*, int64_t,
                                    const float*, const int64_t*, float*, int64_t);
template void gemm_row_table<double>(int64_t, int64_t, int64_t, double, const double*, int64_t,
                                     const double*, const int64_t*, double*, int64_t);
template GemmBlocking gemm_blocking<float>();
template GemmBlocking gemm_blocking<double>();

namespace ref {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  check_gemm("ref::gemm", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = 0;
      if (alpha != T(0))
        for (int64_t p = 0; p < K; ++p)
          acc += (trans_a ? A[p * lda + i] : A[i * lda + p]) *
                 (trans_b ? B[j * ldb + p] : B[p * ldb + j]);
      T& c = C[i * ldc + j];
      c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;
    }
  }
}

template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  T alpha, const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                  int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c) {
  check_batched<T>("ref::gemm_batched", batch, M, N, stride_c);
  for (int64_t b = 0; b < batch; ++b)
    ref::gemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta,
              C + b * stride_c, ldc);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
template void gemm_batched<float>(int64_t, bool, bool, int64_t, int64_t, int64_t, float,
                                  const float*, int64_t, int64_t, const float*, int64_t, int64_t,
                                  float, float*, int64_t, int64_t);
template void gemm_batched<double>(int64_t, bool, bool, int64_t, int64_t, int64_t, double,
                                   const double*, int64_t, int64_t, const double*, int64_t, int64_t,
                                   double, double*, int64_t, int64_t);

}  // namespace ref

}  // namespace attn::simd
