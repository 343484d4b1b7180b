#include "train/metrics/frechet.h"

#include <algorithm>
#include <cmath>

#include "autograd/error.h"

namespace attn::train {

FeatureStats feature_stats(const Tensor& features) {
  ATTN_CHECK(features.defined() && features.dim() == 2,
             "feature_stats: expected features [N, F] (one row per sample), got ",
             features.defined() ? shape_str(features.shape()) : std::string("none"));
  const int64_t N = features.size(0), F = features.size(1);
  ATTN_CHECK(N >= 2, "feature_stats: ", N,
             " sample(s); a covariance needs at least 2 (it divides by N - 1)");
  ATTN_CHECK(F >= 1, "feature_stats: features [", N, ", 0] have no feature");
  const real* p = features.data();  // tensors are contiguous, row-major
  FeatureStats s;
  s.count = N;
  s.mean.assign(static_cast<size_t>(F), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t f = 0; f < F; ++f) {
      const double v = p[n * F + f];
      ATTN_CHECK(std::isfinite(v), "feature_stats: feature ", f, " of sample ", n, " is ", v);
      s.mean[static_cast<size_t>(f)] += v;
    }
  for (double& m : s.mean) m /= static_cast<double>(N);
  // Centred first, then multiplied: summing x x^T and subtracting N mu mu^T would lose the
  // small variances to cancellation.
  std::vector<double> centred(static_cast<size_t>(N * F));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t f = 0; f < F; ++f)
      centred[static_cast<size_t>(n * F + f)] = p[n * F + f] - s.mean[static_cast<size_t>(f)];
  s.covariance = SquareMatrix(F);
  for (int64_t n = 0; n < N; ++n) {
    const double* row = centred.data() + n * F;
    for (int64_t i = 0; i < F; ++i) {
      if (row[i] == 0) continue;
      for (int64_t j = i; j < F; ++j) s.covariance(i, j) += row[i] * row[j];
    }
  }
  for (int64_t i = 0; i < F; ++i)
    for (int64_t j = i; j < F; ++j) {
      const double c = s.covariance(i, j) / static_cast<double>(N - 1);
      s.covariance(i, j) = s.covariance(j, i) = c;
    }
  return s;
}

namespace {

void check_stats(const FeatureStats& s, const char* which) {
  const int64_t F = s.dim();
  ATTN_CHECK(F >= 1, "frechet_distance: the stats of ", which, " are empty (no mean)");
  ATTN_CHECK(s.covariance.n == F && s.covariance.a.size() == static_cast<size_t>(F * F),
             "frechet_distance: the stats of ", which, " have a mean of ", F,
             " features but a covariance of size ", s.covariance.n);
  for (double m : s.mean)
    ATTN_CHECK(std::isfinite(m), "frechet_distance: the mean of ", which, " holds ", m);
}

}  // namespace

double FrechetParts::distance() const {
  return std::max(0.0, mean_term + trace_a + trace_b - 2 * trace_sqrt);
}

FrechetParts frechet_parts(const FeatureStats& a, const FeatureStats& b) {
  check_stats(a, "the first set");
  check_stats(b, "the second set");
  ATTN_CHECK(a.dim() == b.dim(), "frechet_distance: the sets have ", a.dim(), " and ", b.dim(),
             " features; both must come from the same feature extractor");
  const int64_t F = a.dim();
  FrechetParts r;
  for (int64_t f = 0; f < F; ++f) {
    const double d = a.mean[static_cast<size_t>(f)] - b.mean[static_cast<size_t>(f)];
    r.mean_term += d * d;
  }
  r.trace_a = a.covariance.trace();
  r.trace_b = b.covariance.trace();
  // M = S_a^{1/2} S_b S_a^{1/2}: symmetric in exact arithmetic, made exactly so here.
  const SquareMatrix root_a = symmetric_sqrt(a.covariance);
  SquareMatrix m = matmul(matmul(root_a, b.covariance), root_a);
  for (int64_t i = 0; i < F; ++i)
    for (int64_t j = i + 1; j < F; ++j) m(i, j) = m(j, i) = 0.5 * (m(i, j) + m(j, i));
  const std::vector<double> mu = symmetric_eigen(m).values;
  const double floor = rounding_floor(mu);
  for (double mi : mu)
    if (mi > floor) r.trace_sqrt += std::sqrt(mi);
  return r;
}

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  return frechet_parts(a, b).distance();
}

}  // namespace attn::train
