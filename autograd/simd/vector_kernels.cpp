// Array kernels: each is a body written once over a vector type V, run by a driver over
// full Vec<T> registers and then over Vec1<T> (one lane) for the tail, so the tail is the
// same code (Highway's habit). The naive references sit at the bottom of the file.
#include "autograd/simd/vector_kernels.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/simd/vec.h"

namespace attn::simd {
namespace {

// Element-wise driver: body(V{}, i) handles elements [i, i + V::lanes).
// Unrolled by 4 registers so that loads, arithmetic and stores of neighbours overlap.
template <typename T, typename Body>
inline void for_each(int64_t n, Body body) {
  using V = Vec<T>;
  constexpr int L = V::lanes;
  int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    body(V{}, i);
    body(V{}, i + L);
    body(V{}, i + 2 * L);
    body(V{}, i + 3 * L);
  }
  for (; i + L <= n; i += L) body(V{}, i);
  for (; i < n; ++i) body(Vec1<T>{}, i);
}

struct SumOp {
  template <typename V>
  static V combine(V a, V b) {
    return a + b;
  }
  template <typename V>
  static auto reduce(V a) {
    return V::reduce_sum(a);
  }
};

struct MaxOp {
  template <typename V>
  static V combine(V a, V b) {
    return V::max(a, b);
  }
  template <typename V>
  static auto reduce(V a) {
    return V::reduce_max(a);
  }
};

// Reduction driver: acc = body(acc, i) folds elements [i, i + V::lanes) into acc.
// 8 accumulators: 2 add/FMA ports x 4 cycles of latency keeps both ports busy.
template <typename T, typename Op, typename Body>
inline T reduce(int64_t n, T identity, Body body) {
  using V = Vec<T>;
  constexpr int L = V::lanes;
  V acc[8];
  for (V& a : acc) a = V::broadcast(identity);
  int64_t i = 0;
  for (; i + 8 * L <= n; i += 8 * L) {
#pragma GCC unroll 8
    for (int u = 0; u < 8; ++u) acc[u] = body(acc[u], i + u * L);
  }
  for (; i + L <= n; i += L) acc[0] = body(acc[0], i);
  for (int s = 4; s >= 1; s /= 2)
    for (int u = 0; u < s; ++u) acc[u] = Op::combine(acc[u], acc[u + s]);
  Vec1<T> t = Vec1<T>::broadcast(Op::reduce(acc[0]));
  for (; i < n; ++i) t = body(t, i);
  return t.v;
}

// --- float exp as a polynomial ----------------------------------------------------------
// exp(x) = 2^k * exp(r), k = round(x / ln2), r = x - k ln2 in [-ln2/2, ln2/2]
// (Cody-Waite: ln2 split in a float part and its remainder, both subtracted with FMA).
// exp(r) by its Taylor polynomial to degree 7: the truncation r^8/8! < 6e-9 is far under
// float's half-ulp, so rounding dominates. Measured max relative error against double
// std::exp on a dense sweep of [-87, 88]: 1.3e-7 (about 1 ulp), checked by
// tests/unit/test_simd_kernels.cpp. x > 88.72 gives inf, x < -103.9 gives 0, NaN stays NaN.
template <typename V>
inline V exp_poly(V x) {
  const V lo = V::broadcast(-110.0f), hi = V::broadcast(89.0f);
  x = V::min(hi, V::max(lo, x));  // NaN in x propagates through both
  const V k = V::round(x * V::broadcast(1.44269504088896341f));
  V r = V::fma(k, V::broadcast(-0.693147182464599609f), x);  // float(ln2)
  r = V::fma(k, V::broadcast(1.90465429995776805e-09f), r);  // -(ln2 - float(ln2))
  V p = V::broadcast(1.0f / 5040.0f);
  p = V::fma(p, r, V::broadcast(1.0f / 720.0f));
  p = V::fma(p, r, V::broadcast(1.0f / 120.0f));
  p = V::fma(p, r, V::broadcast(1.0f / 24.0f));
  p = V::fma(p, r, V::broadcast(1.0f / 6.0f));
  p = V::fma(p, r, V::broadcast(0.5f));
  p = V::fma(p, r, V::broadcast(1.0f));
  p = V::fma(p, r, V::broadcast(1.0f));
  return V::ldexp(p, k);
}

// tanh from exp: for |x| >= 1/4, tanh|x| = (1 - t) / (1 + t) with t = exp(-2|x|), where the
// cancellation in 1 - t costs at most t / (1 - t) < 1.6x the error of t. Below 1/4 that
// cancellation would grow without bound, so there the odd Taylor series to x^9 is used
// (its first omitted term is < 1e-8 relative).
template <typename V>
inline V tanh_poly(V x) {
  const V ax = V::abs(x);
  const V one = V::broadcast(1.0f);
  const V t = exp_poly(V::broadcast(-2.0f) * ax);
  V big = (one - t) / (one + t);
  big = V::select_lt(x, V::zero(), V::zero() - big, big);
  const V x2 = x * x;
  V s = V::broadcast(62.0f / 2835.0f);
  s = V::fma(s, x2, V::broadcast(-17.0f / 315.0f));
  s = V::fma(s, x2, V::broadcast(2.0f / 15.0f));
  s = V::fma(s, x2, V::broadcast(-1.0f / 3.0f));
  const V small = V::fma(s * x2, x, x);
  return V::select_lt(ax, V::broadcast(0.25f), small, big);
}

template <typename V>
inline V sigmoid_poly(V x) {
  const V one = V::broadcast(1.0f);
  return one / (one + exp_poly(V::zero() - x));
}

}  // namespace

