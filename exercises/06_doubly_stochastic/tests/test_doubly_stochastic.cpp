// Exercise 6: the doubly stochastic regulariser. PyTorch's received attention, penalty and
// gradients (fixtures/), central differences, agreement with the captioner's own penalty
// (models/captioner.h), and what the regulariser is for: zero when every region is looked at
// exactly once, padding ignored, and gradient descent on it spreads the attention out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/06_doubly_stochastic/doubly_stochastic.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "models/captioner.h"

namespace attn::exercises {
namespace {

using testing::tensor_of;

TEST(PyTorch, ReceivedPenaltyAndGradients) {
  const nlohmann::json fixture = load_exercise_fixture("06_doubly_stochastic/fixtures/doubly_stochastic.json");
  int k = 0;
  for (const nlohmann::json& c : fixture.at("cases")) {
    SCOPED_TRACE("case " + std::to_string(k++) + ", lambda " + c.at("lambda").dump());
    Tensor scores = tensor_of(c, "scores", true);
    const Tensor mask = tensor_of(c, "mask");
    const Tensor alpha = softmax(scores, 2);
    ASSERT_TRUE(Matches(attention_received(alpha, mask), tensor_of(c, "received"), "received"));
    Tensor p = doubly_stochastic_penalty(alpha, mask, c.at("lambda").get<double>());
    ASSERT_TRUE(Matches(p, tensor_of(c, "penalty"), "penalty"));
    p.backward();
    EXPECT_TRUE(Matches(scores.grad(), tensor_of(c, "grad_scores"), "dpenalty/dscores (through the softmax)"));
    Tensor a = tensor_of(c, "alpha", true);
    doubly_stochastic_penalty(a, mask, c.at("lambda").get<double>()).backward();
    EXPECT_TRUE(Matches(a.grad(), tensor_of(c, "grad_alpha"), "dpenalty/dalpha"));
  }
}

TEST(Gradient, PenaltyWithPadding) {
  manual_seed(1);
  const Tensor mask = Tensor::from_vector({1, 1, 1, 1, 1, 0}, {2, 3});
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) {
    return doubly_stochastic_penalty(softmax(v[0], 2), mask, 0.7);
  }, {Tensor::randn({2, 3, 4}, true)}, {"scores"}));
}

TEST(Behaviour, EqualsTheCaptionersPenalty) {
  manual_seed(2);
  const Tensor alpha = softmax(Tensor::randn({3, 5, 6}), 2);
  const Tensor mask = Tensor::from_vector({1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0}, {3, 5});
  EXPECT_TRUE(Matches(doubly_stochastic_penalty(alpha, mask, 1.5),
                      models::doubly_stochastic_penalty(alpha, mask, 1.5),
                      "your penalty vs models::doubly_stochastic_penalty", 1e-12));
}

TEST(Behaviour, ZeroWhenEveryRegionIsSeenOnceAndPaddingIgnored) {
  // T = L = 3 and step t looks only at region t: every region receives exactly 1.
  std::vector<real> eye(2 * 4 * 3, 0);
  for (int t = 0; t < 3; ++t) eye[t * 3 + t] = 1;
  for (int t = 0; t < 3; ++t) eye[12 + t * 3 + t] = 1;
  eye[9] = 1;                 // a 4th step of row 0 looking at region 0 again ...
  eye[12 + 9 + 1] = 1;        // ... and of row 1 at region 1
  const Tensor alpha = Tensor::from_vector(eye, {2, 4, 3});
  const Tensor mask = Tensor::from_vector({1, 1, 1, 0, 1, 1, 1, 0}, {2, 4});  // ... both padded
  EXPECT_TRUE(Matches(attention_received(alpha, mask), Tensor::ones({2, 3}),
                      "received when each region is looked at once (the padded 4th step must not count)", 0));
  EXPECT_TRUE(Matches(doubly_stochastic_penalty(alpha, mask, 1), Tensor::scalar(0),
                      "the penalty when each region is looked at once", 0));
  // Row 0 without its mask: region 0 received 2, so the penalty is (1 - 2)^2 / B = 0.5.
  EXPECT_TRUE(Matches(doubly_stochastic_penalty(alpha, Tensor::from_vector({1, 1, 1, 1, 1, 1, 1, 0}, {2, 4}), 1),
                      Tensor::scalar(0.5), "the penalty when region 0 of row 0 is looked at twice (B = 2)", 1e-15));
}

TEST(Behaviour, DescentOnThePenaltySpreadsTheAttention) {
  // Every step starts looking at region 0; minimising the penalty alone moves the steps
  // apart until each region is looked at about once.
  Tensor logits = Tensor::from_vector({3, 0, 0, 0, 3, 0.1, 0, 0, 3, 0, 0.1, 0, 3, 0, 0, 0.1}, {1, 4, 4}, true);
  const Tensor mask = Tensor::ones({1, 4});
  const double before = doubly_stochastic_penalty(softmax(logits, 2), mask, 1).item();
  for (int it = 0; it < 400; ++it) {
    logits.zero_grad();
    doubly_stochastic_penalty(softmax(logits, 2), mask, 1).backward();
    NoGradGuard no_grad;
    real* p = logits.data();
    const real* g = logits.grad().data();
    for (int64_t i = 0; i < logits.numel(); ++i) p[i] -= 2 * g[i];
  }
  const Tensor received = attention_received(softmax(logits, 2), mask);
  EXPECT_TRUE(Matches(received, Tensor::ones({1, 4}),
                      "received after 400 steps of gradient descent on the penalty (from all steps on region 0, penalty " +
                          std::to_string(before) + ")", 0.05));
}

TEST(Errors, ShapesThatDoNotFitAreNamed) {
  EXPECT_TRUE(testing::ThrowsWith([] { attention_received(Tensor::zeros({2, 3, 4}), Tensor::zeros({2, 4})); },
                                  {"attention_received", "[2,3,4]", "[2,4]"}));
  EXPECT_TRUE(testing::ThrowsWith([] { attention_received(Tensor::zeros({2, 3}), Tensor::zeros({2, 3})); },
                                  {"attention_received", "[2,3]"}));
}

}  // namespace
}  // namespace attn::exercises
