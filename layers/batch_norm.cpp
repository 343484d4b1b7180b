// BatchNorm2d: x [B, C, H, W] -> y of the same shape; channel c's n = B H W values are
// normalised together (a "row" of LayerNorm, gathered across the batch).
//
// Forward, per channel (training):
//   mu = (1/n) sum x,   var = (1/n) sum (x - mu)^2,   rstd = 1 / sqrt(var + eps)
//   x_hat = (x - mu) rstd,   y = x_hat gamma + beta
// Backward, with dy_hat = dy gamma (the gradient reaching x_hat):
//   dbeta = sum dy,   dgamma = sum dy x_hat
//   training: mu and rstd depend on every x of the channel, as in LayerNorm (see
//     layer_norm.cpp for the derivation):
//     dx = (rstd / n) (n dy_hat - sum dy_hat - x_hat sum dy_hat x_hat)
//   evaluation: mu and rstd are constants (the running statistics): dx = dy_hat rstd.
#include "layers/batch_norm.h"

#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::nn {

namespace {

struct Dims {
  int64_t B, C, S;  // S = H W: the values of one channel in one image
};

Dims check_batch_norm(const char* op, const Tensor& x, const Tensor& rm, const Tensor& rv,
                      const Tensor& weight, const Tensor& bias, bool training, double momentum,
                      double eps) {
  ATTN_CHECK(x.defined() && x.dim() == 4, op, ": expected x [B, C, H, W], got ",
             x.defined() ? shape_str(x.shape()) : std::string("none"));
  const Dims d{x.size(0), x.size(1), x.size(2) * x.size(3)};
  const Shape c{d.C};
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"},
                                std::pair{&rm, "running_mean"}, std::pair{&rv, "running_var"}})
    if (t->defined())
      ATTN_CHECK(t->shape() == c, op, ": ", name, " of shape ", shape_str(t->shape()), " for ", d.C,
                 " channels; expected [", d.C, "]");
  ATTN_CHECK(rm.defined() == rv.defined(), op,
             ": give both running_mean and running_var, or neither");
  ATTN_CHECK(training || rm.defined(), op,
             ": evaluation normalises with the running statistics; none were given");
  ATTN_CHECK(!training || d.B * d.S > 1, op,
             ": training needs more than one value per channel "
             "to estimate a variance; got input ",
             shape_str(x.shape()));
  ATTN_CHECK(eps >= 0 && momentum >= 0 && momentum <= 1, op,
             ": need eps >= 0 and momentum in "
             "[0, 1], got eps ",
             eps, " and momentum ", momentum);
  return d;
}

// running = (1 - momentum) running + momentum batch, with the unbiased variance.
void update_running(Tensor rm, Tensor rv, const std::vector<double>& mu,
                    const std::vector<double>& var, int64_t n, double momentum) {
  if (!rm.defined()) return;
  for (size_t c = 0; c < mu.size(); ++c) {
    rm.data()[c] = static_cast<real>((1 - momentum) * rm.data()[c] + momentum * mu[c]);
    const double unbiased = var[c] * double(n) / double(n - 1);
    rv.data()[c] = static_cast<real>((1 - momentum) * rv.data()[c] + momentum * unbiased);
  }
}

}  // namespace

