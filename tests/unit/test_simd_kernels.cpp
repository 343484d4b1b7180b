// The SIMD array kernels against their naive references (attn::simd::ref), for float and
// double, across odd sizes (so the vector main loop, the 4x unrolled loop and the one-lane
// tail all run) and pointers misaligned by one element. Tolerances come from epsilon and
// the magnitudes involved; each is stated where it is used.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "autograd/simd/vec.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::simd {
namespace {

constexpr int64_t kSizes[] = {0, 1, 3, 7, 15, 17, 33, 100, 257};
constexpr int kOffsets[] = {0, 1};  // elements: offset 1 breaks any vector alignment

template <typename T>
constexpr T eps() {
  return std::numeric_limits<T>::epsilon();
}

// A buffer of n values uniform in [lo, hi), starting `offset` elements into its storage.
template <typename T>
struct Buf {
  std::vector<T> store;
  T* p;
  Buf(int64_t n, int offset, T lo, T hi, uint32_t seed) : store(n + offset + 1) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    for (T& x : store) x = static_cast<T>(u(gen));
    p = store.data() + offset;
  }
};

// |got - want| <= tol(i) for every i, with the first mismatches printed.
template <typename T, typename Tol>
testing::AssertionResult close(const T* got, const T* want, int64_t n, Tol tol) {
  int shown = 0;
  int64_t bad = 0;
  std::string msg;
  for (int64_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(got[i]) - double(want[i]));
    if (!(d <= tol(i))) {
      ++bad;
      if (shown++ < 5)
        msg += "\n  [" + std::to_string(i) + "] got " + std::to_string(got[i]) + " want " +
               std::to_string(want[i]) + " diff " + std::to_string(d) + " tol " +
               std::to_string(tol(i));
    }
  }
  if (bad == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << bad << " of " << n << " differ:" << msg;
}

template <typename T>
class SimdKernels : public testing::Test {};
using Types = testing::Types<float, double>;
TYPED_TEST_SUITE(SimdKernels, Types);

TEST(SimdIsa, NameMatchesTheCompiledTarget) {
  const std::string name = isa_name();
#if defined(ATTN_FORCE_SCALAR)
  EXPECT_EQ(name, "scalar");
#elif defined(__AVX512F__)
  EXPECT_EQ(name, "avx512");
#elif defined(__AVX2__) && defined(__FMA__)
  EXPECT_EQ(name, "avx2");
#elif defined(__ARM_NEON) && defined(__aarch64__)
  EXPECT_EQ(name, "neon");
#else
  EXPECT_EQ(name, "scalar");
#endif
  // One register holds 64 bytes on AVX-512, 32 on AVX2, 16 on NEON, one element in scalar.
  const int bytes = name == "avx512" ? 64 : name == "avx2" ? 32 : name == "neon" ? 16 : 0;
  if (bytes) {
    EXPECT_EQ(Vec<float>::lanes * 4, bytes);
    EXPECT_EQ(Vec<double>::lanes * 8, bytes);
  } else {
    EXPECT_EQ(Vec<float>::lanes, 1);
    EXPECT_EQ(Vec<double>::lanes, 1);
  }
}

// Element-wise arithmetic is the same IEEE operation per element as the reference, so the
// results must be bit-identical (tolerance 0).
TYPED_TEST(SimdKernels, BinaryOpsMatchReferenceExactly) {
  using T = TypeParam;
  using Fn = void (*)(const T*, const T*, T*, int64_t);
  const struct {
    const char* name;
    Fn fast, slow;
  } ops[] = {{"add", add<T>, ref::add<T>},
             {"sub", sub<T>, ref::sub<T>},
             {"mul", mul<T>, ref::mul<T>},
             {"div", div<T>, ref::div<T>}};
  for (const auto& op : ops)
    for (int64_t n : kSizes)
      for (int off : kOffsets) {
        SCOPED_TRACE(std::string(op.name) + " n=" + std::to_string(n) +
                     " offset=" + std::to_string(off));
        Buf<T> a(n, off, -3, 3, 1), b(n, off, 0.5, 2, 2), out(n, off, 0, 1, 3),
            want(n, off, 0, 1, 4);
        op.fast(a.p, b.p, out.p, n);
        op.slow(a.p, b.p, want.p, n);
        EXPECT_TRUE(close(out.p, want.p, n, [](int64_t) { return 0.0; }));
        // out aliasing the first input: each element is read before it is written
        op.fast(a.p, b.p, a.p, n);
        EXPECT_TRUE(close(a.p, want.p, n, [](int64_t) { return 0.0; }));
      }
}

