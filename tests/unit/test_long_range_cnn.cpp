// The long-range classifiers (models/long_range_cnn.h): shapes, parameter counts by formula,
// the plain twin's count, the receptive field measured against the formula, and the point
// of the attention layer: a far pixel reaches a position only through it.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "autograd/autograd.h"
#include "helpers/errors.h"
#include "models/long_range_cnn.h"

namespace attn::models {
namespace {

using attn::testing::ThrowsWith;

TEST(LongRangeCnn, ShapesAndAttentionRows) {
  manual_seed(1);
  LongRangeCnn m(LongRangeCnnOptions().self_attention(true));
  const Tensor x = Tensor::randn({2, 3, 24, 24});
  const auto out = m(x, true);
  EXPECT_EQ(out.logits.shape(), (Shape{2}));
  ASSERT_EQ(out.attention.shape(), (Shape{2, 36, 36}));
  for (int64_t r = 0; r < 2 * 36; ++r) {
    double sum = 0;
    for (int64_t i = 0; i < 36; ++i) sum += out.attention.data()[r * 36 + i];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  EXPECT_EQ(m.gamma(), 0.0);
  EXPECT_FALSE(m(x, false).attention.defined());
  LongRangeCnn plain{LongRangeCnnOptions()};
  EXPECT_FALSE(plain(x, true).attention.defined());
  const Tensor loss = LongRangeCnn::loss(out.logits, Tensor::from_vector({1, 0}, {2}));
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_TRUE(std::isfinite(loss.item()));
}

TEST(LongRangeCnn, ParameterCountsAndPlainTwin) {
  for (const bool att : {false, true})
    for (const auto& ch : {std::vector<int64_t>{8, 32}, std::vector<int64_t>{4, 8, 16}}) {
      const auto o = LongRangeCnnOptions().channels(ch).self_attention(att).head_channels(5);
      EXPECT_EQ(long_range_cnn_parameters(o), LongRangeCnn(o).num_parameters());
    }
  const auto with = LongRangeCnnOptions().self_attention(true);
  const auto plain = plain_twin(with);
  EXPECT_FALSE(plain.self_attention());
  EXPECT_EQ(long_range_cnn_parameters(with), 4970);
  EXPECT_EQ(plain.head_channels(), 71);
  EXPECT_EQ(long_range_cnn_parameters(plain), 4975);
  // No other width comes closer.
  const int64_t gap = std::llabs(long_range_cnn_parameters(plain) - 4970);
  for (int64_t K : {70, 72})
    EXPECT_GE(std::llabs(long_range_cnn_parameters(LongRangeCnnOptions(plain).head_channels(K)) -
                         4970),
              gap);
}

// Which rows of the image change feature position (2, 2) of the last map: exactly the
// receptive field's 10 rows, [4 * 2 - 3, 4 * 2 + 6].
TEST(LongRangeCnn, ReceptiveFieldAsMeasured) {
  manual_seed(3);
  const LongRangeCnnOptions o;
  EXPECT_EQ(receptive_field(o), 10);
  EXPECT_EQ(receptive_field(LongRangeCnnOptions().channels({4, 4, 4})), 22);
  LongRangeCnn m(o);
  NoGradGuard no_grad;
  const Tensor base = Tensor::rand({1, 3, 24, 24});
  const Tensor f0 = m.features(base);
  std::set<int> rows;
  for (int y = 0; y < 24; ++y)
    for (const int x : {8, 9, 10}) {
      Tensor x1 = base.clone();
      for (int c = 0; c < 3; ++c) x1.data()[(c * 24 + y) * 24 + x] += 5;
      const Tensor f1 = m.features(x1);
      for (int64_t c = 0; c < f0.size(1); ++c) {
        const int64_t k = (c * 6 + 2) * 6 + 2;
        if (f1.data()[k] != f0.data()[k]) rows.insert(y);
      }
    }
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(*rows.begin(), 5);
  EXPECT_EQ(*rows.rbegin(), 14);
}

// A pixel far from position (0, 0) changes what reaches the head there only through the
// attention layer (once gamma is not 0).
TEST(LongRangeCnn, OnlyAttentionReachesFar) {
  manual_seed(4);
  LongRangeCnn m(LongRangeCnnOptions().self_attention(true));
  m.attention->gamma.data()[0] = 1;
  NoGradGuard no_grad;
  const Tensor base = Tensor::rand({1, 3, 24, 24});
  Tensor far = base.clone();
  for (int c = 0; c < 3; ++c) far.data()[(c * 24 + 22) * 24 + 22] += 5;  // bottom right corner
  const Tensor f0 = m.features(base), f1 = m.features(far);
  const Tensor y0 = (*m.attention)(f0).output, y1 = (*m.attention)(f1).output;
  double conv_change = 0, attention_change = 0;
  for (int64_t c = 0; c < f0.size(1); ++c) {
    const int64_t k = c * 36;  // position (0, 0)
    conv_change = std::max<double>(conv_change, std::abs(f1.data()[k] - f0.data()[k]));
    attention_change = std::max<double>(attention_change, std::abs(y1.data()[k] - y0.data()[k]));
  }
  EXPECT_EQ(conv_change, 0.0);
  EXPECT_GT(attention_change, 1e-4);
}

TEST(LongRangeCnn, BadInputsRefused) {
  LongRangeCnn m{LongRangeCnnOptions()};
  EXPECT_TRUE(ThrowsWith([&] { m(Tensor::zeros({1, 1, 24, 24})); }, {"[B, 3, S, S]"}));
  EXPECT_TRUE(ThrowsWith([&] { m(Tensor::zeros({1, 3, 22, 22})); }, {"divisible by 4"}));
  EXPECT_TRUE(ThrowsWith([&] { LongRangeCnn(LongRangeCnnOptions().channels({8, 4}).self_attention(true)); },
                         {"reduction"}));
}

}  // namespace
}  // namespace attn::models