template <typename T>
void add(const T* a, const T* b, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) + V::load(b + i));
  });
}

template <typename T>
void sub(const T* a, const T* b, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) - V::load(b + i));
  });
}

template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) * V::load(b + i));
  });
}

template <typename T>
void div(const T* a, const T* b, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) / V::load(b + i));
  });
}

template <typename T>
void add_scalar(const T* a, T s, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) + V::broadcast(s));
  });
}

template <typename T>
void mul_scalar(const T* a, T s, T* out, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(out + i, V::load(a + i) * V::broadcast(s));
  });
}

template <typename T>
void axpy(T alpha, const T* x, T* y, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(y + i, V::fma(V::broadcast(alpha), V::load(x + i), V::load(y + i)));
  });
}

template <typename T>
T sum(const T* x, int64_t n) {
  return reduce<T, SumOp>(n, T(0), [&](auto acc, int64_t i) {
    using V = decltype(acc);
    return acc + V::load(x + i);
  });
}

template <typename T>
T dot(const T* a, const T* b, int64_t n) {
  return reduce<T, SumOp>(n, T(0), [&](auto acc, int64_t i) {
    using V = decltype(acc);
    return V::fma(V::load(a + i), V::load(b + i), acc);
  });
}

template <typename T>
T max(const T* x, int64_t n) {
  return reduce<T, MaxOp>(n, -std::numeric_limits<T>::infinity(), [&](auto acc, int64_t i) {
    using V = decltype(acc);
    return V::max(acc, V::load(x + i));
  });
}

template <typename T>
void exp(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    for_each<T>(n, [&](auto v, int64_t i) {
      using V = decltype(v);
      V::store(y + i, exp_poly(V::load(x + i)));
    });
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
  }
}

template <typename T>
void tanh(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    for_each<T>(n, [&](auto v, int64_t i) {
      using V = decltype(v);
      V::store(y + i, tanh_poly(V::load(x + i)));
    });
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
  }
}

template <typename T>
void sigmoid(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    for_each<T>(n, [&](auto v, int64_t i) {
      using V = decltype(v);
      V::store(y + i, sigmoid_poly(V::load(x + i)));
    });
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
  }
}

template <typename T>
void relu(const T* x, T* y, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(y + i, V::max(V::zero(), V::load(x + i)));
  });
}

template <typename T>
void relu_backward(const T* y, const T* g, T* gx, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    V::store(gx + i, V::select_lt(V::zero(), V::load(y + i), V::load(g + i), V::zero()));
  });
}

template <typename T>
void leaky_relu(const T* x, T a, T* y, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    const V xv = V::load(x + i);
    V::store(y + i, V::select_lt(V::zero(), xv, xv, V::broadcast(a) * xv));
  });
}