TYPED_TEST(SimdKernels, ScalarOpsAndAxpy) {
  using T = TypeParam;
  for (int64_t n : kSizes)
    for (int off : kOffsets) {
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(off));
      Buf<T> a(n, off, -3, 3, 5), out(n, off, 0, 1, 6), want(n, off, 0, 1, 7);
      const T s = T(0.37);
      add_scalar(a.p, s, out.p, n);
      ref::add_scalar(a.p, s, want.p, n);
      EXPECT_TRUE(close(out.p, want.p, n, [](int64_t) { return 0.0; }));
      mul_scalar(a.p, s, out.p, n);
      ref::mul_scalar(a.p, s, want.p, n);
      EXPECT_TRUE(close(out.p, want.p, n, [](int64_t) { return 0.0; }));

      // axpy rounds once (fma) where the reference rounds twice: within
      // 2 eps (|alpha x| + |y|).
      Buf<T> x(n, off, -2, 2, 8), y(n, off, -2, 2, 9);
      std::vector<T> y0(y.p, y.p + n), yref(y.p, y.p + n);
      const T alpha = T(-1.3);
      axpy(alpha, x.p, y.p, n);
      ref::axpy(alpha, x.p, yref.data(), n);
      EXPECT_TRUE(close(y.p, yref.data(), n, [&](int64_t i) {
        return 2 * double(eps<T>()) * (std::fabs(double(alpha * x.p[i])) + std::fabs(y0[i]));
      }));
    }
}

// Sums in a different order: both orders are within n eps sum|x_i| of the exact sum.
TYPED_TEST(SimdKernels, ReductionsMatchReference) {
  using T = TypeParam;
  for (int64_t n : kSizes)
    for (int off : kOffsets) {
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(off));
      Buf<T> a(n, off, -1, 1, 10), b(n, off, -1, 1, 11);
      double abs_sum = 0, abs_dot = 0;
      for (int64_t i = 0; i < n; ++i) {
        abs_sum += std::fabs(a.p[i]);
        abs_dot += std::fabs(a.p[i] * b.p[i]);
      }
      const double tol_n = 2.0 * (n + 1) * double(eps<T>());
      EXPECT_NEAR(sum(a.p, n), ref::sum(a.p, n), tol_n * abs_sum);
      EXPECT_NEAR(dot(a.p, b.p, n), ref::dot(a.p, b.p, n), tol_n * abs_dot);
      EXPECT_EQ(max(a.p, n), ref::max(a.p, n));  // max is exact
    }
  EXPECT_EQ(max<T>(nullptr, 0), -std::numeric_limits<T>::infinity());
  EXPECT_EQ(sum<T>(nullptr, 0), T(0));
}

// The maximum found wherever it sits: first element, in the tail, in the middle.
TYPED_TEST(SimdKernels, MaxFindsTheLargestAnywhere) {
  using T = TypeParam;
  const int64_t n = 257;
  for (int64_t where : {int64_t(0), int64_t(5), int64_t(128), n - 1}) {
    std::vector<T> x(n, T(-5));
    x[where] = T(7);
    EXPECT_EQ(max(x.data(), n), T(7)) << "at " << where;
  }
}

// Float uses the polynomial exp (measured ~1 eps from the true value) against std::exp in
// float (<= 1 ulp): within 4 eps relative. Double calls std:: functions like the reference.
TYPED_TEST(SimdKernels, TranscendentalsMatchReference) {
  using T = TypeParam;
  using Fn = void (*)(const T*, T*, int64_t);
  const struct {
    const char* name;
    Fn fast, slow;
    T lo, hi;
  } ops[] = {{"exp", exp<T>, ref::exp<T>, -80, 80},
             {"tanh", tanh<T>, ref::tanh<T>, -6, 6},
             {"sigmoid", sigmoid<T>, ref::sigmoid<T>, -30, 30},
             {"relu", relu<T>, ref::relu<T>, -3, 3}};
  for (const auto& op : ops)
    for (int64_t n : kSizes)
      for (int off : kOffsets) {
        SCOPED_TRACE(std::string(op.name) + " n=" + std::to_string(n) +
                     " offset=" + std::to_string(off));
        Buf<T> x(n, off, op.lo, op.hi, 12), y(n, off, 0, 1, 13), want(n, off, 0, 1, 14);
        op.fast(x.p, y.p, n);
        op.slow(x.p, want.p, n);
        EXPECT_TRUE(close(y.p, want.p, n, [&](int64_t i) {
          return 4 * double(eps<T>()) * std::fabs(double(want.p[i]));
        }));
        op.fast(x.p, x.p, n);  // in place
        EXPECT_TRUE(close(x.p, y.p, n, [](int64_t) { return 0.0; }));
      }
}

