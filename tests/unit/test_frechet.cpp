// The Fréchet distance and the Jacobi eigen-decomposition behind it, against numpy and scipy
// on the fixtures of tests/fixtures/make_frechet_fixtures.py, plus closed forms and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "train/metrics/frechet.h"
#include "train/metrics/symmetric_eigen.h"

namespace attn::train {
namespace {

using nlohmann::json;

std::vector<double> hex_doubles(const json& a) {
  std::vector<double> v;
  for (const auto& s : a) v.push_back(std::stod(s.get<std::string>()));
  return v;
}

Tensor features_of(const json& set) {
  const auto shape = set.at("shape").get<std::vector<int64_t>>();
  std::vector<real> v;
  for (const auto& x : set.at("data")) v.push_back(static_cast<real>(x.get<double>()));
  return Tensor::from_vector(v, {shape[0], shape[1]});
}

FeatureStats stats_of(const json& set) {
  FeatureStats s;
  s.mean = hex_doubles(set.at("mean"));
  const int64_t F = s.dim();
  s.covariance = SquareMatrix(F);
  s.covariance.a = hex_doubles(set.at("cov"));
  return s;
}

double relative_error(double got, double want) {
  return std::abs(got - want) / std::max(1.0, std::abs(want));
}

TEST(FeatureStats, MeanAndCovarianceEqualNumpys) {
  const json fx = testing::read_test_json("frechet/frechet.json");
  ASSERT_GE(fx.at("feature_cases").size(), 8u);
  for (const json& c : fx.at("feature_cases")) {
    for (const char* side : {"a", "b"}) {
      const json& set = c.at(side);
      const FeatureStats s = feature_stats(features_of(set));
      const std::string where = c.at("name").get<std::string>() + "." + side;
      EXPECT_EQ(s.count, set.at("shape")[0].get<int64_t>()) << where;
      const auto mean = hex_doubles(set.at("mean"));
      ASSERT_EQ(s.mean.size(), mean.size()) << where;
      for (size_t f = 0; f < mean.size(); ++f) EXPECT_NEAR(s.mean[f], mean[f], 1e-12) << where;
      if (!set.contains("cov")) continue;
      const auto cov = hex_doubles(set.at("cov"));
      ASSERT_EQ(s.covariance.a.size(), cov.size()) << where;
      for (size_t k = 0; k < cov.size(); ++k)
        EXPECT_NEAR(s.covariance.a[k], cov[k], 1e-11 * std::max(1.0, std::abs(cov[k]))) << where;
    }
  }
}

TEST(FrechetDistance, FromFeaturesEqualsNumpyAndScipy) {
  const json fx = testing::read_test_json("frechet/frechet.json");
  for (const json& c : fx.at("feature_cases")) {
    const std::string name = c.at("name").get<std::string>();
    const FeatureStats a = feature_stats(features_of(c.at("a")));
    const FeatureStats b = feature_stats(features_of(c.at("b")));
    const double d = frechet_distance(a, b);
    const double want = std::stod(c.at("distance").get<std::string>());
    if (want == 0) {
      EXPECT_LT(d, 1e-9) << name;  // identical sets: 0 up to rounding, never below
      EXPECT_GE(d, 0.0) << name;
    } else {
      EXPECT_LT(relative_error(d, want), 1e-9) << name << ": " << d << " vs numpy " << want;
    }
    // scipy's sqrtm agrees less closely where a covariance is singular.
    if (c.contains("distance_sqrtm")) {
      EXPECT_NEAR(d, std::stod(c.at("distance_sqrtm").get<std::string>()), 1e-5) << name;
    }
    // d^2 is symmetric in its arguments, though the computation (sqrt S_a, not sqrt S_b) is not.
    EXPECT_LT(relative_error(frechet_distance(b, a), d), 1e-9) << name;
  }
}

TEST(FrechetDistance, FromGivenStatsEqualsNumpyAndClosedForms) {
  const json fx = testing::read_test_json("frechet/frechet.json");
  ASSERT_GE(fx.at("stats_cases").size(), 5u);
  for (const json& c : fx.at("stats_cases")) {
    const std::string name = c.at("name").get<std::string>();
    const double d = frechet_distance(stats_of(c.at("a")), stats_of(c.at("b")));
    EXPECT_LT(relative_error(d, std::stod(c.at("distance").get<std::string>())), 1e-10) << name;
    if (c.contains("closed_form")) {
      EXPECT_LT(relative_error(d, std::stod(c.at("closed_form").get<std::string>())), 1e-10)
          << name;
    }
  }
}

// One dimension: d^2 = (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2.
TEST(FrechetDistance, OneDimensionIsMeanAndStdDifference) {
  FeatureStats a, b;
  a.mean = {1.0};
  b.mean = {-2.0};
  a.covariance = SquareMatrix(1);
  b.covariance = SquareMatrix(1);
  a.covariance(0, 0) = 4.0;   // sigma 2
  b.covariance(0, 0) = 0.25;  // sigma 0.5
  const FrechetParts p = frechet_parts(a, b);
  EXPECT_DOUBLE_EQ(p.mean_term, 9.0);
  EXPECT_NEAR(p.trace_sqrt, 1.0, 1e-15);
  EXPECT_NEAR(p.distance(), 9.0 + 1.5 * 1.5, 1e-12);
}

TEST(FrechetDistance, SameSamplesGiveZeroAndAShiftGivesItsSquaredLength) {
  manual_seed(3);
  const Tensor x = Tensor::randn({30, 50});  // N < F: a singular covariance
  const FeatureStats s = feature_stats(x);
  EXPECT_LT(frechet_distance(s, s), 1e-9);
  const FeatureStats shifted = feature_stats(x + real(0.5));
  EXPECT_NEAR(frechet_distance(s, shifted), 50 * 0.25, 1e-3);
}

TEST(FrechetDistance, ErrorsSayWhatIsWrong) {
  EXPECT_ERROR_HAS(feature_stats(Tensor::zeros({1, 4})), "at least 2");
  EXPECT_ERROR_HAS(feature_stats(Tensor::zeros({4})), "[N, F]");
  EXPECT_ERROR_HAS(feature_stats(Tensor::zeros({3, 4, 2})), "[N, F]");
  Tensor bad = Tensor::zeros({3, 2});
  bad.data()[3] = std::nanf("");
  EXPECT_TRUE(testing::ThrowsWith([&] { feature_stats(bad); }, {"feature 1", "sample 1"}));
  const FeatureStats a = feature_stats(Tensor::randn({5, 3}));
  const FeatureStats b = feature_stats(Tensor::randn({5, 4}));
  EXPECT_TRUE(testing::ThrowsWith([&] { frechet_distance(a, b); }, {"3", "4", "same feature"}));
  FeatureStats broken = a;
  broken.covariance = SquareMatrix(2);
  EXPECT_ERROR_HAS(frechet_distance(a, broken), "covariance of size 2");
  FeatureStats asymmetric = a;
  asymmetric.covariance(0, 1) += 1.0;
  EXPECT_ERROR_HAS(frechet_distance(asymmetric, a), "not symmetric");
}

// A V diag(lambda) V^T reassembled; V orthogonal.
TEST(SymmetricEigen, ReassemblesTheMatrixWithOrthonormalVectors) {
  Generator gen(11);
  for (int64_t n : {1, 2, 5, 17, 64}) {
    SquareMatrix x(n);
    for (double& v : x.a) v = gen.normal();
    SquareMatrix a(n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) a(i, j) = x(i, j) + x(j, i);  // symmetric, indefinite
    const SymmetricEigen e = symmetric_eigen(a);
    ASSERT_EQ(e.values.size(), static_cast<size_t>(n));
    for (int64_t k = 1; k < n; ++k) EXPECT_LE(e.values[k - 1], e.values[k]);
    EXPECT_LT(e.sweeps, 20) << "n = " << n;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double back = 0, gram = 0;
        for (int64_t k = 0; k < n; ++k) {
          back += e.vectors(i, k) * e.values[k] * e.vectors(j, k);
          gram += e.vectors(k, i) * e.vectors(k, j);
        }
        EXPECT_NEAR(back, a(i, j), 1e-12 * n) << "n = " << n;
        EXPECT_NEAR(gram, i == j ? 1.0 : 0.0, 1e-13 * n) << "n = " << n;
      }
  }
}

// Known eigenvalues: the path graph's Laplacian-like tridiagonal matrix 2 on the diagonal,
// -1 beside it, has lambda_k = 2 - 2 cos(k pi / (n + 1)), k = 1..n.
TEST(SymmetricEigen, TridiagonalHasItsKnownSpectrum) {
  const int64_t n = 12;
  SquareMatrix a(n);
  for (int64_t i = 0; i < n; ++i) {
    a(i, i) = 2;
    if (i + 1 < n) a(i, i + 1) = a(i + 1, i) = -1;
  }
  const SymmetricEigen e = symmetric_eigen(a);
  for (int64_t k = 1; k <= n; ++k)
    EXPECT_NEAR(e.values[k - 1], 2 - 2 * std::cos(k * M_PI / (n + 1)), 1e-14);
}

TEST(SymmetricEigen, SqrtSquaresBackAndIgnoresRoundingNegatives) {
  Generator gen(5);
  const int64_t n = 10, rank = 3;  // singular: 7 eigenvalues are 0 up to rounding
  SquareMatrix x(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < rank; ++r) x(i, r) = gen.normal();
  SquareMatrix a(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t r = 0; r < rank; ++r) a(i, j) += x(i, r) * x(j, r);
  const SquareMatrix root = symmetric_sqrt(a);
  const SquareMatrix back = matmul(root, root);
  for (size_t k = 0; k < a.a.size(); ++k) EXPECT_NEAR(back.a[k], a.a[k], 1e-12);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(root(i, j), root(j, i), 1e-15);
}

TEST(SymmetricEigen, RefusesWhatItCannotDecompose) {
  EXPECT_ERROR_HAS(symmetric_eigen(SquareMatrix()), "n >= 1");
  SquareMatrix a(2);
  a(0, 1) = 1;
  EXPECT_ERROR_HAS(symmetric_eigen(a), "not symmetric");
  a(1, 0) = 1;
  a(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_ERROR_HAS(symmetric_eigen(a), "non-finite");
  EXPECT_ERROR_HAS(matmul(SquareMatrix(2), SquareMatrix(3)), "differ");
}

}  // namespace
}  // namespace attn::train
