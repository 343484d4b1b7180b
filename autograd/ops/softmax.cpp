// softmax and log_softmax along one dim, fused (one node each) and stable.
//   x [..] -> y [..];  seen as [outer, n, inner] around dim (reduce_shape.h), each
//   of the outer*inner "rows" of n elements is normalised on its own.
//
//   softmax:      y_j = exp(x_j - m) / s,   m = max_k x_k,  s = sum_k exp(x_k - m)
//   log_softmax:  y_j = (x_j - m) - log s
// Subtracting m changes nothing mathematically (it cancels between numerator and
// s) but keeps every exp argument <= 0, so nothing overflows: softmax([1000, 1001])
// is [0.269, 0.731], not inf/inf.
//
// Masked entries (-inf, as masked_fill writes them) get probability exactly 0
// (log-probability -inf) as long as one entry of the row is finite. A row that is
// all -inf has m = -inf and x - m = -inf - (-inf) = NaN, so the whole row is NaN,
// as in PyTorch: there is no distribution over nothing. Mask so that each query
// keeps at least one key.
//
// Two layouts: dim last (inner == 1) gives contiguous rows, run through the SIMD
// row kernels; any other dim gives rows with stride `inner`, processed a whole
// [n, inner] block at a time so that the inner loops still walk memory in order.
// The same maths as plain loops, one row at a time, is reference_softmax
// (autograd/ops/reference/softmax.cpp): read it first; the tests compare the two.
#include "autograd/ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/reduce_shape.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn {

namespace {

using detail::AlongDim;

// ---- forward kernels -----------------------------------------------------------------

// y = softmax(x) over every row of a [outer, n, inner] tensor.
void softmax_forward(const real* x, real* y, const AlongDim& a) {
  const int64_t n = a.n, inner = a.inner;
  if (inner == 1) {
    for (int64_t o = 0; o < a.outer; ++o) simd::softmax_row(x + o * n, y + o * n, n);
    return;
  }
  std::vector<real> m(inner), s(inner);  // per column i of the [n, inner] slab: max, sum
  for (int64_t o = 0; o < a.outer; ++o) {
    const real* xo = x + o * n * inner;
    real* yo = y + o * n * inner;
    std::fill(m.begin(), m.end(), -std::numeric_limits<real>::infinity());
    std::fill(s.begin(), s.end(), real(0));
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i)
        m[i] = xo[j * inner + i] > m[i] ? xo[j * inner + i] : m[i];
    for (int64_t j = 0; j < n; ++j) {
      real* yr = yo + j * inner;
      for (int64_t i = 0; i < inner; ++i) yr[i] = xo[j * inner + i] - m[i];
      simd::exp(yr, yr, inner);  // yr = exp(x - m)
      simd::add(s.data(), yr, s.data(), inner);
    }
    for (int64_t i = 0; i < inner; ++i) s[i] = 1 / s[i];
    for (int64_t j = 0; j < n; ++j) simd::mul(yo + j * inner, s.data(), yo + j * inner, inner);
  }
}

// y = log_softmax(x): y is first the scratch for exp(x - m), then the result.
void log_softmax_forward(const real* x, real* y, const AlongDim& a) {
  const int64_t n = a.n, inner = a.inner;
  if (inner == 1) {
    for (int64_t o = 0; o < a.outer; ++o) {
      const real* xr = x + o * n;
      real* yr = y + o * n;
      const real m = simd::max(xr, n);
      simd::add_scalar(xr, -m, yr, n);
      simd::exp(yr, yr, n);
      const real lse = std::log(simd::sum(yr, n));  // log s
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) - lse;
    }
    return;
  }
  std::vector<real> m(inner), lse(inner);
  for (int64_t o = 0; o < a.outer; ++o) {
    const real* xo = x + o * n * inner;
    real* yo = y + o * n * inner;
    std::fill(m.begin(), m.end(), -std::numeric_limits<real>::infinity());
    std::fill(lse.begin(), lse.end(), real(0));
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i)
        m[i] = xo[j * inner + i] > m[i] ? xo[j * inner + i] : m[i];
    for (int64_t j = 0; j < n; ++j) {
      real* yr = yo + j * inner;
      for (int64_t i = 0; i < inner; ++i) yr[i] = xo[j * inner + i] - m[i];
      simd::exp(yr, yr, inner);
      simd::add(lse.data(), yr, lse.data(), inner);  // s, for now
    }
    for (int64_t i = 0; i < inner; ++i) lse[i] = std::log(lse[i]);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) yo[j * inner + i] = (xo[j * inner + i] - m[i]) - lse[i];
  }
}

