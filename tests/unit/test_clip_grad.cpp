// clip_grad_norm against torch.nn.utils.clip_grad_norm_ (numbers from
// tests/data/parity/optim.json), then its edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "train/optim/clip_grad.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::as_reals;
using testing::read_test_json;

TEST(ClipGradNorm, MatchesTorch) {
  const json fx = read_test_json("parity/optim.json");
  const json& cases = fx["clip_grad_norm"];
  ASSERT_EQ(cases.size(), 2u);  // one that clips, one that does not
  bool clipped_some = false, kept_some = false;
  for (const json& c : cases) {
    const double max_norm = c["max_norm"];
    SCOPED_TRACE("max_norm " + std::to_string(max_norm));
    std::vector<Tensor> params;
    for (size_t i = 0; i < fx["shapes"].size(); ++i) {
      const Shape shape = fx["shapes"][i].get<Shape>();
      params.push_back(Tensor::zeros(shape, true));
      params.back().set_grad(Tensor::from_vector(as_reals(c["grads"][i]), shape));
    }
    const double total = train::clip_grad_norm(params, max_norm);
    const double expected = c["total_norm"];
    EXPECT_NEAR(total, expected, 1e-6 * expected);  // torch sums in float32, we in double
    (total > max_norm ? clipped_some : kept_some) = true;
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_TRUE(AllClose(params[i].grad().to_vector(), as_reals(c["clipped"][i]), 1e-5, 1e-7));
  }
  EXPECT_TRUE(clipped_some && kept_some);
}

TEST(ClipGradNorm, ScalesToMaxNormAndKeepsTheDirection) {
  Tensor a = Tensor::zeros({2}, true), b = Tensor::zeros({1}, true);
  a.set_grad(Tensor::from_vector({3, 0}, {2}));
  b.set_grad(Tensor::from_vector({4}, {1}));  // total norm sqrt(9 + 16) = 5
  const double total = train::clip_grad_norm({a, b}, 1.0);
  EXPECT_DOUBLE_EQ(total, 5.0);
  // 1 / (5 + 1e-6): the new norm is max_norm to within 1e-6 relative.
  EXPECT_NEAR(a.grad().at({0}), 0.6, 1e-6);
  EXPECT_EQ(a.grad().at({1}), 0);
  EXPECT_NEAR(b.grad().at({0}), 0.8, 1e-6);
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  Tensor a = Tensor::zeros({3}, true);
  a.set_grad(Tensor::from_vector({0.1f, -0.2f, 0.3f}, {3}));
  const double total = train::clip_grad_norm({a}, 1.0);
  EXPECT_NEAR(total, std::sqrt(0.14), 1e-7);
  EXPECT_TRUE(AllClose(a.grad().to_vector(), {0.1f, -0.2f, 0.3f}, 0, 0));
}

TEST(ClipGradNorm, SkipsMissingGradientsAndCountsATiedTensorOnce) {
  Tensor a = Tensor::zeros({1}, true), none = Tensor::zeros({5}, true);
  a.set_grad(Tensor::from_vector({2}, {1}));
  const double total = train::clip_grad_norm({a, none, a}, 1.0);
  EXPECT_DOUBLE_EQ(total, 2.0);             // not sqrt(8)
  EXPECT_NEAR(a.grad().item(), 1.0, 1e-6);  // scaled once, not twice
  EXPECT_FALSE(none.grad().defined());
  EXPECT_EQ(train::clip_grad_norm({none}, 1.0), 0.0);  // no gradients at all
}

TEST(ClipGradNorm, NonFiniteNormIsAnErrorWhenAsked) {
  Tensor a = Tensor::zeros({2}, true);
  a.set_grad(Tensor::from_vector({1, std::numeric_limits<real>::infinity()}, {2}));
  EXPECT_THROW(train::clip_grad_norm({a}, 1.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_TRUE(std::isinf(train::clip_grad_norm({a}, 1.0)));  // as torch: no error by default
  EXPECT_THROW(train::clip_grad_norm({a}, -1.0), Error);
}

}  // namespace
}  // namespace attn
