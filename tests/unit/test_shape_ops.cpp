// transpose, permute, slice, split, concat, stack: values on small hand-made
// examples, gradients, and the error messages. These ops only copy values,
// so results are compared exactly (tolerance 0); gradients here are sums of
// a few small whole numbers, also exact in float.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/errors.h"
#include "helpers/ramp.h"

namespace attn {
namespace {

using testing::ThrowsWith;
using V = std::vector<real>;

using testing::ramp;

// The reference permute: one element at a time, by its multi-index.
V naive_permute(const Tensor& x, const std::vector<int64_t>& p) {
  const Shape& in = x.shape();
  Shape out(p.size());
  for (size_t k = 0; k < p.size(); ++k) out[k] = in[p[k]];
  const auto in_st = contiguous_strides(in);
  V v(x.numel());
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t src = 0;
    for (size_t k = 0; k < out.size(); ++k) src += idx[k] * in_st[p[k]];
    v[i] = x.data()[src];
    for (int64_t k = static_cast<int64_t>(out.size()) - 1; k >= 0; --k) {
      if (++idx[k] < out[k]) break;
      idx[k] = 0;
    }
  }
  return v;
}

// ---- transpose / permute ----------------------------------------------------

TEST(Transpose, SwapsRowsAndColumns) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = transpose(x, 0, 1);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.to_vector(), (V{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(x.t().to_vector(), y.to_vector());
  EXPECT_EQ(transpose(x, -1, -2).to_vector(), y.to_vector());
}

TEST(Transpose, SameDimIsACopy) {
  Tensor x = ramp({2, 3});
  Tensor y = transpose(x, 1, 1);
  EXPECT_EQ(y.to_vector(), x.to_vector());
  y.data()[0] = 99;
  EXPECT_EQ(x.data()[0], 0) << "transpose must not share x's buffer";
}

TEST(Permute, HandExample3D) {
  // x[i][j][k] = 100 i + 10 j + k, shape [2,3,2] -> permute (2,0,1) -> [2,2,3]
  V v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) v.push_back(real(100 * i + 10 * j + k));
  Tensor x = Tensor::from_vector(v, {2, 3, 2});
  Tensor y = permute(x, {2, 0, 1});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  // y[k][i][j] = x[i][j][k]
  EXPECT_EQ(y.to_vector(), (V{0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121}));
}

TEST(Permute, MatchesTheElementwiseReference) {
  // Sizes beyond one 32 x 32 tile and with size-1 dims exercise every path
  // of the copy (contiguous runs, tiles, merged dims).
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{3, 70, 45}, {0, 2, 1}},
      {{2, 33, 5, 40}, {0, 2, 1, 3}},
      {{2, 33, 5, 40}, {3, 1, 2, 0}},
      {{4, 1, 65, 3}, {3, 2, 1, 0}},
      {{1, 40, 1, 50}, {3, 1, 2, 0}},
      {{5, 6, 7}, {1, 0, 2}},
      {{5, 6, 7}, {2, 1, 0}},
      {{6, 1}, {1, 0}},
      {{2, 3, 4, 5, 6}, {4, 0, 3, 1, 2}},
      {{17}, {0}},
  };
  for (const auto& [shape, p] : cases) {
    SCOPED_TRACE(shape_str(shape) + " by " + shape_str(p));
    Tensor x = Tensor::randn(shape);
    Tensor y = permute(x, p);
    for (size_t k = 0; k < p.size(); ++k) EXPECT_EQ(y.shape()[k], shape[p[k]]);
    EXPECT_EQ(y.to_vector(), naive_permute(x, p));
  }
}

TEST(Permute, ZeroDimTensorAndEmptyTensor) {
  EXPECT_EQ(permute(Tensor::scalar(3), {}).item(), 3);
  Tensor e = permute(Tensor::zeros({2, 0, 3}), {2, 1, 0});
  EXPECT_EQ(e.shape(), (Shape{3, 0, 2}));
}

TEST(Permute, BackwardAppliesTheInversePermutation) {
  Tensor x = ramp({2, 3, 4}, /*requires_grad=*/true);
  Tensor y = permute(x, {1, 2, 0});  // [3,4,2]
  Tensor g = Tensor::randn(y.shape());
  y.backward(g);
  // dL/dx[i][j][k] = g[j][k][i]
  EXPECT_EQ(x.grad().shape(), x.shape());
  EXPECT_EQ(x.grad().to_vector(), naive_permute(g, {2, 0, 1}));
}

