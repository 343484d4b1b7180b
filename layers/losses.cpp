// Losses. Shape letters: N rows (every leading position), V classes.
#include "layers/losses.h"

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::nn {

namespace {

// Below this much work (logits) one thread does the whole op: set from where a
// second thread paid in bench/bench_threads.cpp and in whole training steps
// (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkForThreads = int64_t{1} << 20;

// "[1,3]": the position of flat index p in a tensor of `shape`, for errors.
std::string position_str(const Shape& shape, int64_t p) {
  std::vector<int64_t> idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = p % shape[d];
    p /= shape[d];
  }
  return shape_str(idx);
}

// Validates class targets against scores [.., V]; returns each target's class,
// or -1 where it equals ignore_index.
std::vector<int64_t> checked_targets(const char* op, const Tensor& scores, const Tensor& targets,
                                     int64_t ignore_index) {
  ATTN_CHECK(scores.defined() && targets.defined(), op, ": an input is undefined");
  const Shape& ls = scores.shape();
  const Shape& ts = targets.shape();
  ATTN_CHECK(scores.dim() >= 1, op, ": scores must have a class dimension, got shape ",
             shape_str(ls));
  const Shape expected(ls.begin(), ls.end() - 1);
  ATTN_CHECK(ts == expected, op, ": scores of shape ", shape_str(ls), " and targets of shape ",
             shape_str(ts), " do not match; expected targets of shape ", shape_str(expected),
             " (the scores' shape without the last, class, dimension)");
  const int64_t V = ls.back(), N = targets.numel();
  std::vector<int64_t> cls(N);
  const real* pt = targets.data();
  for (int64_t n = 0; n < N; ++n) {
    const real t = pt[n];
    ATTN_CHECK(std::isfinite(t) && t == std::floor(t), op, ": target ", t, " at position ",
               position_str(ts, n), " is not a whole number (expected a class index)");
    const auto c = static_cast<int64_t>(t);
    if (c == ignore_index) {
      cls[n] = -1;
      continue;
    }
    ATTN_CHECK(c >= 0 && c < V, op, ": target ", c, " at position ", position_str(ts, n),
               " is out of range for ", V, " classes (expected 0 <= target < ", V,
               ", or ignore_index = ", ignore_index, ")");
    cls[n] = c;
  }
  return cls;
}

int64_t count_valid(const std::vector<int64_t>& cls) {
  int64_t k = 0;
  for (int64_t c : cls) k += c >= 0;
  return k;
}

// Reduces per-element losses (already 0 where ignored) over `count` terms.
Tensor reduce_loss(const Tensor& loss, Reduction r, int64_t count) {
  switch (r) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      break;
  }
  // 0 / 0 = NaN when every target is ignored, as in PyTorch: there is no mean.
  return sum(loss) / static_cast<real>(count);
}

}  // namespace

