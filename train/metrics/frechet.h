#pragma once
// The Fréchet distance between two sets of feature vectors, each summarised by its mean and
// covariance: the distance behind FID (Heusel et al. 2017), here in the feature space of
// any network (tutorial 06 uses a small classifier it trains, not Inception).
//
// Fitting a Gaussian N(mu, S) to each set, the squared 2-Wasserstein (Fréchet) distance
// between the two Gaussians is (Dowson & Landau 1982)
//   d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2}).
// It is 0 for identical statistics, grows with a shift of the mean (the samples sit
// elsewhere) and with a mismatch of spread (too little variety: mode collapse; or too much),
// and is in squared feature units, so numbers from different feature extractors do not
// compare. It is biased upwards for small sets: quote it beside the distance between two
// real sets of the same sizes (the floor).
//
//   FeatureStats real = feature_stats(classifier.features(real_images));   // [N, F] -> stats
//   FeatureStats fake = feature_stats(classifier.features(generated));
//   double fd = frechet_distance(real, fake);
//
// The trace of the square root: S_a S_b is not symmetric, but it is similar to the symmetric
// positive semi-definite M = S_a^{1/2} S_b S_a^{1/2} (multiply by S_a^{1/2} on the left and
// S_a^{-1/2} on the right), so both have the same non-negative eigenvalues m_i, and
//   Tr (S_a S_b)^{1/2} = sum_i sqrt(m_i).
// Two symmetric eigen-decompositions (symmetric_eigen.h, Jacobi in double) give it. A
// rank-deficient covariance (fewer samples than features, a dead feature) has eigenvalues
// that are 0 but come out as +-1e-16 from rounding; their square roots (1e-8 each) would
// add up to visible noise, so eigenvalues below F eps lambda_max are taken as 0 (the rank
// cutoff of numpy.linalg.matrix_rank). No complex numbers, no iteration of the
// non-symmetric square root that scipy.linalg.sqrtm runs.
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "train/metrics/symmetric_eigen.h"

namespace attn::train {

struct FeatureStats {
  std::vector<double> mean;  // mu [F]
  SquareMatrix covariance;   // S [F, F], unbiased: sum_n (x_n - mu)(x_n - mu)^T / (N - 1)
  int64_t count = 0;         // N, the samples behind them (0 for stats given by hand)
  int64_t dim() const { return static_cast<int64_t>(mean.size()); }
};

// features [N, F] (one row per sample), N >= 2 -> mean and covariance in double, as
// numpy.mean(x, 0) and numpy.cov(x, rowvar=False). Throws attn::Error for another rank,
// N < 2, F < 1 or a non-finite feature.
FeatureStats feature_stats(const Tensor& features);

// The parts of d^2, for a report that wants to say which one dominates.
struct FrechetParts {
  double mean_term = 0;   // ||mu_a - mu_b||^2
  double trace_a = 0;     // Tr S_a
  double trace_b = 0;     // Tr S_b
  double trace_sqrt = 0;  // Tr (S_a S_b)^{1/2}
  // mean_term + trace_a + trace_b - 2 trace_sqrt, and never below 0 (for identical stats
  // rounding can leave -1e-13).
  double distance() const;
};
FrechetParts frechet_parts(const FeatureStats& a, const FeatureStats& b);

// d^2 above. Throws attn::Error when the dimensions differ or the stats are malformed
// (a covariance not F x F, not symmetric, or non-finite).
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

}  // namespace attn::train