Tensor batch_norm2d(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                    const Tensor& weight, const Tensor& bias, bool training, double momentum,
                    double eps) {
  ATTN_PROFILE_OP("batch_norm2d");
  const Dims d = check_batch_norm("batch_norm2d", x, running_mean, running_var, weight, bias,
                                  training, momentum, eps);
  const int64_t n = d.B * d.S;
  std::vector<double> mu(size_t(d.C)), var(size_t(d.C));
  const real* px = x.data();
  Tensor y = Tensor::uninitialized(x.shape());
  Tensor x_hat = Tensor::uninitialized(x.shape());  // saved for the backward
  real* py = y.data();
  real* ph = x_hat.data();
  if (training) {
    // Each row (one image's channel c, S values) is summed with the SIMD kernels; the rows'
    // sums meet in double. The variance takes a second pass over x - mu (kept in x_hat for
    // now), not E[x^2] - mu^2, which loses everything when |mu| >> std.
    // Channels are independent: on threads, each channel's sums stay on one thread, in the
    // same order, so the result does not depend on the thread count.
    parallel_for(d.C, n, kMinElementsForThreads, [&](int64_t c_begin, int64_t c_end) {
      for (int64_t c = c_begin; c < c_end; ++c) {
        double s = 0;
        for (int64_t b = 0; b < d.B; ++b) s += simd::sum(px + (b * d.C + c) * d.S, d.S);
        mu[size_t(c)] = s / double(n);
        double v = 0;
        for (int64_t b = 0; b < d.B; ++b) {
          const int64_t off = (b * d.C + c) * d.S;
          simd::add_scalar(px + off, static_cast<real>(-mu[size_t(c)]), ph + off, d.S);
          v += simd::dot(ph + off, ph + off, d.S);
        }
        var[size_t(c)] = v / double(n);
      }
    });
    update_running(running_mean, running_var, mu, var, n, momentum);
  } else {
    for (int64_t c = 0; c < d.C; ++c) {
      mu[size_t(c)] = running_mean.data()[c];
      var[size_t(c)] = running_var.data()[c];
      for (int64_t b = 0; b < d.B; ++b) {
        const int64_t off = (b * d.C + c) * d.S;
        simd::add_scalar(px + off, static_cast<real>(-mu[size_t(c)]), ph + off, d.S);
      }
    }
  }
  std::vector<real> rstd(size_t(d.C));
  for (int64_t c = 0; c < d.C; ++c) rstd[size_t(c)] = real(1.0 / std::sqrt(var[size_t(c)] + eps));

  // x_hat = (x - mu) rstd, y = x_hat gamma + beta, row by row.
  const real* pw = weight.defined() ? weight.data() : nullptr;
  const real* pb = bias.defined() ? bias.data() : nullptr;
  parallel_for(d.C, n, kMinElementsForThreads, [&](int64_t c_begin, int64_t c_end) {
    for (int64_t c = c_begin; c < c_end; ++c)
      for (int64_t b = 0; b < d.B; ++b) {
        const int64_t off = (b * d.C + c) * d.S;
        const real g = pw ? pw[c] : real(1), be = pb ? pb[c] : real(0);
        simd::mul_scalar(ph + off, rstd[size_t(c)], ph + off, d.S);
        real* yr = py + off;
        const real* hr = ph + off;
        for (int64_t k = 0; k < d.S; ++k) yr[k] = hr[k] * g + be;
      }
  });

  std::vector<Tensor> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  const bool has_w = weight.defined(), has_b = bias.defined();
  return record(
      "batch_norm2d", y, std::move(inputs),
      [x_hat, rstd = std::move(rstd), weight, d, n, training, has_w, has_b](const Tensor& gy) {
        const real* pg = gy.data();
        const real* ph = x_hat.data();
        const real* pw = has_w ? weight.data() : nullptr;
        Tensor gx = Tensor::uninitialized(gy.shape());
        real* pgx = gx.data();
        std::vector<double> sum_dy(size_t(d.C), 0.0), sum_dy_xhat(size_t(d.C), 0.0);
        parallel_for(d.C, 2 * n, kMinElementsForThreads, [&](int64_t c_begin, int64_t c_end) {
          for (int64_t c = c_begin; c < c_end; ++c) {
            for (int64_t b = 0; b < d.B; ++b) {
              const int64_t off = (b * d.C + c) * d.S;
              sum_dy[size_t(c)] += simd::sum(pg + off, d.S);
              sum_dy_xhat[size_t(c)] += simd::dot(pg + off, ph + off, d.S);
            }
            // dx = (rstd / n)(n dy_hat - sum dy_hat - x_hat sum dy_hat x_hat) with dy_hat = g dy
            // (gamma is per channel, so sum dy_hat = g sum dy): dx = a dy + b0 + b1 x_hat.
            const double g = pw ? pw[c] : 1.0, r = rstd[size_t(c)];
            const real a = static_cast<real>(g * r);
            const real b0 =
                training ? static_cast<real>(-g * r * sum_dy[size_t(c)] / double(n)) : 0;
            const real b1 =
                training ? static_cast<real>(-g * r * sum_dy_xhat[size_t(c)] / double(n)) : 0;
            for (int64_t b = 0; b < d.B; ++b) {
              const int64_t off = (b * d.C + c) * d.S;
              const real* gr = pg + off;
              const real* hr = ph + off;
              real* out = pgx + off;
              for (int64_t k = 0; k < d.S; ++k) out[k] = a * gr[k] + b0 + b1 * hr[k];
            }
          }
        });
        std::vector<Tensor> grads{gx};
        if (has_w) {
          Tensor gw = Tensor::uninitialized({d.C});
          for (int64_t c = 0; c < d.C; ++c)
            gw.data()[c] = static_cast<real>(sum_dy_xhat[size_t(c)]);
          grads.push_back(gw);
        }
        if (has_b) {
          Tensor gb = Tensor::uninitialized({d.C});
          for (int64_t c = 0; c < d.C; ++c) gb.data()[c] = static_cast<real>(sum_dy[size_t(c)]);
          grads.push_back(gb);
        }
        return grads;
      });
}