// ---- backward kernels ----------------------------------------------------------------

// In the forward pass y_j = exp(x_j) / sum_k exp(x_k), so dy_j/dx_k = y_j (delta_jk - y_k)
// and dL/dx_k = sum_j dy_j y_j (delta_jk - y_k) = y_k (dy_k - sum_j dy_j y_j).
void softmax_backward(const real* y, const real* dy, real* dx, const AlongDim& a) {
  const int64_t n = a.n, inner = a.inner;
  if (inner == 1) {
    for (int64_t o = 0; o < a.outer; ++o) {
      const real* yr = y + o * n;
      const real* gr = dy + o * n;
      real* dr = dx + o * n;
      const real dot = simd::dot(gr, yr, n);  // sum_j dy_j y_j
      for (int64_t j = 0; j < n; ++j) dr[j] = yr[j] * (gr[j] - dot);
    }
    return;
  }
  std::vector<real> dot(inner);
  for (int64_t o = 0; o < a.outer; ++o) {
    const int64_t base = o * n * inner;
    std::fill(dot.begin(), dot.end(), real(0));
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i)
        dot[i] += dy[base + j * inner + i] * y[base + j * inner + i];
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = base + j * inner + i;
        dx[k] = y[k] * (dy[k] - dot[i]);
      }
  }
}

// In the forward pass y_j = x_j - log sum_k exp(x_k), so dy_j/dx_k = delta_jk - p_k with
// p = softmax(x) = exp(y), and dL/dx_k = dy_k - p_k sum_j dy_j.
void log_softmax_backward(const real* y, const real* dy, real* dx, const AlongDim& a) {
  const int64_t n = a.n, inner = a.inner;
  if (inner == 1) {
    for (int64_t o = 0; o < a.outer; ++o) {
      const real* gr = dy + o * n;
      real* dr = dx + o * n;
      const real gsum = simd::sum(gr, n);
      simd::exp(y + o * n, dr, n);  // p = exp(y)
      for (int64_t j = 0; j < n; ++j) dr[j] = gr[j] - dr[j] * gsum;
    }
    return;
  }
  std::vector<real> gsum(inner);
  for (int64_t o = 0; o < a.outer; ++o) {
    const int64_t base = o * n * inner;
    std::fill(gsum.begin(), gsum.end(), real(0));
    for (int64_t j = 0; j < n; ++j)
      simd::add(gsum.data(), dy + base + j * inner, gsum.data(), inner);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t r = base + j * inner;
      simd::exp(y + r, dx + r, inner);
      for (int64_t i = 0; i < inner; ++i) dx[r + i] = dy[r + i] - dx[r + i] * gsum[i];
    }
  }
}

// Shared by both ops: validate, run the forward kernel, record the backward kernel,
// which needs only the output y (saved detached: the output owns the node).
template <typename Forward, typename Backward>
Tensor along_dim_op(const char* op, const Tensor& x, int64_t dim, Forward forward,
                    Backward backward) {
  ATTN_PROFILE_OP(op);
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  const AlongDim a = detail::along_dim(x.shape(), detail::checked_dim(x.shape(), dim, op));
  Tensor y = Tensor::empty(x.shape());
  forward(x.data(), y.data(), a);
  return record(op, y, {x}, [y = y.detach(), a, backward](const Tensor& g) {
    Tensor gx = Tensor::empty(y.shape());
    backward(y.data(), g.data(), gx.data(), a);
    return std::vector<Tensor>{gx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return along_dim_op("softmax", x, dim, softmax_forward, softmax_backward);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return along_dim_op("log_softmax", x, dim, log_softmax_forward, log_softmax_backward);
}

}  // namespace attn
