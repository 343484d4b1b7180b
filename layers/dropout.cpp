// Dropout: x [..] -> y [..];  y = x * m * scale, m_i in {0, 1} with P(m_i = 1) = 1 - p,
// scale = 1 / (1 - p).  Backward: dx = dy * m * scale (the same mask).
#include "layers/dropout.h"

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "autograd/random.h"

namespace attn::nn {

namespace {
void check_p(double p, const char* op) {
  ATTN_CHECK(p >= 0.0 && p <= 1.0, op, ": probability p = ", p,
             " is outside [0, 1] (p is the chance of zeroing each element)");
}
}  // namespace

Tensor dropout(const Tensor& x, double p, bool training) {
  ATTN_PROFILE_OP("dropout");
  check_p(p, "dropout");
  ATTN_CHECK(x.defined(), "dropout: the input is undefined");
  if (!training || p == 0.0) return x;
  // mask_scaled[i] = m_i / (1 - p); with p = 1 every m_i is 0 (and nothing divides by 0).
  const int64_t n = x.numel();
  Tensor mask = Tensor::empty(x.shape());
  real* pm = mask.data();
  const real scale = p < 1.0 ? static_cast<real>(1.0 / (1.0 - p)) : real(0);
  auto& g = global_generator();
  for (int64_t i = 0; i < n; ++i) pm[i] = g.uniform() >= p ? scale : real(0);
  Tensor y = Tensor::empty(x.shape());
  const real* px = x.data();
  real* py = y.data();
  for (int64_t i = 0; i < n; ++i) py[i] = px[i] * pm[i];
  return record("dropout", y, {x}, [mask](const Tensor& gy) {
    // in the forward pass y = x * mask_scaled, so now dx = dy * mask_scaled.
    Tensor gx = Tensor::empty(gy.shape());
    const real* pg = gy.data();
    const real* pm = mask.data();
    real* pgx = gx.data();
    for (int64_t i = 0, n = gy.numel(); i < n; ++i) pgx[i] = pg[i] * pm[i];
    return std::vector<Tensor>{gx};
  });
}

Dropout::Dropout(const DropoutOptions& opts) : Module("Dropout"), options(opts) {
  check_p(opts.p(), "Dropout");
}

Tensor Dropout::forward(const Tensor& x) const {
  return dropout(x, options.p(), is_training());
}

}  // namespace attn::nn