// relu's gradient passes g where y > 0 and is 0 elsewhere: at y = 0 exactly, at a NaN y,
// and even where g is NaN or infinite, as PyTorch's threshold_backward.
TYPED_TEST(SimdKernels, ReluBackwardMatchesReference) {
  using T = TypeParam;
  for (int64_t n : kSizes)
    for (int off : kOffsets) {
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(off));
      Buf<T> y(n, off, -1, 1, 21), g(n, off, -2, 2, 22), got(n, off, 0, 1, 23),
          want(n, off, 0, 1, 24);
      relu_backward(y.p, g.p, got.p, n);
      ref::relu_backward(y.p, g.p, want.p, n);
      EXPECT_TRUE(close(got.p, want.p, n, [](int64_t) { return 0.0; }));
    }
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  const T y[] = {T(0), T(-1), nan, T(2), T(-3), T(1e-30)};
  const T g[] = {T(5), T(5), T(5), T(5), nan, inf};
  T gx[6];
  relu_backward(y, g, gx, 6);
  EXPECT_EQ(gx[0], T(0));
  EXPECT_EQ(gx[1], T(0));
  EXPECT_EQ(gx[2], T(0));
  EXPECT_EQ(gx[3], T(5));
  EXPECT_EQ(gx[4], T(0));
  EXPECT_EQ(gx[5], inf);
}

// leaky_relu and its gradient (from the input) equal the plain loops exactly, in place
// too, and keep NaN: a NaN x gives a NaN y and the slope's share of g.
TYPED_TEST(SimdKernels, LeakyReluMatchesReference) {
  using T = TypeParam;
  const T a = T(0.2);
  for (int64_t n : kSizes)
    for (int off : kOffsets) {
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(off));
      Buf<T> x(n, off, -3, 3, 31), g(n, off, -2, 2, 32), got(n, off, 0, 1, 33),
          want(n, off, 0, 1, 34);
      leaky_relu(x.p, a, got.p, n);
      ref::leaky_relu(x.p, a, want.p, n);
      EXPECT_TRUE(close(got.p, want.p, n, [](int64_t) { return 0.0; }));
      leaky_relu_backward(x.p, g.p, a, got.p, n);
      ref::leaky_relu_backward(x.p, g.p, a, want.p, n);
      EXPECT_TRUE(close(got.p, want.p, n, [](int64_t) { return 0.0; }));
      leaky_relu_backward(x.p, g.p, a, g.p, n);  // in place
      EXPECT_TRUE(close(g.p, want.p, n, [](int64_t) { return 0.0; }));
    }
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const T x[] = {T(0), T(-1), nan, T(2)};
  const T g[] = {T(5), T(5), T(5), T(5)};
  T y[4], gx[4];
  leaky_relu(x, a, y, 4);
  leaky_relu_backward(x, g, a, gx, 4);
  EXPECT_EQ(y[0], T(0));
  EXPECT_EQ(y[1], -a);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], T(2));
  EXPECT_EQ(gx[0], a * T(5));  // the slope at the kink, as PyTorch
  EXPECT_EQ(gx[1], a * T(5));
  EXPECT_EQ(gx[2], a * T(5));
  EXPECT_EQ(gx[3], T(5));
}

TYPED_TEST(SimdKernels, ExpEdgeValues) {
  using T = TypeParam;
  const T inf = std::numeric_limits<T>::infinity();
  const T x[] = {inf, -inf, std::numeric_limits<T>::quiet_NaN(), T(0), T(89), T(-110), T(1)};
  T y[7];
  exp(x, y, 7);
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], T(0));
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], T(1));
  if constexpr (std::is_same_v<T, float>) {
    EXPECT_EQ(y[4], inf);  // past float's range
  }
  EXPECT_LT(y[5], T(1e-45));
  EXPECT_NEAR(y[6], T(2.718281828459045), 2 * eps<T>() * 2.72);
  T t[7];
  tanh(x, t, 7);
  EXPECT_EQ(t[0], T(1));
  EXPECT_EQ(t[1], T(-1));
  EXPECT_TRUE(std::isnan(t[2]));
  EXPECT_EQ(t[3], T(0));
}