Tensor batch_norm2d_composed(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                             const Tensor& weight, const Tensor& bias, bool training,
                             double momentum, double eps) {
  const Dims d = check_batch_norm("batch_norm2d_composed", x, running_mean, running_var, weight,
                                  bias, training, momentum, eps);
  const Shape per_channel{1, d.C, 1, 1};
  Tensor mu, var;
  if (training) {
    mu = mean(x, {0, 2, 3}, /*keepdim=*/true);
    const Tensor xc0 = x - mu;
    var = mean(xc0 * xc0, {0, 2, 3}, /*keepdim=*/true);
    std::vector<double> m(size_t(d.C)), v(size_t(d.C));
    for (int64_t c = 0; c < d.C; ++c) m[size_t(c)] = mu.data()[c], v[size_t(c)] = var.data()[c];
    update_running(running_mean, running_var, m, v, d.B * d.S, momentum);
  } else {
    mu = running_mean.detach().reshape(per_channel);
    var = running_var.detach().reshape(per_channel);
  }
  Tensor y = (x - mu) / sqrt(var + static_cast<real>(eps));
  if (weight.defined()) y = y * weight.reshape(per_channel);
  if (bias.defined()) y = y + bias.reshape(per_channel);
  return y;
}

BatchNorm2d::BatchNorm2d(const BatchNorm2dOptions& opts) : Module("BatchNorm2d"), options(opts) {
  ATTN_CHECK(opts.num_features() > 0, "BatchNorm2d: num_features must be > 0, got ",
             opts.num_features());
  const Shape c{opts.num_features()};
  if (opts.affine()) {
    weight = Tensor::empty(c);
    bias = Tensor::empty(c);
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  running_mean = Tensor::empty(c);
  running_var = Tensor::empty(c);
  num_batches_tracked = Tensor::scalar(0);
  register_buffer("running_mean", running_mean);
  register_buffer("running_var", running_var);
  register_buffer("num_batches_tracked", num_batches_tracked);
  reset_parameters();
}

void BatchNorm2d::reset_running_stats() {
  running_mean.fill_(real(0));
  running_var.fill_(real(1));
  num_batches_tracked.fill_(real(0));
}

void BatchNorm2d::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) weight.fill_(real(1));
  if (bias.defined()) bias.fill_(real(0));
}

Tensor BatchNorm2d::forward(const Tensor& x) const {
  Tensor y = batch_norm2d(x, running_mean, running_var, weight, bias, is_training(),
                          options.momentum(), options.eps());
  if (is_training()) {
    Tensor count = num_batches_tracked;  // a handle: the buffer's data is updated in place
    count.data()[0] += real(1);
  }
  return y;
}

}  // namespace attn::nn
