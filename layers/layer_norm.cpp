// LayerNorm: x [.., *S] -> y [.., *S], seen as M rows of N = numel(S) values.
//
// Forward, per row (x_1..x_N):
//   mu = (1/N) sum_j x_j,   var = (1/N) sum_j (x_j - mu)^2,   rstd = 1 / sqrt(var + eps)
//   x_hat_j = (x_j - mu) rstd,   y_j = x_hat_j gamma_j + beta_j
//
// Backward. In the forward pass y_j = x_hat_j gamma_j + beta_j, so now
//   dbeta_j  = sum over rows of dy_j,   dgamma_j = sum over rows of dy_j x_hat_j,
//   dy_hat_j = dy_j gamma_j                 (the gradient reaching x_hat).
// x_hat depends on every x_i of its row through mu and rstd:
//   d mu / d x_i = 1/N,   d rstd / d x_i = -rstd^3 (x_i - mu) / N = -rstd^2 x_hat_i / N,
//   d x_hat_j / d x_i = rstd (delta_ij - 1/N) - x_hat_j rstd x_hat_i / N.
// Summing dy_hat_j times that over j:
//   dx_i = (rstd / N) (N dy_hat_i - sum_j dy_hat_j - x_hat_i sum_j dy_hat_j x_hat_j).
// Two row sums and one pass: no N x N Jacobian is ever formed.
#include "layers/layer_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::nn {

namespace {

// Below this much work (elements) one thread does the whole op: set from where a
// second thread paid in bench/bench_threads.cpp and in whole training steps
// (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkForThreads = int64_t{1} << 16;

// Checks that x ends in normalized_shape and that weight/bias have that shape;
// returns N = numel(normalized_shape).
int64_t check_layer_norm(const char* op, const Tensor& x, const Shape& S, const Tensor& weight,
                         const Tensor& bias, double eps) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  ATTN_CHECK(!S.empty(), op, ": normalized_shape is empty; expected the sizes of x's last dims");
  ATTN_CHECK(eps >= 0, op, ": eps must be >= 0, got ", eps);
  const Shape& xs = x.shape();
  bool ends_in_S = xs.size() >= S.size();
  for (size_t k = 0; ends_in_S && k < S.size(); ++k)
    ends_in_S = xs[xs.size() - S.size() + k] == S[k];
  ATTN_CHECK(ends_in_S, op, ": input of shape ", shape_str(xs),
             " does not end in normalized_shape ", shape_str(S));
  if (weight.defined())
    ATTN_CHECK(weight.shape() == S, op, ": weight of shape ", shape_str(weight.shape()),
               " differs from normalized_shape ", shape_str(S));
  if (bias.defined())
    ATTN_CHECK(bias.shape() == S, op, ": bias of shape ", shape_str(bias.shape()),
               " differs from normalized_shape ", shape_str(S));
  return numel(S);
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& S, const Tensor& weight, const Tensor& bias,
                  double eps) {
  ATTN_PROFILE_OP("layer_norm");
  const int64_t N = check_layer_norm("layer_norm", x, S, weight, bias, eps);
  const int64_t M = N > 0 ? x.numel() / N : 0;
  Tensor y = Tensor::empty(x.shape());
  Tensor x_hat = Tensor::empty(x.shape());  // saved for the backward
  std::vector<real> rstd(M);
  const real* px = x.data();
  const real* pw = weight.defined() ? weight.data() : nullptr;
  const real* pb = bias.defined() ? bias.data() : nullptr;
  real* py = y.data();
  real* ph = x_hat.data();
  parallel_for(M, N, kMinWorkForThreads, [&](int64_t r_begin, int64_t r_end) {
    for (int64_t r = r_begin; r < r_end; ++r) {
      const real* xr = px + r * N;
      real* hr = ph + r * N;
      real* yr = py + r * N;
      // Two passes: the mean, then the variance from the centred values, so no
      // difference of two large nearby sums (E[x^2] - mu^2) throws digits away.
      const real mu = simd::sum(xr, N) / static_cast<real>(N);
      simd::add_scalar(xr, -mu, hr, N);  // x - mu
      const real var = simd::dot(hr, hr, N) / static_cast<real>(N);
      const real rs = static_cast<real>(1.0 / std::sqrt(double(var) + eps));
      rstd[r] = rs;
      simd::mul_scalar(hr, rs, hr, N);  // x_hat
      if (pw)
        simd::mul(hr, pw, yr, N);
      else
        std::copy(hr, hr + N, yr);
      if (pb) simd::add(yr, pb, yr, N);
    }
  });

  std::vector<Tensor> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  const bool has_w = weight.defined(), has_b = bias.defined();
  return record("layer_norm", y, std::move(inputs),
                [x_hat, rstd = std::move(rstd), weight, S, M, N, has_w, has_b](const Tensor& gy) {
                  const real* pg = gy.data();
                  const real* ph = x_hat.data();
                  const real* pw = has_w ? weight.data() : nullptr;
                  Tensor gx = Tensor::empty(gy.shape());
                  real* pgx = gx.data();
                  parallel_for(M, N, kMinWorkForThreads, [&](int64_t r_begin, int64_t r_end) {
                    for (int64_t r = r_begin; r < r_end; ++r) {
                      const real* gr = pg + r * N;
                      const real* hr = ph + r * N;
                      real* dx = pgx + r * N;
                      // dy_hat = dy * gamma, then its two row sums s1 and s2.
                      if (pw)
                        simd::mul(gr, pw, dx, N);
                      else
                        std::copy(gr, gr + N, dx);
                      const real s1 = simd::sum(dx, N), s2 = simd::dot(dx, hr, N);
                      // dx = k (N dy_hat - s1 - x_hat s2), k = rstd / N.
                      const real k = rstd[r] / static_cast<real>(N);
                      simd::mul_scalar(dx, k * static_cast<real>(N), dx, N);
                      simd::add_scalar(dx, -k * s1, dx, N);
                      simd::axpy(-k * s2, hr, dx, N);
                    }
                  });
                  std::vector<Tensor> grads{gx};
                  if (has_w || has_b) {
                    // dgamma_j = sum_r dy_rj x_hat_rj, dbeta_j = sum_r dy_rj: column sums over
                    // rows.
                    Tensor gw = Tensor::zeros(S), gb = Tensor::zeros(S);
                    real* pgw = gw.data();
                    real* pgb = gb.data();
                    for (int64_t r = 0; r < M; ++r) {
                      const real* gr = pg + r * N;
                      const real* hr = ph + r * N;
                      for (int64_t j = 0; j < N; ++j) pgw[j] += gr[j] * hr[j];
                      simd::add(pgb, gr, pgb, N);
                    }
                    if (has_w) grads.push_back(gw);
                    if (has_b) grads.push_back(gb);
                  }
                  return grads;
                });
}