TEST(Permute, BadPermutationNamesOpAndDims) {
  Tensor x = Tensor::zeros({2, 3, 4});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        permute(x, {0, 0, 1});
      },
      {"permute", "[0,0,1]", "[2,3,4]", "twice", "permutation"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        permute(x, {1, 0});
      },
      {"permute", "[1,0]", "2 dimensions", "[2,3,4]", "has 3"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        permute(x, {0, 1, 3});
      },
      {"permute", "dimension 3 is out of range", "3 dimensions"}));
}

TEST(Transpose, WrongRankNamesOpAndDim) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { transpose(x, 0, 2); },
                         {"transpose", "dimension 2 is out of range", "2 dimensions"}));
  EXPECT_TRUE(
      ThrowsWith([&] { transpose(Tensor::scalar(1), 0, 1); }, {"transpose", "0 dimensions"}));
}

// ---- slice / split ------------------------------------------------------------

TEST(Slice, PythonRulesForBoundsAndStep) {
  Tensor x = ramp({10});
  EXPECT_EQ(slice(x, 0, 1, 8, 3).to_vector(), (V{1, 4, 7}));
  EXPECT_EQ(slice(x, 0, -3, 100).to_vector(), (V{7, 8, 9}));  // negative start, end clamped
  EXPECT_EQ(slice(x, 0, -100, 2).to_vector(), (V{0, 1}));     // start clamped to 0
  EXPECT_EQ(slice(x, 0, 2, -5, 2).to_vector(), (V{2, 4}));    // negative end
  EXPECT_EQ(slice(x, 0, 9, 10, 5).to_vector(), (V{9}));       // step past the end
  EXPECT_EQ(slice(x, 0, 6, 2).shape(), (Shape{0}));           // end before start: empty
  EXPECT_EQ(x.slice(0, 0, 10).to_vector(), x.to_vector());
}