template <typename T>
void leaky_relu_backward(const T* x, const T* g, T a, T* gx, int64_t n) {
  for_each<T>(n, [&](auto v, int64_t i) {
    using V = decltype(v);
    const V gv = V::load(g + i);
    V::store(gx + i, V::select_lt(V::zero(), V::load(x + i), gv, V::broadcast(a) * gv));
  });
}

template <typename T>
void softmax_row(const T* x, T* y, int64_t n) {
  if (n <= 0) return;
  const T m = max(x, n);
  T s;
  if constexpr (std::is_same_v<T, float>) {
    // One pass: y = exp(x - m) and its sum together.
    s = reduce<T, SumOp>(n, T(0), [&](auto acc, int64_t i) {
      using V = decltype(acc);
      const V e = exp_poly(V::load(x + i) - V::broadcast(m));
      V::store(y + i, e);
      return acc + e;
    });
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - m);
    s = sum(y, n);
  }
  mul_scalar(y, T(1) / s, y, n);
}

#define ATTN_INSTANTIATE_VECTOR_KERNELS(T)                                  \
  template void add<T>(const T*, const T*, T*, int64_t);                    \
  template void sub<T>(const T*, const T*, T*, int64_t);                    \
  template void mul<T>(const T*, const T*, T*, int64_t);                    \
  template void div<T>(const T*, const T*, T*, int64_t);                    \
  template void add_scalar<T>(const T*, T, T*, int64_t);                    \
  template void mul_scalar<T>(const T*, T, T*, int64_t);                    \
  template void axpy<T>(T, const T*, T*, int64_t);                          \
  template T sum<T>(const T*, int64_t);                                     \
  template T dot<T>(const T*, const T*, int64_t);                           \
  template T max<T>(const T*, int64_t);                                     \
  template void exp<T>(const T*, T*, int64_t);                              \
  template void tanh<T>(const T*, T*, int64_t);                             \
  template void sigmoid<T>(const T*, T*, int64_t);                          \
  template void relu<T>(const T*, T*, int64_t);                             \
  template void relu_backward<T>(const T*, const T*, T*, int64_t);          \
  template void leaky_relu<T>(const T*, T, T*, int64_t);                    \
  template void leaky_relu_backward<T>(const T*, const T*, T, T*, int64_t); \
  template void softmax_row<T>(const T*, T*, int64_t);

ATTN_INSTANTIATE_VECTOR_KERNELS(float)
ATTN_INSTANTIATE_VECTOR_KERNELS(double)

// --- the naive references: one plain loop each -------------------------------------------
namespace ref {

template <typename T>
void add(const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
template <typename T>
void sub(const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}
template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}
template <typename T>
void div(const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}
template <typename T>
void add_scalar(const T* a, T s, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + s;
}
template <typename T>
void mul_scalar(const T* a, T s, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * s;
}
template <typename T>
void axpy(T alpha, const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}
template <typename T>
T sum(const T* x, int64_t n) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}
template <typename T>
T dot(const T* a, const T* b, int64_t n) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
template <typename T>
T max(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
template <typename T>
void exp(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
template <typename T>
void tanh(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
template <typename T>
void sigmoid(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}
template <typename T>
void relu(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = T(0) > x[i] ? T(0) : x[i];  // NaN stays NaN
}
template <typename T>
void relu_backward(const T* y, const T* g, T* gx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gx[i] = y[i] > T(0) ? g[i] : T(0);
}
template <typename T>
void leaky_relu(const T* x, T a, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : a * x[i];
}
template <typename T>
void leaky_relu_backward(const T* x, const T* g, T a, T* gx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gx[i] = x[i] > T(0) ? g[i] : a * g[i];
}
template <typename T>
void softmax_row(const T* x, T* y, int64_t n) {
  if (n <= 0) return;
  const T m = max(x, n);
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += (y[i] = std::exp(x[i] - m));
  for (int64_t i = 0; i < n; ++i) y[i] /= s;
}

ATTN_INSTANTIATE_VECTOR_KERNELS(float)
ATTN_INSTANTIATE_VECTOR_KERNELS(double)

}  // namespace ref

#undef ATTN_INSTANTIATE_VECTOR_KERNELS

}  // namespace attn::simd
