// attn::simd::gemm and gemm_batched against the naive triple loop (attn::simd::ref), for
// float and double: all four transpose combinations, alpha/beta, leading dimensions wider
// than the matrices (the padding holds NaN, so reading it would show), beta == 0 over a
// NaN-filled C, and sizes on both sides of every block size of this build.
//
// Tolerance, per element: both results are sums of K products, each within
// (K + 2) eps * (|alpha| sum_p |a_ip b_pj| + |beta c_ij|) of the exact value (the classic
// dot-product bound), so they differ by at most twice that.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/parallel.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vec.h"

namespace attn::simd {
namespace {

template <typename T>
constexpr T nan_v() {
  return std::numeric_limits<T>::quiet_NaN();
}

// A rows x cols matrix stored with leading dimension ld >= cols; the padding is NaN.
template <typename T>
struct Mat {
  int64_t rows, cols, ld;
  std::vector<T> v;
  Mat(int64_t r, int64_t c, int64_t pad, uint32_t seed, T lo = -1, T hi = 1)
      : rows(r), cols(c), ld(c + pad), v(std::max<int64_t>(1, r * (c + pad)), nan_v<T>()) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) v[i * ld + j] = static_cast<T>(u(gen));
  }
  T* data() { return v.data(); }
  T& at(int64_t i, int64_t j) { return v[i * ld + j]; }
  Mat abs() const {
    Mat m = *this;
    for (T& x : m.v) x = std::fabs(x);
    return m;
  }
};

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  double alpha, beta;
  int64_t pad = 3;
  bool nan_c = false;  // C starts as NaN (only meaningful with beta == 0)
};

std::string describe(const Case& c) {
  return "ta=" + std::to_string(c.ta) + " tb=" + std::to_string(c.tb) +
         " M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) +
         " alpha=" + std::to_string(c.alpha) + " beta=" + std::to_string(c.beta) +
         " pad=" + std::to_string(c.pad);
}

// Runs one case through gemm and ref::gemm and compares with the bound above. Also checks
// that C's padding columns were not written.
template <typename T>
testing::AssertionResult run_case(const Case& c, uint32_t seed = 1) {
  Mat<T> A(c.ta ? c.K : c.M, c.ta ? c.M : c.K, c.pad, seed);
  Mat<T> B(c.tb ? c.N : c.K, c.tb ? c.K : c.N, c.pad, seed + 1);
  Mat<T> C(c.M, c.N, c.pad, seed + 2);
  if (c.nan_c)
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) C.at(i, j) = nan_v<T>();
  Mat<T> R = C;
  const T alpha = T(c.alpha), beta = T(c.beta);
  gemm<T>(c.ta, c.tb, c.M, c.N, c.K, alpha, A.data(), A.ld, B.data(), B.ld, beta, C.data(), C.ld);
  ref::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, alpha, A.data(), A.ld, B.data(), B.ld, beta, R.data(),
               R.ld);
  // S = |A| |B|, the magnitudes in the error bound
  Mat<T> Aa = A.abs(), Ba = B.abs(), S(c.M, c.N, c.pad, 0);
  ref::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, T(1), Aa.data(), A.ld, Ba.data(), B.ld, T(0), S.data(),
               S.ld);
  const Mat<T> C0(c.M, c.N, c.pad, seed + 2);
  const double eps = std::numeric_limits<T>::epsilon();
  int64_t bad = 0;
  std::string msg;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) {
      const double c0 = c.nan_c || beta == T(0) ? 0.0 : std::fabs(C0.v[i * C0.ld + j]);
      const double tol =
          2 * (c.K + 2) * eps * (std::fabs(c.alpha) * S.at(i, j) + std::fabs(c.beta) * c0);
      const double d = std::fabs(double(C.at(i, j)) - double(R.at(i, j)));
      if (!(d <= tol)) {
        if (bad++ < 5)
          msg += "\n  C[" + std::to_string(i) + "," + std::to_string(j) +
                 "] = " + std::to_string(C.at(i, j)) + ", reference " + std::to_string(R.at(i, j)) +
                 ", tolerance " + std::to_string(tol);
      }
    }
    for (int64_t j = c.N; j < C.ld; ++j)
      if (!std::isnan(C.at(i, j))) {
        if (bad++ < 5)
          msg += "\n  padding C[" + std::to_string(i) + "," + std::to_string(j) + "] written";
      }
  }
  if (bad == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << describe(c) << ": " << bad << " wrong" << msg;
}

