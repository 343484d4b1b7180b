// Activations, elementwise.  x [..] -> y [..], and dL/dx [..] = dL/dy * f'(x).
// The forward loops are the SIMD kernels of autograd/simd/vector_kernels.h
// (float: a polynomial exp of ~1 ulp; double: std::exp/std::tanh, as the
// gradient checks need). Each backward writes its local derivative from what
// the forward saved, in one plain loop.
#include "autograd/ops/activations.h"

#include <cmath>
#include <numbers>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn {

namespace {

// gx[i] = g[i] * local(i): the chain rule through an elementwise op.
template <typename F>
Tensor chain(const Tensor& g, F local) {
  Tensor gx = Tensor::uninitialized(g.shape());
  const real* pg = g.data();
  real* px = gx.data();
  parallel_elements(g.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) px[i] = pg[i] * local(i);
  });
  return gx;
}

Tensor empty_like_checked(const Tensor& x, const char* op) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  return Tensor::uninitialized(x.shape());  // each op below writes every element
}

// y = kernel(x) for one of the vector kernels (simd::tanh, ...), split over threads.
Tensor apply_kernel(const Tensor& x, const char* op, void (*kernel)(const real*, real*, int64_t)) {
  Tensor y = empty_like_checked(x, op);
  const real* px = x.data();
  real* py = y.data();
  parallel_elements(
      x.numel(), [=](int64_t begin, int64_t end) { kernel(px + begin, py + begin, end - begin); });
  return y;
}

}  // namespace

// ---- y = tanh(x):  dy/dx = 1 - tanh(x)^2 = 1 - y^2 ------------------------------
Tensor tanh(const Tensor& x) {
  ATTN_PROFILE_OP("tanh");
  Tensor y = apply_kernel(x, "tanh", simd::tanh<real>);
  return record("tanh", y, {x}, [y = y.detach()](const Tensor& g) {
    const real* py = y.data();
    return std::vector<Tensor>{chain(g, [py](int64_t i) { return 1 - py[i] * py[i]; })};
  });
}

// ---- y = sigmoid(x) = 1 / (1 + e^-x):  dy/dx = e^-x / (1 + e^-x)^2 = y (1 - y) ----
Tensor sigmoid(const Tensor& x) {
  ATTN_PROFILE_OP("sigmoid");
  Tensor y = apply_kernel(x, "sigmoid", simd::sigmoid<real>);
  return record("sigmoid", y, {x}, [y = y.detach()](const Tensor& g) {
    const real* py = y.data();
    return std::vector<Tensor>{chain(g, [py](int64_t i) { return py[i] * (1 - py[i]); })};
  });
}

// ---- y = relu(x) = max(0, x):  dy/dx = 1 where x > 0, else 0 ------------------------
// At the kink x = 0 the derivative is taken as 0, as PyTorch does. y > 0 exactly
// where x > 0, so the backward needs only y.
Tensor relu(const Tensor& x) {
  ATTN_PROFILE_OP("relu");
  Tensor y = apply_kernel(x, "relu", simd::relu<real>);
  return record("relu", y, {x}, [y = y.detach()](const Tensor& g) {
    Tensor gx = Tensor::uninitialized(g.shape());
    const real *py = y.data(), *pg = g.data();
    real* pgx = gx.data();
    parallel_elements(g.numel(), [=](int64_t begin, int64_t end) {
      simd::relu_backward(py + begin, pg + begin, pgx + begin, end - begin);
    });
    return std::vector<Tensor>{gx};
  });
}

// ---- y = leaky_relu(x) = x where x > 0, else a x  (a = negative_slope) ------------
// dy/dx = 1 where x > 0, else a. At x = 0 the slope a is taken, as PyTorch does. For a
// slope a >= 0, y > 0 exactly where x > 0, so (as relu) the backward needs only y; a
// negative slope would flip the sign there, so the backward keeps x instead.
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  ATTN_PROFILE_OP("leaky_relu");
  Tensor y = empty_like_checked(x, "leaky_relu");
  ATTN_CHECK(std::isfinite(negative_slope), "leaky_relu: negative_slope must be finite, got ",
             negative_slope);
  const real a = static_cast<real>(negative_slope);
  const real* px = x.data();
  real* py = y.data();
  const int64_t n = x.numel();
  parallel_elements(n, [=](int64_t begin, int64_t end) {
    simd::leaky_relu(px + begin, a, py + begin, end - begin);
  });
  return record("leaky_relu", y, {x}, [x = x.detach(), a](const Tensor& g) {
    Tensor gx = Tensor::uninitialized(g.shape());
    const real *px = x.data(), *pg = g.data();
    real* pgx = gx.data();
    parallel_elements(g.numel(), [=](int64_t begin, int64_t end) {
      simd::leaky_relu_backward(px + begin, pg + begin, a, pgx + begin, end - begin);
    });
    return std::vector<Tensor>{gx};
  });
}

// ---- y = gelu(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) ------------------------------
// Phi is the standard normal CDF, phi = Phi' its density e^(-x^2/2) / sqrt(2 pi).
// Product rule: dy/dx = Phi(x) + x phi(x).
// (The exact erf form, PyTorch's default; not the tanh approximation of GPT-2.)
Tensor gelu(const Tensor& x) {
  ATTN_PROFILE_OP("gelu");
  Tensor y = empty_like_checked(x, "gelu");
  const real* px = x.data();
  real* py = y.data();
  const int64_t n = x.numel();
  const real inv_sqrt2 = real(1 / std::numbers::sqrt2);
  parallel_elements(n, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      py[i] = real(0.5) * px[i] * (1 + std::erf(px[i] * inv_sqrt2));
  });
  return record("gelu", y, {x}, [x, inv_sqrt2](const Tensor& g) {
    const real* px = x.data();
    const real inv_sqrt_2pi = real(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    return std::vector<Tensor>{chain(g, [=](int64_t i) {
      const real xi = px[i];
      const real Phi = real(0.5) * (1 + std::erf(xi * inv_sqrt2));
      const real phi = inv_sqrt_2pi * std::exp(real(-0.5) * xi * xi);
      return Phi + xi * phi;
    })};
  });
}

}  // namespace attn