// ---- cross entropy, fused ------------------------------------------------------------
// logits x [N, V] (any leading dims flattened), targets t [N] -> per-row loss l [N]:
//   m = max_c x_c,  s = sum_c exp(x_c - m),  lse = m + log s  (= log sum_c exp x_c, stable)
//   log p_c = x_c - lse
//   l = (1 - eps)(lse - x_t) + (eps/V) sum_c (lse - x_c) = lse - (1 - eps) x_t - (eps/V) sum_c x_c
// Backward. d lse / d x_c = p_c, so
//   dl/dx_c = p_c - (1 - eps) [c == t] - eps/V,
// times the gradient that reaches l (g, g / count for Mean, or g_n for None).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& opt) {
  ATTN_PROFILE_OP("cross_entropy");
  const double eps = opt.label_smoothing();
  ATTN_CHECK(eps >= 0.0 && eps <= 1.0, "cross_entropy: label_smoothing ", eps,
             " is outside [0, 1]");
  std::vector<int64_t> cls = checked_targets("cross_entropy", logits, targets, opt.ignore_index());
  const int64_t V = logits.size(-1), N = targets.numel();
  ATTN_CHECK(V > 0 || N == 0, "cross_entropy: logits of shape ", shape_str(logits.shape()),
             " have no classes");

  // P holds p = softmax(x) row by row: the forward's scratch and the backward's input.
  Tensor P = Tensor::empty({N, V});
  std::vector<double> row_loss(N, 0.0);
  const real* px = logits.data();
  real* pp = P.data();
  parallel_for(N, V, kMinWorkForThreads, [&](int64_t n_begin, int64_t n_end) {
    for (int64_t n = n_begin; n < n_end; ++n) {
      const real* x = px + n * V;
      real* p = pp + n * V;
      const real m = simd::max(x, V);
      simd::add_scalar(x, -m, p, V);  // p = x - m <= 0: exp cannot overflow
      simd::exp(p, p, V);
      const real s = simd::sum(p, V);
      simd::mul_scalar(p, real(1) / s, p, V);
      if (cls[n] < 0) continue;  // ignored: loss 0 (p is still computed, and unused)
      const double lse = double(m) + std::log(double(s));
      double l = lse - (1.0 - eps) * double(x[cls[n]]);
      if (eps > 0) l -= eps / double(V) * double(simd::sum(x, V));
      row_loss[n] = l;
    }
  });

  const Reduction red = opt.reduction();
  const int64_t count = count_valid(cls);
  Tensor out;
  if (red == Reduction::None) {
    out = Tensor::empty(targets.shape());
    for (int64_t n = 0; n < N; ++n) out.data()[n] = static_cast<real>(row_loss[n]);
  } else {
    double total = 0;
    for (double l : row_loss) total += l;
    if (red == Reduction::Mean) total /= double(count);  // NaN when count == 0, as PyTorch
    out = Tensor::scalar(static_cast<real>(total));
  }

  return record("cross_entropy", out, {logits, targets},
                [P, cls = std::move(cls), red, count, eps, xs = logits.shape()](const Tensor& g) {
                  const int64_t N = static_cast<int64_t>(cls.size()), V = xs.back();
                  Tensor gx = Tensor::empty(xs);
                  const real* pp = P.data();
                  real* pgx = gx.data();
                  const real* pg = g.data();
                  const real g_all =
                      red == Reduction::Mean ? pg[0] / static_cast<real>(count) : pg[0];
                  const real on = static_cast<real>(1.0 - eps);
                  const real off = static_cast<real>(eps / double(V));
                  parallel_for(N, V, kMinWorkForThreads, [&](int64_t n_begin, int64_t n_end) {
                    for (int64_t n = n_begin; n < n_end; ++n) {
                      real* dx = pgx + n * V;
                      if (cls[n] < 0) {  // an ignored target contributes nothing
                        std::fill(dx, dx + V, real(0));
                        continue;
                      }
                      // dl/dx = g (p - (1 - eps) onehot(t) - eps/V)
                      const real gn = red == Reduction::None ? pg[n] : g_all;
                      const real* p = pp + n * V;
                      if (off != 0) {
                        simd::add_scalar(p, -off, dx, V);
                        simd::mul_scalar(dx, gn, dx, V);
                      } else {
                        simd::mul_scalar(p, gn, dx, V);
                      }
                      dx[cls[n]] -= gn * on;
                    }
                  });
                  return std::vector<Tensor>{gx, Tensor()};  // targets get no gradient
                });
}

// ---- cross entropy, composed (the reference) -----------------------------------------
Tensor cross_entropy_composed(const Tensor& logits, const Tensor& targets,
                              const CrossEntropyOptions& opt) {
  const double eps = opt.label_smoothing();
  ATTN_CHECK(eps >= 0.0 && eps <= 1.0, "cross_entropy_composed: label_smoothing ", eps,
             " is outside [0, 1]");
  std::vector<int64_t> cls =
      checked_targets("cross_entropy_composed", logits, targets, opt.ignore_index());
  const int64_t V = logits.size(-1);
  Tensor logp = log_softmax(logits, -1);  // [.., V]
  Tensor nll = nll_loss(
      logp, targets, NLLLossOptions().ignore_index(opt.ignore_index()).reduction(Reduction::None));
  Tensor loss = nll;
  if (eps > 0) {
    Tensor keep = Tensor::empty(targets.shape());  // 1 where the target counts, else 0
    for (size_t n = 0; n < cls.size(); ++n) keep.data()[n] = real(cls[n] >= 0);
    Tensor smooth = -sum(logp, {-1}) * keep;  // sum_c -log p_c per row
    loss = static_cast<real>(1.0 - eps) * nll + static_cast<real>(eps / double(V)) * smooth;
  }
  return reduce_loss(loss, opt.reduction(), count_valid(cls));
}