template <typename T>
class Gemm : public testing::Test {};
using Types = testing::Types<float, double>;
TYPED_TEST_SUITE(Gemm, Types);

// Sizes one below, at, and one above the register block and the depth block (and the
// remainders that pick each smaller edge block), in every transpose combination.
TYPED_TEST(Gemm, AllTransposesAroundTheRegisterAndDepthBlocks) {
  using T = TypeParam;
  const GemmBlocking bk = gemm_blocking<T>();
  const int64_t L = Vec<T>::lanes;  // edge blocks come in steps of 4 rows and whole vectors
  const int64_t Ms[] = {1, bk.mr - 1, bk.mr, bk.mr + 1, bk.mr + 5, 2 * bk.mr + 3};
  const int64_t Ns[] = {1, bk.nr - 1, bk.nr, bk.nr + 1, bk.nr + L, 3 * bk.nr - 5};
  const int64_t Ks[] = {1, 7, bk.kc - 1, bk.kc, bk.kc + 1};
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t M : Ms)
        for (int64_t N : Ns)
          for (int64_t K : Ks) {
            if (M < 1 || N < 1) continue;
            EXPECT_TRUE(run_case<T>({ta, tb, M, N, K, 1.0, 0.0}));
          }
}

TYPED_TEST(Gemm, AlphaBetaCombinations) {
  using T = TypeParam;
  const double ab[][2] = {{1, 0}, {2.5, -0.5}, {-1, 1}, {0.5, 2}, {1, 1}};
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (const auto& p : ab) EXPECT_TRUE(run_case<T>({ta, tb, 37, 45, 70, p[0], p[1]}));
}

// beta == 0: C is never read, so NaN garbage in it must not leak into the result.
TYPED_TEST(Gemm, BetaZeroIgnoresNanInC) {
  using T = TypeParam;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Case c{ta, tb, 29, 67, 300, 1.5, 0.0};
      c.nan_c = true;
      EXPECT_TRUE(run_case<T>(c));
    }
}

// alpha == 0 or K == 0: C = beta C, and A and B are not read (here they are all NaN).
TYPED_TEST(Gemm, AlphaZeroOrEmptyKScalesC) {
  using T = TypeParam;
  const int64_t M = 5, N = 7;
  std::vector<T> A(M * 4, nan_v<T>()), B(4 * N, nan_v<T>()), C(M * N, T(2));
  gemm<T>(false, false, M, N, 4, T(0), A.data(), 4, B.data(), N, T(3), C.data(), N);
  for (T x : C) EXPECT_EQ(x, T(6));
  gemm<T>(false, false, M, N, 0, T(1), A.data(), 0, B.data(), N, T(0.5), C.data(), N);
  for (T x : C) EXPECT_EQ(x, T(3));
  std::fill(C.begin(), C.end(), nan_v<T>());
  gemm<T>(false, false, M, N, 0, T(1), A.data(), 0, B.data(), N, T(0), C.data(), N);
  for (T x : C) EXPECT_EQ(x, T(0));
  gemm<T>(false, false, 0, N, 4, T(1), A.data(), 4, B.data(), N, T(0), C.data(), N);  // no-op
}

// Leading dimensions much wider than the matrices.
TYPED_TEST(Gemm, WideLeadingDimensions) {
  using T = TypeParam;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Case c{ta, tb, 40, 50, 60, 1.0, 0.5};
      c.pad = 77;
      EXPECT_TRUE(run_case<T>(c));
    }
}

// Past the cache blocks: M > mc, N > nc, K > 2 kc, so every loop of the blocked algorithm
// runs more than once and ends on a partial block.
TYPED_TEST(Gemm, AcrossTheCacheBlocks) {
  using T = TypeParam;
  const GemmBlocking bk = gemm_blocking<T>();
  EXPECT_TRUE(run_case<T>({false, false, bk.mc + 1, bk.nc + 1, 2 * bk.kc + 1, 1.0, 0.0}));
  EXPECT_TRUE(
      run_case<T>({true, true, bk.mc + bk.mr + 1, 2 * bk.nr + 3, 2 * bk.kc + 5, -1.0, 1.0}));
}

