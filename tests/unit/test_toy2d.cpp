// The spiral dataset: deterministic under a seed, balanced, in the unit disc.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/toy2d.h"

namespace attn::data {
namespace {

TEST(Spirals, ShapesAndBalance) {
  const Toy2d d = make_spirals({.points_per_class = 50, .classes = 4}, 7);
  EXPECT_EQ(d.classes, 4);
  ASSERT_EQ(d.points.shape(), (Shape{200, 2}));
  ASSERT_EQ(d.labels.shape(), (Shape{200}));
  std::vector<int> count(4, 0);
  for (real l : d.labels.to_vector()) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, 4);
    ASSERT_EQ(l, std::floor(l)) << "labels are whole numbers";
    ++count[static_cast<int>(l)];
  }
  for (int c = 0; c < 4; ++c) EXPECT_EQ(count[c], 50) << "class " << c;
}

TEST(Spirals, SameSeedSameData_OtherSeedOtherData) {
  const SpiralOptions o{.points_per_class = 30, .classes = 3};
  const Toy2d a = make_spirals(o, 42);
  manual_seed(999);  // the global generator must not matter
  (void)Tensor::randn({10});
  const Toy2d b = make_spirals(o, 42);
  EXPECT_EQ(a.points.to_vector(), b.points.to_vector());
  EXPECT_EQ(a.labels.to_vector(), b.labels.to_vector());
  const Toy2d c = make_spirals(o, 43);
  EXPECT_NE(a.points.to_vector(), c.points.to_vector());
}

TEST(Spirals, PointsLieInTheUnitDiscAndFollowTheirArm) {
  // Without noise and shuffling, point i of arm k is exactly at radius
  // r = i / (n-1) and angle 2 pi k / K + turns 2 pi r.
  const int64_t n = 20;
  const Toy2d d = make_spirals(
      {.points_per_class = n, .classes = 3, .turns = 0.75, .noise = 0, .shuffle = false}, 1);
  const double tol = 1e-5;  // float storage of values of size <= 1
  for (int k = 0; k < 3; ++k) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = k * n + i;
      const double x = d.points.at({j, 0}), y = d.points.at({j, 1});
      const double r = static_cast<double>(i) / (n - 1);
      const double theta = 2 * M_PI * k / 3 + 0.75 * 2 * M_PI * r;
      EXPECT_NEAR(x, r * std::cos(theta), tol) << "arm " << k << " point " << i;
      EXPECT_NEAR(y, r * std::sin(theta), tol) << "arm " << k << " point " << i;
      EXPECT_EQ(d.labels.at({j}), k);
    }
  }
  const Toy2d noisy = make_spirals({.points_per_class = 100, .noise = 0.5}, 3);
  const std::vector<real> p = noisy.points.to_vector();
  for (size_t j = 0; j < p.size(); j += 2)
    EXPECT_LE(std::hypot(p[j], p[j + 1]), 1.0 + tol) << "point " << j / 2;
}

TEST(Spirals, ShuffleMixesTheClasses) {
  const Toy2d d = make_spirals({.points_per_class = 100, .classes = 2}, 5);
  // The first 50 points of a shuffled set hold both classes.
  int ones = 0;
  for (int64_t j = 0; j < 50; ++j) ones += d.labels.at({j}) == 1;
  EXPECT_GT(ones, 5);
  EXPECT_LT(ones, 45);
}

TEST(Spirals, BadOptionsAreErrors) {
  try {
    make_spirals({.points_per_class = 1}, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("points_per_class is 1, expected at least 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(make_spirals({.classes = 1}, 0), Error);
  EXPECT_THROW(make_spirals({.turns = 0}, 0), Error);
  EXPECT_THROW(make_spirals({.noise = -1}, 0), Error);
}

}  // namespace
}  // namespace attn::data
