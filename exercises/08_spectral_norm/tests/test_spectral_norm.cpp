// Exercise 8: spectral normalisation. PyTorch's u, v, sigma, normalised weight and gradient
// after 1, 3 and 30 iterations (fixtures/), central differences, and the behaviour: sigma
// within 1e-3 of the SVD's largest singular value (200 iterations), a normalised weight of spectral norm 1,
// one iteration per call converging as many at once, scale invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/08_spectral_norm/spectral_norm.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"

namespace attn::exercises {
namespace {

using testing::tensor_of;

TEST(PyTorch, PowerIterationAndNormalisedWeightAndGradient) {
  const nlohmann::json fixture = load_exercise_fixture("08_spectral_norm/fixtures/spectral_norm.json");
  for (const nlohmann::json& c : fixture.at("cases")) {
    const int64_t it = c.at("iterations");
    if (it == 0) continue;  // the SVD-only cases
    Tensor W = tensor_of(c, "weight", true);
    SCOPED_TRACE("weight " + shape_str(W.shape()) + ", " + std::to_string(it) + " iterations");
    const Tensor u0 = tensor_of(c, "u0");
    const PowerIterationResult r = power_iteration(W, u0, it);
    ASSERT_TRUE(Matches(r.v, tensor_of(c, "v"), "v"));
    ASSERT_TRUE(Matches(r.u, tensor_of(c, "u"), "u"));
    ASSERT_TRUE(Matches(r.sigma, tensor_of(c, "sigma").item(), "sigma"));
    const SpectralNormResult sn = spectral_norm(W, u0, it);
    ASSERT_TRUE(Matches(sn.weight, tensor_of(c, "weight_sn"), "W / sigma"));
    EXPECT_TRUE(Matches(sn.u, tensor_of(c, "u"), "the u returned for the next call"));
    Tensor loss = (sn.weight * tensor_of(c, "grad_out")).sum();
    loss.backward();
    EXPECT_TRUE(Matches(W.grad(), tensor_of(c, "grad_weight"), "dL/dW (u and v held constant)"));
  }
}

TEST(Gradient, NormalisedWeightAtConvergence) {
  // At convergence u and v are the top singular vectors, which do not move sigma to first
  // order, so central differences (which do let u and v move) agree with the backward that
  // holds them constant.
  manual_seed(1);
  const Tensor u0 = Tensor::from_vector({0.6, 0.0, 0.8}, {3});
  GradcheckOptions options;
  options.rtol = 1e-5;  // 300 iterations leave u and v converged to ~1e-12, not exactly
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& x) { return spectral_norm(x[0], u0, 300).weight; },
                             {Tensor::from_vector({3, 1, 0.5, -1, 0.2, 2, 0.5, 1, -2, 0.1, 1, 0.3}, {3, 4}, true)},
                             {"W"}, options));
}

TEST(Behaviour, SigmaWithin1e3OfTheSVD) {
  const nlohmann::json fixture = load_exercise_fixture("08_spectral_norm/fixtures/spectral_norm.json");
  for (const nlohmann::json& c : fixture.at("cases")) {
    const Tensor W = tensor_of(c, "weight");
    const int64_t it = 200;  // enough even for a 10 x 10 matrix whose top two singular values are close
    const double sigma = power_iteration(W, tensor_of(c, "u0"), it).sigma;
    EXPECT_NEAR(sigma, c.at("sigma_svd").get<double>(), 1e-3)
        << "weight " << shape_str(W.shape()) << ", " << it << " iterations: your sigma vs the largest singular value (SVD)";
  }
}

TEST(Behaviour, NormalisedWeightHasSpectralNormOne) {
  manual_seed(2);
  const Tensor W = Tensor::randn({5, 3, 2}) * 7;
  const Tensor u0 = Tensor::ones({5}) / std::sqrt(5.0);
  const SpectralNormResult sn = spectral_norm(W, u0, 200);
  EXPECT_TRUE(Matches(power_iteration(sn.weight, sn.u, 200).sigma, 1.0,
                      "the largest singular value of W / sigma", 1e-9));
  // The scale of W does not matter.
  EXPECT_TRUE(Matches(spectral_norm(W * 100, u0, 200).weight, sn.weight, "spectral_norm(100 W) vs spectral_norm(W)", 1e-9));
}

TEST(Behaviour, OneIterationPerCallIsManyIterationsAtOnce) {
  // Training runs one iteration per step and carries u to the next: after 25 steps, u and
  // the weight are those of 25 iterations at once.
  manual_seed(3);
  const Tensor W = Tensor::randn({4, 6});
  const Tensor u0 = Tensor::from_vector({0.5, 0.5, 0.5, 0.5}, {4});
  Tensor u = u0;
  SpectralNormResult step;
  for (int k = 0; k < 25; ++k) {
    step = spectral_norm(W, u, 1);
    u = step.u;
  }
  const SpectralNormResult once = spectral_norm(W, u0, 25);
  EXPECT_TRUE(Matches(step.u, once.u, "u after 25 calls of 1 iteration vs 1 call of 25", 1e-12));
  EXPECT_TRUE(Matches(step.weight, once.weight, "W / sigma after 25 calls of 1 iteration vs 1 call of 25", 1e-12));
}

TEST(Errors, BadShapesNamePowerIteration) {
  EXPECT_TRUE(testing::ThrowsWith([] { power_iteration(Tensor::zeros({3, 4}), Tensor::zeros({4}), 1); },
                                  {"power_iteration", "u0", "[4]"}));
  EXPECT_TRUE(testing::ThrowsWith([] { power_iteration(Tensor::zeros({3}), Tensor::zeros({3}), 1); },
                                  {"power_iteration", "[3]"}));
  EXPECT_TRUE(testing::ThrowsWith([] { spectral_norm(Tensor::ones({3, 4}), Tensor::ones({3}), 0); },
                                  {"iterations"}));
}

}  // namespace
}  // namespace attn::exercises