// The stated accuracy of the float polynomial exp (vector_kernels.cpp): on a dense sweep of
// [-87, 88] (2^20 points, every result a normal float) the largest relative error against
// exp in double is 7.7e-8 as measured; the test allows 1e-7 (0.84 eps). tanh (measured
// 1.8e-7) and sigmoid (1.5e-7) are checked to 2.5e-7 on [-20, 20].
TEST(SimdExpPolynomial, MaxRelativeErrorOnDenseSweep) {
  const int64_t n = int64_t(1) << 20;
  std::vector<float> x(n), y(n);
  auto sweep = [&](double lo, double hi) {
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(lo + (hi - lo) * i / (n - 1.0));
  };
  auto max_rel = [&](double (*truth)(double)) {
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double t = truth(x[i]);
      if (t != 0) worst = std::max(worst, std::fabs(y[i] - t) / std::fabs(t));
    }
    return worst;
  };
  sweep(-87, 88);
  exp(x.data(), y.data(), n);
  EXPECT_LT(max_rel([](double v) { return std::exp(v); }), 1e-7);
  sweep(-20, 20);
  tanh(x.data(), y.data(), n);
  EXPECT_LT(max_rel([](double v) { return std::tanh(v); }), 2.5e-7);
  sigmoid(x.data(), y.data(), n);
  EXPECT_LT(max_rel([](double v) { return 1 / (1 + std::exp(-v)); }), 2.5e-7);
}

// The tail runs the same body on one lane, so a value gives the same bits in the vector
// main loop and in the tail.
TYPED_TEST(SimdKernels, TailGivesTheSameBitsAsTheMainLoop) {
  using T = TypeParam;
  const int L = Vec<T>::lanes;
  const int64_t n = 4 * L + L + (L > 1 ? L - 1 : 0);  // unrolled part, one vector, a tail
  const T vals[] = {T(-3.7), T(0.1), T(2.5), T(-0.2)};
  std::vector<T> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = vals[i % 4];
  for (auto fn : {exp<T>, tanh<T>, sigmoid<T>}) {
    std::vector<T> y(n);
    fn(x.data(), y.data(), n);
    for (int64_t i = 4; i < n; ++i)
      EXPECT_EQ(std::memcmp(&y[i], &y[i % 4], sizeof(T)), 0) << "element " << i;
  }
}

// softmax: exp to ~1 eps each, the sum to n eps, the scaling to 1 eps: within (n + 8) eps
// relative per element. Rows sum to 1 within the same bound, and a huge offset changes
// nothing (the max is subtracted first).
TYPED_TEST(SimdKernels, SoftmaxRowMatchesReference) {
  using T = TypeParam;
  for (int64_t n : kSizes)
    for (int off : kOffsets) {
      SCOPED_TRACE("n=" + std::to_string(n) + " offset=" + std::to_string(off));
      Buf<T> x(n, off, -10, 10, 15), y(n, off, 0, 1, 16), want(n, off, 0, 1, 17);
      softmax_row(x.p, y.p, n);
      ref::softmax_row(x.p, want.p, n);
      const double rel = (n + 8) * double(eps<T>());
      EXPECT_TRUE(close(y.p, want.p, n, [&](int64_t i) { return rel * want.p[i]; }));
      if (n > 0) {
        EXPECT_NEAR(sum(y.p, n), 1.0, rel);
      }
      // shift invariance with a shift that would overflow exp without the max
      std::vector<T> shifted(x.p, x.p + n), ys(n);
      for (T& v : shifted) v += T(1000);
      softmax_row(shifted.data(), ys.data(), n);
      for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(std::isfinite(ys[i])) << i;
      if (n > 0) {
        EXPECT_NEAR(sum(ys.data(), n), 1.0, rel);
      }
      softmax_row(x.p, x.p, n);  // in place
      EXPECT_TRUE(close(x.p, y.p, n, [](int64_t) { return 0.0; }));
    }
}

}  // namespace
}  // namespace attn::simd
