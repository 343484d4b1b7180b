// Reductions mean, var, max, argmax: values against PyTorch and by hand,
// keepdim shapes, gradients, ties, NaN, numerical stability, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"

namespace attn {
namespace {

using testing::AllClose;
using testing::ThrowsWith;

// A [2,3,4] tensor with distinct values, shared with PyTorch for the expected numbers.
Tensor sample() {
  return Tensor::from_vector({0.3, -1.2, 2.5,  0.0, 1.1,  0.7, -0.4, 2.2,  -2.0, 0.9,  1.6, -0.8,
                              0.5, 0.5,  -1.5, 3.0, -0.6, 2.4, 0.1,  -1.1, 1.9,  -0.2, 0.8, 0.6},
                             {2, 3, 4});
}

TEST(Reduce, MeanOfAllAndOverDims) {
  Tensor t = sample();
  EXPECT_NEAR(mean(t).item(), (0.5125 + 0.55 + 0.35) / 3, 1e-6);  // equal groups: the mean of means
  Tensor m = mean(t, {0, 2});  // torch: t.mean(dim=(0, 2)) = [0.5125, 0.55, 0.35]
  EXPECT_EQ(m.shape(), (Shape{3}));
  EXPECT_TRUE(AllClose(m.to_vector(), {0.5125, 0.55, 0.35}, 1e-6, 1e-6));
  EXPECT_EQ(mean(t, {-1}, true).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(t.mean({0, 2}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(mean(t, {}).shape(), Shape{});  // empty dims: every dimension
}

TEST(Reduce, MeanBackwardSpreadsOneOverN) {
  Tensor x = Tensor::randn({3, 7}, true);
  mean(x, {1}).sum().backward();
  for (real g : x.grad().to_vector()) EXPECT_FLOAT_EQ(g, real(1) / 7);
}

TEST(Reduce, VarBiasedAndUnbiased) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {4});
  EXPECT_FLOAT_EQ(var(x, {}).item(), 1.25f);            // sum of squares 5 / 4
  EXPECT_FLOAT_EQ(var(x, {0}, true).item(), 5.0f / 3);  // / (4 - 1)
  // torch: t.var(dim=(0, 2), unbiased=True) and unbiased=False.
  Tensor t = sample();
  EXPECT_TRUE(AllClose(var(t, {0, 2}, true).to_vector(),
                       {2.4898214285714286, 1.66, 1.6685714285714286}, 1e-5, 1e-6));
  Tensor b = var(t, {2, 0}, false, true);
  EXPECT_EQ(b.shape(), (Shape{1, 3, 1}));
  EXPECT_TRUE(AllClose(b.to_vector(), {2.17859375, 1.4525, 1.46}, 1e-5, 1e-6));
}

TEST(Reduce, VarIsStableFarFromZero) {
  // 1e4 + [1,2,3,4]: E[x^2] - E[x]^2 in float would lose every digit (x^2 ~ 1e8 has
  // ulp 8); deviations from the mean keep them.
  Tensor x = Tensor::from_vector({10001, 10002, 10003, 10004}, {4});
  EXPECT_FLOAT_EQ(var(x, {}).item(), 1.25f);
}

TEST(Reduce, VarBackwardIsTwoDeviationsOverN) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {4}, true);
  var(x, {0}).backward();  // 2 (x - 2.5) / 4
  EXPECT_TRUE(AllClose(x.grad().to_vector(), {-0.75, -0.25, 0.25, 0.75}, 1e-6, 1e-7));
  Tensor y = Tensor::from_vector({1, 2, 3, 4}, {4}, true);
  var(y, {0}, /*unbiased=*/true).backward();  // 2 (x - 2.5) / 3
  EXPECT_TRUE(AllClose(y.grad().to_vector(), {-1.0, -1.0 / 3, 1.0 / 3, 1.0}, 1e-6, 1e-7));
}

TEST(Reduce, VarUnbiasedOfOneElementIsNaNAsInTorch) {
  Tensor x = Tensor::from_vector({3}, {1});
  EXPECT_TRUE(std::isnan(var(x, {0}, true).item()));
  EXPECT_EQ(var(x, {0}, false).item(), 0);
}

TEST(Reduce, MaxAndArgmaxAlongEachDim) {
  Tensor t = sample();
  // torch: t.max(1).values, t.argmax(1)
  Tensor m1 = max(t, 1);
  EXPECT_EQ(m1.shape(), (Shape{2, 4}));
  EXPECT_TRUE(AllClose(m1.to_vector(), {1.1, 0.9, 2.5, 2.2, 1.9, 2.4, 0.8, 3.0}, 0, 0));
  EXPECT_EQ(argmax(t, 1).to_vector(), (std::vector<real>{1, 2, 0, 1, 2, 1, 2, 0}));
  // torch: t.max(-1).values, t.argmax(-1)
  Tensor m2 = t.max(-1, /*keepdim=*/true);
  EXPECT_EQ(m2.shape(), (Shape{2, 3, 1}));
  EXPECT_TRUE(AllClose(m2.to_vector(), {2.5, 2.2, 1.6, 3.0, 2.4, 1.9}, 0, 0));
  Tensor a2 = t.argmax(-1, true);
  EXPECT_EQ(a2.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(a2.to_vector(), (std::vector<real>{2, 3, 2, 3, 1, 0}));
  EXPECT_EQ(argmax(t, 0).to_vector(),  // torch: t.argmax(0)
            (std::vector<real>{1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1}));
}

TEST(Reduce, MaxGradientGoesToTheFirstArgmax) {
  Tensor x = Tensor::from_vector({1, 3, 3, 2, 5, 4}, {2, 3}, true);
  Tensor m = max(x, 1);  // [3, 5]: row 0 has a tie at 1 and 2
  EXPECT_EQ(m.to_vector(), (std::vector<real>{3, 5}));
  EXPECT_EQ(argmax(x, 1).to_vector(), (std::vector<real>{1, 1}));
  m.backward(Tensor::from_vector({10, 20}, {2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{0, 10, 0, 0, 20, 0}));
}

TEST(Reduce, ArgmaxIsOutsideTheGraph) {
  Tensor x = Tensor::randn({3, 5}, true);
  Tensor a = argmax(x, 1);
  EXPECT_FALSE(a.requires_grad());
  EXPECT_EQ(a.grad_fn(), nullptr);
}

TEST(Reduce, MaxPropagatesNaNAsTorch) {
  // torch: t = torch.tensor([1., nan, 3.]); t.max(0).values -> nan, t.argmax() -> 1
  Tensor x = Tensor::from_vector({1, std::numeric_limits<real>::quiet_NaN(), 3}, {3});
  EXPECT_TRUE(std::isnan(max(x, 0).item()));
  EXPECT_EQ(argmax(x, 0).item(), 1);
}

TEST(Reduce, MaxOfAZeroDimTensorIsItself) {
  Tensor s = Tensor::scalar(4, true);
  Tensor m = max(s, 0);
  EXPECT_EQ(m.shape(), Shape{});
  EXPECT_EQ(m.item(), 4);
  EXPECT_EQ(argmax(s, -1).item(), 0);
}

TEST(Reduce, ErrorsNameTheOpAndTheDim) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_TRUE(ThrowsWith(
      [&] { max(t, 2); },
      {"max: dimension 2 is out of range for a tensor of shape [2,3]", "-2 <= dim < 2"}));
  EXPECT_TRUE(ThrowsWith([&] { argmax(t, -3); }, {"argmax: dimension -3", "[2,3]"}));
  EXPECT_TRUE(ThrowsWith([&] { mean(t, {5}); }, {"mean: dimension 5 is out of range"}));
  EXPECT_TRUE(ThrowsWith([&] { var(t, {1, -1}); }, {"var:", "listed twice"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        max(Tensor::zeros({2, 0}), 1);
      },
      {"max: dimension 1 of a tensor of shape [2,0] has size 0"}));
  EXPECT_TRUE(ThrowsWith([&] { mean(Tensor()); }, {"mean: the input is undefined"}));
}

}  // namespace
}  // namespace attn
