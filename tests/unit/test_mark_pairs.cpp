// Mark pairs (data/mark_pairs.h): the marks where they say, at the distance asked, the right
// colours and labels, balanced, deterministic under a seed; bad options refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "autograd/random.h"
#include "data/mark_pairs.h"
#include "helpers/errors.h"

namespace attn::data {
namespace {

using attn::testing::ThrowsWith;

MarkPairOptions quiet() {
  MarkPairOptions o;
  o.noise = 0;  // exact pixel values
  o.speckles = 0;
  return o;
}

real pixel(const MarkPairSet& s, int64_t i, int c, int y, int x) {
  const int64_t S = s.images.size(2);
  return s.images.data()[((i * 3 + c) * S + y) * S + x];
}

TEST(MarkPairs, MarksAtTheirPlacesDistanceAndColours) {
  const MarkPairOptions o = quiet();
  Generator gen(3);
  const MarkPairSet s = make_mark_pairs(o, every_distance(o, 4), gen);
  ASSERT_EQ(s.images.shape(), (Shape{4 * 17, 3, 24, 24}));
  ASSERT_EQ(s.labels.shape(), (Shape{4 * 17}));
  for (int64_t i = 0; i < s.size(); ++i) {
    const MarkPair& p = s.marks[size_t(i)];
    EXPECT_EQ(p.distance, o.min_distance + int(i / 4));
    EXPECT_EQ(std::max(std::abs(p.y2 - p.y1), std::abs(p.x2 - p.x1)), p.distance);
    for (int v : {p.y1, p.x1, p.y2, p.x2}) {
      EXPECT_GE(v, 0);
      EXPECT_LE(v, o.image_size - o.mark_size);
    }
    EXPECT_EQ(p.match(), i % 2 == 0);
    EXPECT_EQ(s.labels.data()[i], p.match() ? 1 : 0);
    // Every pixel of each mark is its colour; everything else is background (0).
    int lit = 0;
    for (int y = 0; y < o.image_size; ++y)
      for (int x = 0; x < o.image_size; ++x) {
        const bool in1 = y >= p.y1 && y < p.y1 + 3 && x >= p.x1 && x < p.x1 + 3;
        const bool in2 = y >= p.y2 && y < p.y2 + 3 && x >= p.x2 && x < p.x2 + 3;
        ASSERT_FALSE(in1 && in2) << "the marks overlap";
        const auto rgb = in1 ? mark_colour(p.colour1) : in2 ? mark_colour(p.colour2)
                                                            : std::array<float, 3>{0, 0, 0};
        for (int c = 0; c < 3; ++c) ASSERT_EQ(pixel(s, i, c, y, x), rgb[size_t(c)]);
        lit += in1 || in2;
      }
    EXPECT_EQ(lit, 18);
  }
}

TEST(MarkPairs, BalancedAndEveryColourPairSeen) {
  const MarkPairOptions o = quiet();
  Generator gen(5);
  const MarkPairSet s = make_mark_pairs(o, uniform_distances(o, 2000, gen), gen);
  int matches = 0;
  std::vector<int> colour_count(4, 0), pair_count(16, 0);
  for (const MarkPair& p : s.marks) {
    matches += p.match();
    ++colour_count[size_t(p.colour1)], ++colour_count[size_t(p.colour2)];
    ++pair_count[size_t(p.colour1 * 4 + p.colour2)];
  }
  EXPECT_EQ(matches, 1000);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(colour_count[size_t(c)], 1000, 120) << "colour " << c;
  for (int k = 0; k < 16; ++k) EXPECT_GT(pair_count[size_t(k)], 0) << "pair " << k;
}

TEST(MarkPairs, SameSeedSameImages_OtherSeedOther) {
  const MarkPairOptions o;  // with noise and speckles
  Generator a(9), b(9), c(10);
  const auto sa = make_mark_pairs(o, uniform_distances(o, 6, a), a);
  const auto sb = make_mark_pairs(o, uniform_distances(o, 6, b), b);
  const auto sc = make_mark_pairs(o, uniform_distances(o, 6, c), c);
  EXPECT_EQ(sa.images.to_vector(), sb.images.to_vector());
  EXPECT_NE(sa.images.to_vector(), sc.images.to_vector());
}

TEST(MarkPairs, FarthestDistanceReachable) {
  MarkPairOptions o = quiet();
  o.min_distance = o.max_distance = o.image_size - o.mark_size;  // corner to corner only
  Generator gen(1);
  const auto s = make_mark_pairs(o, every_distance(o, 2), gen);
  for (const MarkPair& p : s.marks) EXPECT_EQ(std::max(std::abs(p.y2 - p.y1), std::abs(p.x2 - p.x1)), 21);
}

TEST(MarkPairs, BadOptionsRefused) {
  MarkPairOptions o;
  o.min_distance = 3;
  EXPECT_TRUE(ThrowsWith([&] { check_mark_pair_options(o); }, {"min_distance", "touch"}));
  o = {};
  o.max_distance = 22;
  EXPECT_TRUE(ThrowsWith([&] { check_mark_pair_options(o); }, {"max_distance", "at most 21"}));
  o = {};
  o.colours = 7;
  EXPECT_TRUE(ThrowsWith([&] { check_mark_pair_options(o); }, {"colours"}));
  o = {};
  Generator gen(0);
  EXPECT_TRUE(ThrowsWith([&] { make_mark_pairs(o, {3}, gen); }, {"distance 3"}));
}

// The ceiling of a sum of one term per mark, against a search over weights and thresholds.
TEST(MarkPairs, AdditiveCeilingIsTheBestSum) {
  EXPECT_DOUBLE_EQ(additive_ceiling(2), 0.75);
  EXPECT_NEAR(additive_ceiling(4), 2.0 / 3.0, 1e-12);
  for (const int K : {3, 4}) {
    double best = 0;
    std::vector<int> w(size_t(K), -4);
    for (;;) {  // every weight vector in {-4..4}^K, every threshold between sums
      for (int t2 = -17; t2 <= 17; ++t2) {
        double acc = 0;
        for (int i = 0; i < K; ++i)
          for (int j = 0; j < K; ++j) {
            const double p = i == j ? 0.5 / K : 0.5 / (K * (K - 1));
            acc += p * (((w[size_t(i)] + w[size_t(j)]) * 2 > t2) == (i == j));
          }
        best = std::max(best, acc);
      }
      size_t k = 0;
      while (k < w.size() && w[k] == 4) w[k++] = -4;
      if (k == w.size()) break;
      ++w[k];
    }
    EXPECT_NEAR(best, additive_ceiling(K), 1e-12) << "K = " << K;
  }
}

}  // namespace
}  // namespace attn::data
