// The confident-label check of generated pictures (train/metrics/confident_labels.h).
#include <gtest/gtest.h>

#include <cmath>

#include "helpers/errors.h"
#include "train/metrics/confident_labels.h"

namespace attn::train {
namespace {

// Logits whose softmax puts p on class `k` and spreads 1 - p evenly over the other K - 1.
std::vector<real> row_with(int64_t K, int64_t k, double p) {
  const double rest = (1 - p) / double(K - 1);
  std::vector<real> z(static_cast<size_t>(K), static_cast<real>(std::log(rest)));
  z[static_cast<size_t>(k)] = static_cast<real>(std::log(p));
  return z;
}

TEST(ConfidentLabels, CountsConfidentSamplesAndTheirClasses) {
  const int64_t K = 4;
  std::vector<real> z;
  for (auto [k, p] : std::vector<std::pair<int64_t, double>>{
           {0, 0.95}, {0, 0.99}, {2, 0.5}, {3, 0.91}, {2, 0.3}, {1, 0.89}})
    for (real v : row_with(K, k, p)) z.push_back(v);
  const ConfidentLabelStats s = confident_label_stats(Tensor::from_vector(z, {6, K}), 0.9);
  EXPECT_EQ(s.samples, 6);
  EXPECT_EQ(s.classes, K);
  EXPECT_NEAR(s.confident_fraction, 3.0 / 6.0, 1e-12);  // 0.95, 0.99, 0.91
  EXPECT_EQ(s.histogram, (std::vector<int64_t>{2, 1, 2, 1}));
  EXPECT_EQ(s.confident_histogram, (std::vector<int64_t>{2, 0, 0, 1}));
  EXPECT_EQ(s.classes_covered, 2);
  EXPECT_NEAR(s.mean_max_probability, (0.95 + 0.99 + 0.5 + 0.91 + 0.3 + 0.89) / 6, 1e-6);
  // Shares 2/6, 1/6, 2/6, 1/6.
  const double h = -(2 * (1 / 3.0) * std::log(1 / 3.0) + 2 * (1 / 6.0) * std::log(1 / 6.0));
  EXPECT_NEAR(s.label_entropy, h / std::log(4.0), 1e-12);
}

TEST(ConfidentLabels, EntropyIsOneForEvenClassesAndZeroForCollapse) {
  std::vector<real> even, collapsed;
  for (int64_t i = 0; i < 20; ++i) {
    for (real v : row_with(10, i % 10, 0.97)) even.push_back(v);
    for (real v : row_with(10, 4, 0.97)) collapsed.push_back(v);
  }
  const auto e = confident_label_stats(Tensor::from_vector(even, {20, 10}));
  const auto c = confident_label_stats(Tensor::from_vector(collapsed, {20, 10}));
  EXPECT_NEAR(e.label_entropy, 1.0, 1e-12);
  EXPECT_EQ(e.classes_covered, 10);
  EXPECT_EQ(c.label_entropy, 0.0);
  EXPECT_EQ(c.classes_covered, 1);
  EXPECT_EQ(c.confident_fraction, 1.0);
}

TEST(ConfidentLabels, LargeLogitsDoNotOverflow) {
  const Tensor z = Tensor::from_vector({1000, -1000, 0, 5000, 5000, 4990}, {2, 3});
  const auto s = confident_label_stats(z, 0.9);
  EXPECT_EQ(s.histogram, (std::vector<int64_t>{2, 0, 0}));  // a tie goes to the first
  EXPECT_NEAR(s.confident_fraction, 0.5, 1e-12);            // the tie has p = 0.5
}

TEST(ConfidentLabels, ErrorsSayWhatIsWrong) {
  EXPECT_ERROR_HAS(confident_label_stats(Tensor::zeros({3})), "[N, K]");
  EXPECT_ERROR_HAS(confident_label_stats(Tensor::zeros({3, 1})), "K >= 2");
  EXPECT_ERROR_HAS(confident_label_stats(Tensor::zeros({3, 2}), 1.0), "threshold");
  Tensor z = Tensor::zeros({2, 3});
  z.data()[4] = std::nanf("");
  EXPECT_TRUE(testing::ThrowsWith([&] { confident_label_stats(z); }, {"logit 1", "sample 1"}));
}

}  // namespace
}  // namespace attn::train