Tensor layer_norm_composed(const Tensor& x, const Shape& S, const Tensor& weight,
                           const Tensor& bias, double eps) {
  check_layer_norm("layer_norm_composed", x, S, weight, bias, eps);
  std::vector<int64_t> dims;  // the last S.size() dimensions
  for (int64_t k = -static_cast<int64_t>(S.size()); k < 0; ++k) dims.push_back(k);
  Tensor mu = mean(x, dims, /*keepdim=*/true);
  Tensor xc = x - mu;
  Tensor var = mean(xc * xc, dims, /*keepdim=*/true);
  Tensor y = xc / sqrt(var + static_cast<real>(eps));
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

LayerNorm::LayerNorm(const LayerNormOptions& opts) : Module("LayerNorm"), options(opts) {
  for (int64_t d : opts.normalized_shape())
    ATTN_CHECK(d > 0, "LayerNorm: normalized_shape ", shape_str(opts.normalized_shape()),
               " must have sizes > 0");
  ATTN_CHECK(!opts.normalized_shape().empty(), "LayerNorm: normalized_shape is empty");
  if (opts.elementwise_affine()) {
    weight = Tensor::empty(opts.normalized_shape());
    bias = Tensor::empty(opts.normalized_shape());
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) weight.fill_(real(1));
  if (bias.defined()) bias.fill_(real(0));
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, options.normalized_shape(), weight, bias, options.eps());
}

}  // namespace attn::nn
