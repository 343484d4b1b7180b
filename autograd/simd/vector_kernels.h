#pragma once
// Array kernels on contiguous buffers, the inner loops of the element-wise ops.
// Shapes: every array is flat, of n elements; out may be the same pointer as an input
// (each element is read before it is written). T is float or double.
//
// attn::simd::NAME is the vectorised kernel (built on vec.h only); attn::simd::ref::NAME
// is the naive loop beside it, the reference the tests compare with.
//
// Accuracy: float exp/tanh/sigmoid use a polynomial exp (see vector_kernels.cpp for its
// measured error, a few ulp); double calls std::exp/std::tanh per element, because the
// gradient checks in double need ~1e-15 and an approximation would break them.
#include <cstdint>

namespace attn::simd {

// out[i] = a[i] (+ - * /) b[i]
template <typename T>
void add(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void sub(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void div(const T* a, const T* b, T* out, int64_t n);

// out[i] = a[i] + s,  out[i] = a[i] * s
template <typename T>
void add_scalar(const T* a, T s, T* out, int64_t n);
template <typename T>
void mul_scalar(const T* a, T s, T* out, int64_t n);

// y[i] += alpha * x[i]
template <typename T>
void axpy(T alpha, const T* x, T* y, int64_t n);

// Reductions: sum_i x[i], sum_i a[i] b[i], max_i x[i] (-inf when n == 0).
template <typename T>
T sum(const T* x, int64_t n);
template <typename T>
T dot(const T* a, const T* b, int64_t n);
template <typename T>
T max(const T* x, int64_t n);

// y[i] = f(x[i]) for f = exp, tanh, sigmoid = 1 / (1 + exp(-x)), relu = max(0, x).
template <typename T>
void exp(const T* x, T* y, int64_t n);
template <typename T>
void tanh(const T* x, T* y, int64_t n);
template <typename T>
void sigmoid(const T* x, T* y, int64_t n);
template <typename T>
void relu(const T* x, T* y, int64_t n);

// The gradient through relu, from its output y: gx[i] = g[i] where y[i] > 0, else 0 (so a
// NaN g at a clipped position gives 0, as PyTorch's threshold_backward). gx may be g.
template <typename T>
void relu_backward(const T* y, const T* g, T* gx, int64_t n);

// y[i] = x[i] where x[i] > 0, else a x[i] (leaky_relu with slope a), and its gradient from
// the input: gx[i] = g[i] where x[i] > 0, else a g[i]. A NaN x gives a NaN y (a x). gx may
// be g.
template <typename T>
void leaky_relu(const T* x, T a, T* y, int64_t n);
template <typename T>
void leaky_relu_backward(const T* x, const T* g, T a, T* gx, int64_t n);

// y = softmax(x) over one row of n: y[i] = exp(x[i] - m) / sum_j exp(x[j] - m), m = max x,
// so that no exp overflows (the "stable" softmax). y may be x.
template <typename T>
void softmax_row(const T* x, T* y, int64_t n);

namespace ref {
template <typename T>
void add(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void sub(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void div(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void add_scalar(const T* a, T s, T* out, int64_t n);
template <typename T>
void mul_scalar(const T* a, T s, T* out, int64_t n);
template <typename T>
void axpy(T alpha, const T* x, T* y, int64_t n);
template <typename T>
T sum(const T* x, int64_t n);
template <typename T>
T dot(const T* a, const T* b, int64_t n);
template <typename T>
T max(const T* x, int64_t n);
template <typename T>
void exp(const T* x, T* y, int64_t n);
template <typename T>
void tanh(const T* x, T* y, int64_t n);
template <typename T>
void sigmoid(const T* x, T* y, int64_t n);
template <typename T>
void relu(const T* x, T* y, int64_t n);
template <typename T>
void relu_backward(const T* y, const T* g, T* gx, int64_t n);
template <typename T>
void leaky_relu(const T* x, T a, T* y, int64_t n);
template <typename T>
void leaky_relu_backward(const T* x, const T* g, T a, T* gx, int64_t n);
template <typename T>
void softmax_row(const T* x, T* y, int64_t n);
}  // namespace ref

}  // namespace attn::simd