TEST(Slice, AlongEveryDimOf3D) {
  Tensor x = ramp({2, 3, 4});  // x[i][j][k] = 12 i + 4 j + k
  Tensor a = slice(x, 0, 1, 2);
  EXPECT_EQ(a.shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(a.to_vector(), (V{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}));
  Tensor b = slice(x, 1, 0, 3, 2);
  EXPECT_EQ(b.shape(), (Shape{2, 2, 4}));
  EXPECT_EQ(b.to_vector(), (V{0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23}));
  Tensor c = slice(x, -1, 1, 4, 2);
  EXPECT_EQ(c.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(c.to_vector(), (V{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}));
}

TEST(Slice, BackwardScattersIntoZeros) {
  Tensor x = ramp({2, 5}, /*requires_grad=*/true);
  Tensor y = slice(x, 1, 1, 5, 2);  // columns 1 and 3
  y.backward(Tensor::from_vector({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (V{0, 1, 0, 2, 0, 0, 3, 0, 4, 0}));
}

TEST(Slice, StepBelowOneIsAnError) {
  Tensor x = Tensor::zeros({2, 5});
  EXPECT_TRUE(ThrowsWith([&] { slice(x, 1, 0, 5, 0); }, {"slice", "step 0", "[2,5]", ">= 1"}));
  EXPECT_TRUE(ThrowsWith([&] { slice(x, 1, 0, 5, -1); }, {"slice", "step -1"}));
}

TEST(Slice, WrongRankNamesOpAndDim) {
  EXPECT_TRUE(ThrowsWith([&] { slice(Tensor::zeros({4}), 1, 0, 2); },
                         {"slice", "dimension 1 is out of range", "1 dimension"}));
  EXPECT_TRUE(ThrowsWith([&] { slice(Tensor::scalar(2), 0, 0, 1); }, {"slice", "0 dimensions"}));
}

TEST(Split, PiecesOfSizeWithASmallerLast) {
  Tensor x = ramp({7, 2});
  auto p = split(x, 3, 0);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(p[2].shape(), (Shape{1, 2}));
  EXPECT_EQ(p[1].to_vector(), (V{6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(p[2].to_vector(), (V{12, 13}));
  auto q = split(x, 5, -1);  // larger than the dim: one piece
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].to_vector(), x.to_vector());
}

TEST(Split, GradientsOfThePiecesLandInPlace) {
  Tensor x = ramp({5}, /*requires_grad=*/true);
  auto p = split(x, 2, 0);  // [0,1] [2,3] [4]
  (p[0].sum() + 2 * p[2].sum()).backward();
  EXPECT_EQ(x.grad().to_vector(), (V{1, 1, 0, 0, 2}));
}

TEST(Split, SizeBelowOneIsAnError) {
  EXPECT_TRUE(ThrowsWith(
      [&] {
        split(Tensor::zeros({4, 3}), 0, 1);
      },
      {"split", "piece size 0", "[4,3]", ">= 1"}));
}

// ---- concat / stack -----------------------------------------------------------

TEST(Concat, AlongRowsAndColumns) {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from_vector({5, 6}, {2, 1});
  Tensor c = concat({a, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.to_vector(), (V{1, 2, 5, 3, 4, 6}));
  Tensor d = concat({a, Tensor::from_vector({7, 8}, {1, 2})}, -2);
  EXPECT_EQ(d.shape(), (Shape{3, 2}));
  EXPECT_EQ(d.to_vector(), (V{1, 2, 3, 4, 7, 8}));
}

TEST(Concat, MiddleDimOf3D) {
  Tensor a = ramp({2, 1, 2});         // 0 1 | 2 3
  Tensor b = ramp({2, 2, 2}) + 10.0;  // 10 11 12 13 | 14 15 16 17
  Tensor c = concat({a, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(c.to_vector(), (V{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}));
}

TEST(Concat, BackwardSlicesTheGradient) {
  Tensor a = ramp({2, 2}, /*requires_grad=*/true);
  Tensor b = ramp({2, 1}, /*requires_grad=*/true);
  Tensor c = concat({a, b}, 1);
  c.backward(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_EQ(a.grad().to_vector(), (V{1, 2, 4, 5}));
  EXPECT_EQ(b.grad().to_vector(), (V{3, 6}));
}

TEST(Concat, ConstantInputGetsNoGradient) {
  Tensor a = ramp({3}, /*requires_grad=*/true);
  Tensor b = ramp({2});
  concat({b, a}, 0).sum().backward();
  EXPECT_EQ(a.grad().to_vector(), (V{1, 1, 1}));
  EXPECT_FALSE(b.grad().defined());
}

TEST(Concat, MismatchedSizesNameTheInputShapeAndDim) {
  Tensor a = Tensor::zeros({2, 3, 4});
  Tensor b = Tensor::zeros({2, 5, 4});
  Tensor c = Tensor::zeros({2, 1, 7});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        concat({a, b, c}, 1);
      },
      {"concat", "input 2", "[2,1,7]", "[2,3,4]", "dimension 2", "except along dimension 1"}));
}

TEST(Concat, MismatchedRanksNameTheInput) {
  EXPECT_TRUE(ThrowsWith(
      [&] {
        concat({Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 1})}, 0);
      },
      {"concat", "input 1", "[2,3,1]", "[2,3]", "same number of dimensions"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        concat({Tensor::zeros({2, 3}), Tensor::zeros({2, 3})}, 2);
      },
      {"concat", "dimension 2 is out of range"}));
  EXPECT_TRUE(ThrowsWith([&] { concat({}, 0); }, {"concat", "no tensors"}));
}

TEST(Stack, NewDimAtEveryPosition) {
  Tensor a = Tensor::from_vector({1, 2, 3}, {3});
  Tensor b = Tensor::from_vector({4, 5, 6}, {3});
  Tensor s0 = stack({a, b}, 0);
  EXPECT_EQ(s0.shape(), (Shape{2, 3}));
  EXPECT_EQ(s0.to_vector(), (V{1, 2, 3, 4, 5, 6}));
  Tensor s1 = stack({a, b}, -1);
  EXPECT_EQ(s1.shape(), (Shape{3, 2}));
  EXPECT_EQ(s1.to_vector(), (V{1, 4, 2, 5, 3, 6}));
}

TEST(Stack, BackwardGivesEachInputItsSlice) {
  Tensor a = ramp({2}, true), b = ramp({2}, true);
  stack({a, b}, 1).backward(Tensor::from_vector({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(a.grad().to_vector(), (V{1, 3}));
  EXPECT_EQ(b.grad().to_vector(), (V{2, 4}));
}

TEST(Stack, UnequalShapesNameTheInput) {
  EXPECT_TRUE(ThrowsWith(
      [&] {
        stack({Tensor::zeros({2, 3}), Tensor::zeros({3, 2})}, 0);
      },
      {"stack", "input 1", "[3,2]", "[2,3]", "equal shapes"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        stack({Tensor::zeros({2, 3})}, 3);
      },
      {"stack", "dimension 3 is out of range"}));
}

}  // namespace
}  // namespace attn