// A model shape: attention scores and a feed-forward layer of the self-attention block.
TYPED_TEST(Gemm, ModelShapes) {
  using T = TypeParam;
  EXPECT_TRUE(run_case<T>({false, false, 64, 128, 512, 1.0, 0.0, 0}));
  EXPECT_TRUE(run_case<T>({false, true, 64, 512, 128, 1.0, 0.0, 0}));  // x W^T
  EXPECT_TRUE(run_case<T>({true, false, 128, 512, 64, 1.0, 1.0, 0}));  // dW += x^T dy
}

// The threaded split gives each C element the same sums in the same order, so 1 and 2
// threads agree to the bit.
TYPED_TEST(Gemm, ThreadCountDoesNotChangeTheResult) {
  using T = TypeParam;
  const int before = get_num_threads();
  const int64_t M = 300, N = 200, K = 150;
  Mat<T> A(M, K, 0, 3), B(K, N, 0, 4), C1(M, N, 0, 5), C2(M, N, 0, 5);
  set_num_threads(1);
  gemm<T>(false, false, M, N, K, T(1), A.data(), K, B.data(), N, T(0), C1.data(), N);
  set_num_threads(2);
  gemm<T>(false, false, M, N, K, T(1), A.data(), K, B.data(), N, T(0), C2.data(), N);
  set_num_threads(before);
  EXPECT_EQ(C1.v, C2.v);
}

// gemm_batched against ref::gemm item by item, with stride 0 broadcasting A or B.
TYPED_TEST(Gemm, BatchedWithBroadcastOperands) {
  using T = TypeParam;
  struct B_ {
    int64_t batch, M, N, K;
    bool ta, tb, bcast_a, bcast_b;
  };
  const B_ cases[] = {{5, 7, 9, 11, false, false, true, false},
                      {5, 7, 9, 11, true, true, false, true},
                      {64, 24, 24, 128, false, true, false, false},   // scores Q K^T
                      {64, 24, 128, 24, false, false, false, false},  // weights V
                      {3, 100, 90, 80, false, false, false, true}};
  for (const auto& c : cases) {
    SCOPED_TRACE("batch=" + std::to_string(c.batch) + " M=" + std::to_string(c.M) +
                 " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K));
    const int64_t ar = c.ta ? c.K : c.M, ac = c.ta ? c.M : c.K;
    const int64_t br = c.tb ? c.N : c.K, bc = c.tb ? c.K : c.N;
    const int64_t sa = c.bcast_a ? 0 : ar * ac, sb = c.bcast_b ? 0 : br * bc, sc = c.M * c.N;
    Mat<T> A(c.bcast_a ? ar : c.batch * ar, ac, 0, 7), B(c.bcast_b ? br : c.batch * br, bc, 0, 8);
    Mat<T> C(c.batch * c.M, c.N, 0, 9);
    Mat<T> R = C;
    gemm_batched<T>(c.batch, c.ta, c.tb, c.M, c.N, c.K, T(1), A.data(), ac, sa, B.data(), bc, sb,
                    T(0.5), C.data(), c.N, sc);
    for (int64_t b = 0; b < c.batch; ++b)
      ref::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, T(1), A.data() + b * sa, ac, B.data() + b * sb, bc,
                   T(0.5), R.data() + b * sc, c.N);
    const double eps = std::numeric_limits<T>::epsilon();
    // |a|, |b| <= 1 and |c| <= 1: each element is within 2 (K + 2) eps (K + 0.5) of the other.
    const double tol = 2 * (c.K + 2) * eps * (c.K + 0.5);
    double worst = 0;
    for (size_t i = 0; i < C.v.size(); ++i)
      worst = std::max(worst, std::fabs(double(C.v[i]) - double(R.v[i])));
    EXPECT_LE(worst, tol);
  }
}