// ---- negative log-likelihood (composed: gather the target's log-probability) ---------
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NLLLossOptions& opt) {
  std::vector<int64_t> cls = checked_targets("nll_loss", log_probs, targets, opt.ignore_index());
  // idx [.., 1]: the class to pick (0 stands in for an ignored target, then masked).
  Shape idx_shape = targets.shape();
  idx_shape.push_back(1);
  Tensor idx = Tensor::empty(idx_shape);
  Tensor keep = Tensor::empty(targets.shape());
  for (size_t n = 0; n < cls.size(); ++n) {
    idx.data()[n] = static_cast<real>(cls[n] >= 0 ? cls[n] : 0);
    keep.data()[n] = real(cls[n] >= 0);
  }
  Tensor picked = squeeze(gather(log_probs, -1, idx), -1);  // log p[t], [..]
  Tensor loss = -picked * keep;
  return reduce_loss(loss, opt.reduction(), count_valid(cls));
}

// ---- mean squared error --------------------------------------------------------------
// input x [..], target y [..] -> (x - y)^2 reduced; autograd gives dx = 2 (x - y) / count.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& opt) {
  ATTN_CHECK(input.defined() && target.defined(), "mse_loss: an input is undefined");
  ATTN_CHECK(input.shape() == target.shape(), "mse_loss: input of shape ", shape_str(input.shape()),
             " and target of shape ", shape_str(target.shape()), " differ; expected equal shapes");
  Tensor d = input - target;
  return reduce_loss(d * d, opt.reduction(), input.numel());
}

// ---- binary cross entropy with logits, fused and stable ------------------------------
// x [..], y [..] -> l [..] elementwise:
//   l = -(y log s + (1 - y) log(1 - s)),  s = sigmoid(x)
//     = log(1 + e^x) - x y = max(x, 0) - x y + log(1 + e^-|x|)   (no overflow, no log 0)
// Backward: dl/dx = s - y,  dl/dy = -x.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        const BCEWithLogitsOptions& opt) {
  ATTN_PROFILE_OP("binary_cross_entropy_with_logits");
  ATTN_CHECK(logits.defined() && targets.defined(),
             "binary_cross_entropy_with_logits: an input is undefined");
  ATTN_CHECK(logits.shape() == targets.shape(),
             "binary_cross_entropy_with_logits: logits of shape ", shape_str(logits.shape()),
             " and targets of shape ", shape_str(targets.shape()),
             " differ; expected equal shapes");
  const int64_t n = logits.numel();
  Tensor l = Tensor::empty(logits.shape());
  const real* px = logits.data();
  const real* py = targets.data();
  real* pl = l.data();
  for (int64_t i = 0; i < n; ++i) {
    const real x = px[i];
    pl[i] = std::max(x, real(0)) - x * py[i] + std::log1p(std::exp(-std::abs(x)));
  }
  l = record("binary_cross_entropy_with_logits", l, {logits, targets},
             [logits, targets](const Tensor& g) {
               const int64_t n = g.numel();
               Tensor gx = Tensor::empty(g.shape()), gy = Tensor::empty(g.shape());
               const real* pg = g.data();
               const real* px = logits.data();
               const real* py = targets.data();
               for (int64_t i = 0; i < n; ++i) {
                 const real s = real(1) / (real(1) + std::exp(-px[i]));
                 gx.data()[i] = pg[i] * (s - py[i]);
                 gy.data()[i] = -pg[i] * px[i];
               }
               return std::vector<Tensor>{gx, gy};
             });
  return reduce_loss(l, opt.reduction(), n);
}

// ---- hinge losses of GAN training, composed -------------------------------------------------
// L_D = mean(relu(1 - d_real)) + mean(relu(1 + d_fake)),  L_G = -mean(d_fake).
// Gradients by the ops: dL_D/dd_real = -1/n where d_real < 1 (else 0),
// dL_D/dd_fake = 1/m where d_fake > -1, dL_G/dd_fake = -1/m.
namespace {
void check_scores(const char* op, const char* name, const Tensor& d) {
  ATTN_CHECK(d.defined(), op, ": ", name, " is undefined");
  ATTN_CHECK(d.numel() > 0, op, ": ", name, " of shape ", shape_str(d.shape()),
             " is empty; the mean of no scores is undefined");
}
}  // namespace

Tensor hinge_loss_discriminator(const Tensor& d_real, const Tensor& d_fake) {
  check_scores("hinge_loss_discriminator", "d_real", d_real);
  check_scores("hinge_loss_discriminator", "d_fake", d_fake);
  return relu(1 - d_real).mean() + relu(1 + d_fake).mean();
}

Tensor hinge_loss_generator(const Tensor& d_fake) {
  check_scores("hinge_loss_generator", "d_fake", d_fake);
  return -d_fake.mean();
}

}  // namespace attn::nn
