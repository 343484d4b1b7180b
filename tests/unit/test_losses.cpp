// Losses: values against a plain double-precision computation written here,
// the fused cross entropy against its composed reference (value and gradient),
// PyTorch's reduction rules, stability, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "layers/losses.h"

namespace attn {
namespace {

using nn::CrossEntropyOptions;
using nn::Reduction;
using testing::AllClose;

// Per-row cross entropy with label smoothing eps, straight from the definition,
// in double: -(1-eps) log p[t] - (eps/V) sum_c log p[c]. NaN for an ignored row.
std::vector<double> naive_ce_rows(const Tensor& logits, const Tensor& targets, double eps,
                                  int64_t ignore) {
  const int64_t V = logits.size(-1), N = targets.numel();
  std::vector<double> out(N);
  for (int64_t n = 0; n < N; ++n) {
    const auto t = static_cast<int64_t>(targets.data()[n]);
    if (t == ignore) {
      out[n] = std::nan("");
      continue;
    }
    const real* x = logits.data() + n * V;
    double z = 0;
    for (int64_t c = 0; c < V; ++c) z += std::exp(double(x[c]));
    double l = -(1 - eps) * (x[t] - std::log(z));
    for (int64_t c = 0; c < V; ++c) l -= eps / V * (x[c] - std::log(z));
    out[n] = l;
  }
  return out;
}

Tensor targets_of(std::vector<real> v, Shape s) {
  return Tensor::from_vector(v, s);
}

TEST(CrossEntropy, MeanMatchesTheDefinition) {
  manual_seed(1);
  Tensor x = Tensor::randn({6, 5});
  Tensor t = targets_of({0, 4, 2, 2, 1, 3}, {6});
  auto rows = naive_ce_rows(x, t, 0.0, -100);
  double mean = 0;
  for (double r : rows) mean += r / 6;
  EXPECT_NEAR(nn::cross_entropy(x, t).item(), mean, 1e-5);
  double total = 0;
  for (double r : rows) total += r;
  EXPECT_NEAR(nn::cross_entropy(x, t, CrossEntropyOptions().reduction(Reduction::Sum)).item(),
              total, 1e-4);
  Tensor none = nn::cross_entropy(x, t, CrossEntropyOptions().reduction(Reduction::None));
  ASSERT_EQ(none.shape(), (Shape{6}));
  for (int n = 0; n < 6; ++n) EXPECT_NEAR(none.data()[n], rows[n], 1e-5);
}

TEST(CrossEntropy, MeanIsOverTheTargetsNotIgnored) {
  manual_seed(2);
  Tensor x = Tensor::randn({5, 4});
  Tensor t = targets_of({1, -100, 3, -100, 0}, {5});
  auto rows = naive_ce_rows(x, t, 0.0, -100);
  const double mean = (rows[0] + rows[2] + rows[4]) / 3;  // 3 targets count, not 5
  EXPECT_NEAR(nn::cross_entropy(x, t).item(), mean, 1e-5);
  Tensor none = nn::cross_entropy(x, t, CrossEntropyOptions().reduction(Reduction::None));
  EXPECT_EQ(none.data()[1], 0);
  EXPECT_EQ(none.data()[3], 0);
  // A custom ignore_index; a target equal to it may lie outside [0, V).
  Tensor t2 = targets_of({1, 7, 3, 7, 0}, {5});
  EXPECT_NEAR(nn::cross_entropy(x, t2, CrossEntropyOptions().ignore_index(7)).item(), mean, 1e-5);
}

TEST(CrossEntropy, EveryTargetIgnoredGivesNaNAsPyTorch) {
  Tensor x = Tensor::randn({2, 3}, true);
  Tensor loss = nn::cross_entropy(x, targets_of({-100, -100}, {2}));
  EXPECT_TRUE(std::isnan(loss.item()));
  EXPECT_EQ(nn::cross_entropy(x, targets_of({-100, -100}, {2}),
                              CrossEntropyOptions().reduction(Reduction::Sum))
                .item(),
            0);
}

TEST(CrossEntropy, LabelSmoothingAsPyTorch) {
  manual_seed(3);
  Tensor x = Tensor::randn({4, 6});
  Tensor t = targets_of({5, 0, -100, 2}, {4});
  auto rows = naive_ce_rows(x, t, 0.2, -100);
  const double mean = (rows[0] + rows[1] + rows[3]) / 3;
  EXPECT_NEAR(nn::cross_entropy(x, t, CrossEntropyOptions().label_smoothing(0.2)).item(), mean,
              1e-5);
  EXPECT_ERROR_HAS(nn::cross_entropy(x, t, CrossEntropyOptions().label_smoothing(1.5)),
                   "label_smoothing 1.5 is outside [0, 1]");
}

// [B, T, V] with [B, T] is the same loss as [B*T, V] with [B*T].
TEST(CrossEntropy, BTVLayoutEqualsFlattened) {
  manual_seed(4);
  Tensor x = Tensor::randn({2, 3, 5}, true);
  Tensor t = targets_of({0, 1, 4, -100, 2, 3}, {2, 3});
  const auto o = CrossEntropyOptions().label_smoothing(0.1);
  Tensor a = nn::cross_entropy(x, t, o);
  a.backward();
  Tensor ga = x.grad();
  x.zero_grad();
  Tensor b = nn::cross_entropy(reshape(x, {6, 5}), reshape(t, {6}), o);
  b.backward();
  EXPECT_NEAR(a.item(), b.item(), 1e-6);
  EXPECT_TRUE(AllClose(ga, x.grad(), 1e-6, 1e-7));
  Tensor none = nn::cross_entropy(x, t, CrossEntropyOptions().reduction(Reduction::None));
  EXPECT_EQ(none.shape(), (Shape{2, 3}));
}

// The fused op and the composed reference: values and dlogits, every option.
// float: tolerance 1e-5 relative + 1e-6 absolute.
TEST(CrossEntropy, FusedEqualsComposed) {
  const std::vector<CrossEntropyOptions> options = {
      CrossEntropyOptions(),
      CrossEntropyOptions().reduction(Reduction::Sum),
      CrossEntropyOptions().label_smoothing(0.1),
      CrossEntropyOptions().label_smoothing(0.3).reduction(Reduction::Sum),
      CrossEntropyOptions().ignore_index(2).label_smoothing(0.05),
  };
  manual_seed(5);
  Tensor x = Tensor::randn({7, 9}, true);
  Tensor t = targets_of({0, 8, 2, -100, 4, 2, 6}, {7});
  Tensor t_ignore2 = targets_of({0, 8, 2, 3, 4, 2, 6}, {7});  // for ignore_index(2)
  for (size_t k = 0; k < options.size(); ++k) {
    SCOPED_TRACE("options #" + std::to_string(k));
    x.zero_grad();
    const Tensor& tk = options[k].ignore_index() == 2 ? t_ignore2 : t;
    Tensor lf = nn::cross_entropy(x, tk, options[k]);
    lf.backward();
    Tensor gf = x.grad();
    x.zero_grad();
    Tensor lc = nn::cross_entropy_composed(x, tk, options[k]);
    lc.backward();
    EXPECT_NEAR(lf.item(), lc.item(), 1e-5 * std::abs(lc.item()) + 1e-6);
    EXPECT_TRUE(AllClose(gf, x.grad(), 1e-5, 1e-6));
  }
  // Reduction::None with a non-uniform upstream gradient.
  Tensor g = Tensor::randn({7});
  x.zero_grad();
  nn::cross_entropy(x, t, CrossEntropyOptions().reduction(Reduction::None)).backward(g);
  Tensor gf = x.grad();
  x.zero_grad();
  nn::cross_entropy_composed(x, t, CrossEntropyOptions().reduction(Reduction::None)).backward(g);
  EXPECT_TRUE(AllClose(gf, x.grad(), 1e-5, 1e-6));
}

TEST(CrossEntropy, GradientIsSoftmaxMinusOneHotOverN) {
  Tensor x = Tensor::from_vector({0, 0, 0, 0, 1, 2}, {2, 3}, true);
  nn::cross_entropy(x, targets_of({1, 2}, {2})).backward();
  // row 0: p = 1/3 each; row 1: p = softmax(0, 1, 2); each row / 2 (the mean).
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  std::vector<real> expected = {
      real(1.0 / 6),   real((1.0 / 3 - 1) / 2),     real(1.0 / 6),
      real(1 / z / 2), real(std::exp(1.0) / z / 2), real((std::exp(2.0) / z - 1) / 2)};
  EXPECT_TRUE(AllClose(x.grad().to_vector(), expected, 1e-5, 1e-7));
}

TEST(CrossEntropy, StableForHugeLogits) {
  Tensor x = Tensor::from_vector({1000, 1001, -1000, 0}, {2, 2}, true);
  Tensor loss = nn::cross_entropy(x, targets_of({0, 1}, {2}),
                                  CrossEntropyOptions().reduction(Reduction::None));
  // -log softmax(1000, 1001)[0] = log(1 + e) ; row 1: -log(e^0 / (e^-1000 + 1)) ~ 0
  EXPECT_NEAR(loss.data()[0], std::log1p(std::exp(1.0)), 1e-5);
  EXPECT_NEAR(loss.data()[1], 0.0, 1e-6);
  loss.sum().backward();
  for (real v : x.grad().to_vector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(CrossEntropy, ErrorsNameValuePositionAndShapes) {
  Tensor x = Tensor::zeros({2, 3, 4});
  EXPECT_ERROR_HAS(nn::cross_entropy(x, targets_of({0, 1, 2, 3, 9, 1}, {2, 3})),
                   "target 9 at position [1,1] is out of range for 4 classes");
  EXPECT_ERROR_HAS(nn::cross_entropy(x, targets_of({0, 1, -1, 3, 0, 1}, {2, 3})),
                   "target -1 at position [0,2]");
  EXPECT_ERROR_HAS(nn::cross_entropy(x, targets_of({0, 1, 2}, {3})),
                   "scores of shape [2,3,4] and targets of shape [3] do not match; expected "
                   "targets of shape [2,3]");
  EXPECT_ERROR_HAS(nn::cross_entropy(x, targets_of({0, 1, 2.5, 3, 0, 1}, {2, 3})),
                   "target 2.5 at position [0,2] is not a whole number");
  // ignore_index is not an error even though it lies outside [0, V)
  EXPECT_NO_THROW(nn::cross_entropy(x, targets_of({0, 1, -100, 3, 0, 1}, {2, 3})));
}

TEST(NllLoss, EqualsCrossEntropyOfLogSoftmax) {
  manual_seed(6);
  Tensor x = Tensor::randn({5, 4});
  Tensor t = targets_of({3, -100, 0, 1, 1}, {5});
  EXPECT_NEAR(nn::nll_loss(log_softmax(x, -1), t).item(), nn::cross_entropy(x, t).item(), 1e-5);
  Tensor lp = Tensor::from_vector({-1, -2, -3, -4}, {2, 2});
  EXPECT_NEAR(nn::nll_loss(lp, targets_of({1, 0}, {2})).item(), (2 + 3) / 2.0, 1e-6);
  EXPECT_ERROR_HAS(nn::nll_loss(lp, targets_of({1, 2}, {2})), "nll_loss: target 2 at position [1]");
}

TEST(MseLoss, ValueAndGradient) {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2}, true);
  Tensor b = Tensor::from_vector({1, 0, 5, 1}, {2, 2});
  Tensor loss = nn::mse_loss(a, b);
  EXPECT_NEAR(loss.item(), (0 + 4 + 4 + 9) / 4.0, 1e-6);
  loss.backward();  // 2 (a - b) / 4
  EXPECT_TRUE(AllClose(a.grad().to_vector(), {0, 1, -1, 1.5}, 0, 1e-6));
  EXPECT_NEAR(nn::mse_loss(a, b, nn::MSELossOptions().reduction(Reduction::Sum)).item(), 17, 1e-5);
  EXPECT_ERROR_HAS(nn::mse_loss(a, Tensor::zeros({4})),
                   "input of shape [2,2] and target of shape [4] differ");
}

TEST(BceWithLogits, MatchesTheNaiveFormWhereThatIsSafe) {
  manual_seed(7);
  Tensor x = Tensor::randn({3, 4}, true);
  Tensor y = Tensor::rand({3, 4});
  Tensor loss = nn::binary_cross_entropy_with_logits(
      x, y, nn::BCEWithLogitsOptions().reduction(Reduction::None));
  for (int64_t i = 0; i < 12; ++i) {
    const double s = 1 / (1 + std::exp(-double(x.data()[i]))), t = y.data()[i];
    EXPECT_NEAR(loss.data()[i], -(t * std::log(s) + (1 - t) * std::log(1 - s)), 1e-5);
  }
  nn::binary_cross_entropy_with_logits(x, y).backward();  // (sigmoid(x) - y) / 12
  for (int64_t i = 0; i < 12; ++i) {
    const double s = 1 / (1 + std::exp(-double(x.data()[i])));
    EXPECT_NEAR(x.grad().data()[i], (s - y.data()[i]) / 12, 1e-6);
  }
}

TEST(BceWithLogits, StableForHugeLogits) {
  Tensor x = Tensor::from_vector({100, -100, 100, -100}, {4});
  Tensor y = Tensor::from_vector({0, 1, 1, 0}, {4});
  Tensor loss = nn::binary_cross_entropy_with_logits(
      x, y, nn::BCEWithLogitsOptions().reduction(Reduction::None));
  // log(1 + e^100) - 0 = 100 (to float precision); confident and right: ~e^-100.
  EXPECT_NEAR(loss.data()[0], 100, 1e-4);
  EXPECT_NEAR(loss.data()[1], 100, 1e-4);
  EXPECT_NEAR(loss.data()[2], 0, 1e-30);
  EXPECT_NEAR(loss.data()[3], 0, 1e-30);
  EXPECT_ERROR_HAS(nn::binary_cross_entropy_with_logits(x, Tensor::zeros({2, 2})),
                   "logits of shape [4] and targets of shape [2,2] differ");
}

}  // namespace
}  // namespace attn