// gemm_row_table against ref::gemm on the same B~ written out: rows of a pool taken from
// scattered, overlapping offsets, over sizes that cross every edge of the blocking (rows in
// steps of 4 and not, ragged last vectors, K beyond one KC block, N beyond one NC block)
// and on one and two threads. C starts as NaN: every element must be written.
template <typename T>
void row_table_cases() {
  const GemmBlocking bk = gemm_blocking<T>();
  const int64_t Ms[] = {1, 3, 5, bk.mr, bk.mr + 3, 2 * bk.mr + 1, 64};
  const int64_t Ns[] = {1, 7, bk.nr, bk.nr + 5, 3 * bk.nr - 1, bk.nc + 9};
  const int64_t Ks[] = {1, 9, bk.kc + 7};
  const int threads_before = get_num_threads();
  const bool thresholds_before = thread_thresholds();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    set_thread_thresholds(threads == 1);  // with 2: every product split, however small
    for (int64_t M : Ms)
      for (int64_t N : Ns)
        for (int64_t K : Ks) {
          const int64_t pool = 3 * N + 50;
          Mat<T> P(1, pool, 0, 7), A(M, K, 2, 8);
          std::vector<int64_t> rows(K);
          std::mt19937 gen(static_cast<uint32_t>(M * 131 + N * 7 + K));
          std::uniform_int_distribution<int64_t> at(0, pool - N);
          for (int64_t& r : rows) r = at(gen);
          Mat<T> Bt(K, N, 0, 9);  // B~ written out
          for (int64_t p = 0; p < K; ++p)
            for (int64_t j = 0; j < N; ++j) Bt.at(p, j) = P.v[rows[p] + j];
          Mat<T> C(M, N, 2, 10), R(M, N, 2, 10);
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) C.at(i, j) = nan_v<T>();
          gemm_row_table<T>(M, N, K, T(0.75), A.data(), A.ld, P.data(), rows.data(), C.data(),
                            C.ld);
          ref::gemm<T>(false, false, M, N, K, T(0.75), A.data(), A.ld, Bt.data(), Bt.ld, T(0),
                       R.data(), R.ld);
          const double tol = 2 * (K + 2) * std::numeric_limits<T>::epsilon() * (K + 0.5);
          double worst = 0;
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j)
              worst = std::max(worst, std::fabs(double(C.at(i, j)) - double(R.at(i, j))));
          EXPECT_LE(worst, tol) << "M=" << M << " N=" << N << " K=" << K << " threads=" << threads;
          for (int64_t i = 0; i < M; ++i)  // C's padding (NaN, from Mat) not written
            for (int64_t j = N; j < C.ld; ++j) EXPECT_TRUE(std::isnan(C.at(i, j)));
        }
  }
  set_num_threads(threads_before);
  set_thread_thresholds(thresholds_before);
}

TEST(GemmRowTable, MatchesTheReferenceOnTheWrittenOutMatrix) {
  row_table_cases<float>();
  row_table_cases<double>();
}

TEST(GemmErrors, BadArgumentsThrowWithTheShapes) {
  std::vector<float> a(64), b(64), c(64);
  EXPECT_THROW(gemm<float>(false, false, -1, 2, 2, 1.f, a.data(), 2, b.data(), 2, 0.f, c.data(), 2),
               attn::Error);
  try {
    gemm<float>(false, false, 4, 4, 5, 1.f, a.data(), 3, b.data(), 4, 0.f, c.data(), 4);
    ADD_FAILURE() << "lda=3 < K=5 was accepted";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find("lda=3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(gemm<float>(false, true, 4, 4, 5, 1.f, a.data(), 5, b.data(), 4, 0.f, c.data(), 4),
               attn::Error);  // B^T stored [4,5] needs ldb >= 5
  EXPECT_THROW(gemm<float>(false, false, 4, 4, 4, 1.f, a.data(), 4, b.data(), 4, 0.f, c.data(), 3),
               attn::Error);
  EXPECT_THROW(gemm_batched<float>(2, false, false, 2, 2, 2, 1.f, a.data(), 2, 4, b.data(), 2, 4,
                                   0.f, c.data(), 2, 0),
               attn::Error);  // stride_c = 0 would overlap the outputs
  EXPECT_THROW(set_num_threads(0), attn::Error);
}

}  // namespace
}  // namespace attn::simd
