// Attention correctness: hand-computed shares, the uniform baseline, grids that do not
// divide the image evenly.
#include <gtest/gtest.h>

#include <vector>

#include "autograd/error.h"
#include "train/metrics/attention_correctness.h"

namespace attn::train {
namespace {

TEST(AttentionCorrectness, AllMassOnTheBoxesRegionScoresOne) {
  // 2x2 grid over a 4x4 image; the box is the top-right quarter exactly.
  const std::vector<float> alpha{0, 1, 0, 0};
  EXPECT_DOUBLE_EQ(attention_in_box(alpha, 2, 2, 4, 4, {2, 0, 4, 2}), 1.0);
  EXPECT_DOUBLE_EQ(attention_in_box(alpha, 2, 2, 4, 4, {0, 2, 2, 4}), 0.0);
}

TEST(AttentionCorrectness, PartialOverlapCountsByArea) {
  // Region (0,0) covers pixels [0,2)x[0,2); the box [1,3)x[1,3) covers a quarter of each
  // of the four regions.
  const std::vector<float> alpha{0.4f, 0.3f, 0.2f, 0.1f};
  EXPECT_NEAR(attention_in_box(alpha, 2, 2, 4, 4, {1, 1, 3, 3}), 0.25, 1e-7);
  // Only the top-left region's quarter: 0.4 * 1/4.
  EXPECT_NEAR(attention_in_box(alpha, 2, 2, 4, 4, {1, 1, 2, 2}), 0.1, 1e-7);
}

TEST(AttentionCorrectness, UniformAttentionScoresTheBaseline) {
  // A 7x7 grid on 48 px: regions of 48/7 px, not whole. Uniform attention gives the box's
  // share of the image exactly.
  const std::vector<float> uniform(49, 1.0f / 49);
  const Box box{5, 9, 19, 30};
  const double share = (14.0 * 21.0) / (48.0 * 48.0);
  EXPECT_NEAR(attention_in_box(uniform, 7, 7, 48, 48, box), share, 1e-6);
  const AttentionCorrectness ac =
      attention_correctness({{uniform, box}, {uniform, {0, 0, 48, 48}}}, 7, 7, 48, 48);
  EXPECT_EQ(ac.words, 2);
  EXPECT_NEAR(ac.mean, (share + 1.0) / 2, 1e-6);
  EXPECT_NEAR(ac.uniform_baseline, (share + 1.0) / 2, 1e-12);
}

TEST(AttentionCorrectness, EmptyAndWrongSizes) {
  const AttentionCorrectness ac = attention_correctness({}, 3, 3, 48, 48);
  EXPECT_EQ(ac.words, 0);
  EXPECT_EQ(ac.mean, 0.0);
  EXPECT_THROW(attention_in_box(std::vector<float>(8, 0.125f), 3, 3, 48, 48, {0, 0, 1, 1}), Error);
}

}  // namespace
}  // namespace attn::train
