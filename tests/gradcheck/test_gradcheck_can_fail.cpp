// The check must be able to fail: ops with a deliberately wrong backward
// (a sign flipped, a term dropped, a factor missing) are caught, and the
// report names the op and prints every failing number.
#include <gtest/gtest.h>

#include "autograd/autograd.h"
#include "autograd/gradcheck.h"

namespace attn {
namespace {

// x * y, but backward says d/dx = -y (a sign error).
Tensor mul_wrong_sign(const Tensor& x, const Tensor& y) {
  Tensor out = [&] { NoGradGuard g; return mul(x, y); }();
  return record("mul_wrong_sign", out, {x, y}, [x, y](const Tensor& g) {
    return std::vector<Tensor>{neg(mul(g, y)), mul(g, x)};
  });
}

// x^2, but backward says d/dx = x (the factor 2 dropped).
Tensor square_missing_factor(const Tensor& x) {
  Tensor out = [&] { NoGradGuard g; return mul(x, x); }();
  return record("square_missing_factor", out, {x}, [x](const Tensor& g) {
    return std::vector<Tensor>{mul(g, x)};
  });
}

// x * y + x, but backward forgets the "+ x" term: d/dx = y instead of y + 1.
Tensor dropped_term(const Tensor& x, const Tensor& y) {
  Tensor out = [&] { NoGradGuard g; return add(mul(x, y), x); }();
  return record("dropped_term", out, {x, y}, [x, y](const Tensor& g) {
    return std::vector<Tensor>{mul(g, y), mul(g, x)};
  });
}

TEST(GradcheckCanFail, CatchesASignError) {
  manual_seed(3);
  std::vector<Tensor> in{Tensor::randn({3, 7}, true), Tensor::randn({3, 7}, true)};
  auto r = gradcheck([](const std::vector<Tensor>& x) { return mul_wrong_sign(x[0], x[1]); }, in,
                     {}, "mul_wrong_sign");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.mismatches.size(), 21u);  // every element of x, none of y
  for (const auto& m : r.mismatches) EXPECT_EQ(m.input, 0u);
  const std::string rep = r.report(in);
  EXPECT_NE(rep.find("gradcheck(mul_wrong_sign): FAILED"), std::string::npos) << rep;
  EXPECT_NE(rep.find("analytic"), std::string::npos) << rep;
  EXPECT_NE(rep.find("numeric"), std::string::npos) << rep;
}

TEST(GradcheckCanFail, CatchesAMissingFactor) {
  manual_seed(4);
  std::vector<Tensor> in{Tensor::randn({17}, true)};
  auto r = gradcheck([](const std::vector<Tensor>& x) { return square_missing_factor(x[0]); }, in);
  EXPECT_FALSE(r.ok);
  EXPECT_NEAR(r.max_rel_error, 0.5, 1e-6);  // analytic is half the true value
}

TEST(GradcheckCanFail, CatchesADroppedTerm) {
  manual_seed(5);
  std::vector<Tensor> in{Tensor::randn({7}, true), Tensor::randn({7}, true)};
  auto r = gradcheck([](const std::vector<Tensor>& x) { return dropped_term(x[0], x[1]); }, in);
  EXPECT_FALSE(r.ok);
}

TEST(GradcheckCanFail, TheCorrectOpPassesTightly) {
  manual_seed(3);
  std::vector<Tensor> in{Tensor::randn({3, 7}, true), Tensor::randn({3, 7}, true)};
  auto r = gradcheck([](const std::vector<Tensor>& x) { return add(mul(x[0], x[1]), x[0]); }, in);
  EXPECT_TRUE(r.ok) << r.report(in);
  EXPECT_LT(r.max_rel_error, 1e-7);
}

// x * y, but backward is 1e-4 too large: the kind of slip a wrong constant
// (an epsilon in the wrong place) leaves. Far below what training would show.
Tensor mul_slightly_off(const Tensor& x, const Tensor& y) {
  Tensor out = [&] { NoGradGuard g; return mul(x, y); }();
  return record("mul_slightly_off", out, {x, y}, [x, y](const Tensor& g) {
    return std::vector<Tensor>{mul(mul(g, y), Tensor::scalar(real(1 + 1e-4))), mul(g, x)};
  });
}

TEST(GradcheckCanFail, CatchesAnErrorOfOnePartInTenThousand) {
  manual_seed(6);
  std::vector<Tensor> in{Tensor::randn({3, 7}, true), Tensor::randn({3, 7}, true)};
  auto r = gradcheck([](const std::vector<Tensor>& x) { return mul_slightly_off(x[0], x[1]); },
                     in);
  EXPECT_FALSE(r.ok) << r.report(in);
  EXPECT_NEAR(r.max_rel_error, 1e-4, 1e-6);
}

// The absolute tolerance allows for the rounding of L (see gradcheck.h): it grows with the
// size of the terms L sums, so a correct op passes at any scale, and it stays far below the
// gradients themselves.
TEST(GradcheckCanFail, TheRoundingFloorFollowsTheScaleOfTheFunction) {
  manual_seed(7);
  std::vector<Tensor> in{Tensor::randn({4, 5}, true), Tensor::randn({4, 5}, true)};
  for (double scale : {1e-3, 1.0, 1e4}) {
    auto r = gradcheck(
        [scale](const std::vector<Tensor>& x) {
          return mul(mul(x[0], x[1]), Tensor::scalar(real(scale)));
        },
        in);
    EXPECT_TRUE(r.ok) << "scale " << scale << ": " << r.report(in);
    // 20 terms of size ~scale: floor ~ 32 * 2.2e-16 * 20 * scale / 1e-6 ~ 1.4e-7 * scale.
    EXPECT_GT(r.tol, 1e-9);
    EXPECT_LT(r.tol, 1e-9 + 1e-6 * scale) << "scale " << scale;
  }
}

TEST(GradcheckCanFail, AShapeWrongBackwardIsAClearError) {
  // A backward that forgets to sum over a broadcast dimension.
  Tensor x = Tensor::randn({3, 7}, true), b = Tensor::randn({7}, true);
  Tensor out = [&] { NoGradGuard g; return add(x, b); }();
  out = record("add_no_sum_to", out, {x, b},
               [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  try {
    sum(out).backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("backward of 'add_no_sum_to' returned a gradient of shape [3,7] for input 1 "
                       "of shape [7]"),
              std::string::npos)
        << msg;
  }
}

}  // namespace
}  // namespace attn
