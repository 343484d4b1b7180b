// Exercise 2: the masked softmax. PyTorch's weights and gradients (fixtures/), a gradient
// check with a fully masked row, and the behaviour: zeros (never NaN) on a fully masked row,
// rows summing to 1, masked entries exactly 0 whatever their score, no overflow at large
// scores, the same weights after a shift of the scores.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/02_masked_softmax/masked_softmax.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"

namespace attn::exercises {
namespace {

using testing::tensor_of;

TEST(PyTorch, WeightsAndGradients) {
  const nlohmann::json fixture = load_exercise_fixture("02_masked_softmax/fixtures/masked_softmax.json");
  int k = 0;
  for (const nlohmann::json& c : fixture.at("cases")) {
    Tensor s = tensor_of(c, "scores", true);
    const Tensor mask = tensor_of(c, "mask");
    SCOPED_TRACE("case " + std::to_string(k++) + ": scores " + shape_str(s.shape()) + ", mask " +
                 shape_str(mask.shape()) + ", dim " + c.at("dim").dump());
    const Tensor w = masked_softmax(s, mask, c.at("dim").get<int64_t>());
    ASSERT_TRUE(Matches(w, tensor_of(c, "weights"), "weights"));
    (w * tensor_of(c, "grad_out")).sum().backward();
    EXPECT_TRUE(Matches(s.grad(), tensor_of(c, "grad_scores"), "dL/dscores"));
  }
}

TEST(Gradient, WithPaddingAndAFullyMaskedRow) {
  manual_seed(1);
  // [2, 3, 4] scores, mask [2, 3, 4]: row (1, 2) fully masked, others partly.
  std::vector<real> m(24, 0);
  for (int j = 0; j < 4; ++j) m[(1 * 3 + 2) * 4 + j] = 1;
  m[1] = m[6] = m[7] = m[13] = 1;
  const Tensor mask = Tensor::from_vector(m, {2, 3, 4});
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) { return masked_softmax(v[0], mask, -1); },
                             {Tensor::randn({2, 3, 4}, true)}, {"scores"}));
  // Along the middle dim with a broadcast mask [3, 1].
  const Tensor mask31 = Tensor::from_vector({0, 1, 0}, {3, 1});
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) { return masked_softmax(v[0], mask31, 1); },
                             {Tensor::randn({2, 3, 4}, true)}, {"scores"}));
}

TEST(Behaviour, FullyMaskedRowIsZeroNeverNaNWithZeroGradient) {
  Tensor s = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, true);
  const Tensor mask = Tensor::from_vector({0, 1, 0, 1, 1, 1}, {2, 3});
  const Tensor w = masked_softmax(s, mask, 1);
  EXPECT_TRUE(Matches(w.slice(0, 1, 2), Tensor::zeros({1, 3}), "weights of the fully masked row 1", 0));
  w.sum().backward();
  EXPECT_TRUE(Matches(s.grad().slice(0, 1, 2), Tensor::zeros({1, 3}),
                      "dL/dscores of the fully masked row 1", 0));
}

TEST(Behaviour, RowsSumToOneAndMaskedEntriesAreExactlyZero) {
  manual_seed(2);
  const Tensor s = Tensor::randn({3, 5});
  // Masked entries carry huge and infinite scores: they must not matter at all.
  std::vector<real> sv = s.to_vector();
  sv[1] = 1e6;
  sv[7] = std::numeric_limits<real>::infinity();
  sv[14] = -std::numeric_limits<real>::infinity();
  const Tensor mask = Tensor::from_vector({0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1}, {3, 5});
  const Tensor w = masked_softmax(Tensor::from_vector(sv, {3, 5}), mask, 1);
  EXPECT_TRUE(Matches(w.sum({1}), Tensor::ones({3}), "the sum of each row's weights", 1e-12));
  EXPECT_TRUE(Matches(w * mask, Tensor::zeros({3, 5}), "the weights of masked positions", 0));
  const Tensor w0 = masked_softmax(s, mask, 1);  // the same rows with ordinary masked scores
  EXPECT_TRUE(Matches(w, w0, "weights when masked scores are 1e6, inf or -inf (should not change)", 1e-12));
}

TEST(Behaviour, LargeScoresDoNotOverflowAndShiftsDoNotMatter) {
  const Tensor s = Tensor::from_vector({1000, 1001, 1002, -1000, -1001, -1002}, {2, 3});
  const Tensor none = Tensor::zeros({1, 3});
  const Tensor w = masked_softmax(s, none, 1);
  // softmax(1000, 1001, 1002) = softmax(0, 1, 2) = (e^0, e^1, e^2) / (1 + e + e^2).
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  const Tensor expected = Tensor::from_vector(
      {real(1 / z), real(std::exp(1.0) / z), real(std::exp(2.0) / z),
       real(std::exp(2.0) / z), real(std::exp(1.0) / z), real(1 / z)}, {2, 3});
  EXPECT_TRUE(Matches(w, expected, "weights of scores near +-1000", 1e-12));
}

TEST(Errors, AMaskThatDoesNotBroadcastIsAnError) {
  const std::string msg = testing::error_of([] {
    masked_softmax(Tensor::zeros({2, 3}), Tensor::zeros({4}), 1);
  });
  EXPECT_TRUE(msg.find("mask") != std::string::npos && msg.find("[4]") != std::string::npos &&
              msg.find("not done yet") == std::string::npos)
      << "a mask of shape [4] for scores [2, 3] must throw attn::Error naming the mask and its "
         "shape; the message was: \"" << msg << "\"";
}

}  // namespace
}  // namespace attn::exercises
