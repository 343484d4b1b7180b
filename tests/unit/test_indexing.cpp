// gather, index_select, masked_fill, where: values on small hand-made
// examples, gradients (repeated indices accumulate), and the error messages.
// Forward values are copies, compared exactly (tolerance 0); gradients are
// sums of a few small whole numbers, also exact in float.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

Tensor ids(const V& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
}

const real kInf = std::numeric_limits<real>::infinity();

// ---- gather -------------------------------------------------------------------

TEST(Gather, AlongColumnsAndRows) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  Tensor idx = Tensor::from_vector({0, 0, 1, 0}, {2, 2});
  EXPECT_EQ(gather(x, 1, idx).to_vector(), (V{1, 1, 4, 3}));  // out[i][j] = x[i][idx[i][j]]
  EXPECT_EQ(gather(x, 0, idx).to_vector(), (V{1, 2, 3, 2}));  // out[i][j] = x[idx[i][j]][j]
}

TEST(Gather, PicksTheTargetLogProbability) {
  // logp [3,4], targets [3,1]: the per-row pick a loss needs.
  Tensor logp = ramp({3, 4});
  Tensor y = Tensor::from_vector({2, 0, 3}, {3, 1});
  Tensor picked = gather(logp, -1, y);
  EXPECT_EQ(picked.shape(), (Shape{3, 1}));
  EXPECT_EQ(picked.to_vector(), (V{2, 4, 11}));
}

TEST(Gather, IndexSmallerThanXAndLongerAlongDim) {
  Tensor x = ramp({3, 4, 2});  // x[i][j][k] = 8 i + 2 j + k
  Tensor idx = Tensor::from_vector({3, 3, 0, 1, 2}, {1, 5, 1});
  // out[0][j][0] = x[0][idx[0][j][0]][0]
  EXPECT_EQ(gather(x, 1, idx).to_vector(), (V{6, 6, 0, 2, 4}));
}

TEST(Gather, BackwardAddsRepeatedPicks) {
  Tensor x = ramp({2, 3}, /*requires_grad=*/true);
  Tensor idx = Tensor::from_vector({2, 2, 0, 1, 1, 1}, {2, 3});
  gather(x, 1, idx).backward(Tensor::from_vector({1, 2, 4, 8, 16, 32}, {2, 3}));
  // row 0: col 2 gets 1 + 2, col 0 gets 4; row 1: col 1 gets 8 + 16 + 32
  EXPECT_EQ(x.grad().to_vector(), (V{4, 0, 3, 0, 56, 0}));
}

TEST(Gather, OutOfRangeIndexNamesValuePositionAndRange) {
  Tensor x = Tensor::zeros({2, 3});
  Tensor idx = Tensor::from_vector({0, 1, 2, 3}, {2, 2});
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, idx); },
                         {"gather: index 3 at position [1,1] is out of range for dimension 1 of "
                          "size 3"}));
  Tensor neg = Tensor::from_vector({0, -1}, {1, 2});
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 0, neg); },
                         {"gather: index -1 at position [0,1]", "dimension 0 of size 2"}));
}

TEST(Gather, NonIntegerIndexIsAnError) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        gather(x, 1, Tensor::from_vector({0, 1.5}, {1, 2}));
      },
      {"gather", "index 1.5 at position [0,1]", "not a whole number"}));
}

TEST(Gather, WrongRankOrSizeNamesBothShapes) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(
      ThrowsWith([&] { gather(x, 1, Tensor::zeros({2})); },
                 {"gather", "index of shape [2]", "x of shape [2,3]", "1 dimensions", "has 2"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        gather(x, 1, Tensor::zeros({3, 1}));
      },
      {"gather", "[3,1]", "[2,3]", "dimension 0"}));
}

// ---- index_select ---------------------------------------------------------------

TEST(IndexSelect, EmbeddingLookupCopiesRows) {
  Tensor E = ramp({4, 3});  // row r = 3r, 3r+1, 3r+2
  Tensor out = index_select(E, 0, ids({3, 0, 3}));
  EXPECT_EQ(out.shape(), (Shape{3, 3}));
  EXPECT_EQ(out.to_vector(), (V{9, 10, 11, 0, 1, 2, 9, 10, 11}));
}

TEST(IndexSelect, AlongInnerDims) {
  Tensor x = ramp({2, 3, 2});  // x[i][j][k] = 6 i + 2 j + k
  Tensor a = index_select(x, 1, ids({2, 0}));
  EXPECT_EQ(a.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(a.to_vector(), (V{4, 5, 0, 1, 10, 11, 6, 7}));
  Tensor b = index_select(x, -1, ids({1}));
  EXPECT_EQ(b.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(b.to_vector(), (V{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(index_select(x, 0, ids({})).shape(), (Shape{0, 3, 2}));
}

TEST(IndexSelect, BackwardAccumulatesRepeatedIndices) {
  Tensor E = ramp({4, 2}, /*requires_grad=*/true);
  Tensor out = index_select(E, 0, ids({1, 3, 1, 1}));
  out.backward(Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  // row 1 collects output rows 0, 2, 3; row 3 collects output row 1; rows 0, 2 none
  EXPECT_EQ(E.grad().to_vector(), (V{0, 0, 13, 16, 0, 0, 3, 4}));
}

TEST(IndexSelect, BackwardAlongDim1) {
  Tensor x = ramp({2, 3}, /*requires_grad=*/true);
  index_select(x, 1, ids({0, 0, 2})).backward(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_EQ(x.grad().to_vector(), (V{3, 0, 3, 9, 0, 6}));
}

TEST(IndexSelect, OutOfRangeIndexNamesValuePositionAndRange) {
  Tensor E = Tensor::zeros({32, 4});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        index_select(E, 0, ids({0, 5, 31, 40, 2}));
      },
      {"index_select: index 40 at position 3 is out of range for dimension 0 "
       "of size 32",
       "0 <= index < 32"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(E, 1, ids({-1})); },
                         {"index_select: index -1 at position 0", "dimension 1 of size 4"}));
}

TEST(IndexSelect, NonIntegerIndexIsAnError) {
  Tensor E = Tensor::zeros({5, 2});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        index_select(E, 0, ids({1, 2.5}));
      },
      {"index_select: index 2.5 at position 1 is not a whole number"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(E, 0, ids({real(std::nan(""))})); },
                         {"index_select", "position 0", "not a whole number"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(E, 0, ids({kInf})); },
                         {"index_select", "inf", "not a whole number"}));
}

TEST(IndexSelect, IndexMustBe1D) {
  EXPECT_TRUE(ThrowsWith(
      [&] {
        index_select(Tensor::zeros({5, 2}), 0, Tensor::zeros({2, 2}));
      },
      {"index_select", "index of shape [2,2]", "1-D"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        index_select(Tensor::zeros({5, 2}), 2, ids({0}));
      },
      {"index_select", "dimension 2 is out of range", "2 dimensions"}));
}

// ---- masked_fill -------------------------------------------------------------------

TEST(MaskedFill, BroadcastMaskFillsColumns) {
  Tensor x = ramp({2, 3});
  Tensor mask = Tensor::from_vector({0, 1, 1}, {3});
  EXPECT_EQ(masked_fill(x, mask, -7).to_vector(), (V{0, -7, -7, 3, -7, -7}));
}

TEST(MaskedFill, PaddingMaskWithMinusInfinity) {
  // scores [2,1,3] (B=2, one query, 3 keys), pad mask [2,1,3]: key 2 of batch 0 is padding
  Tensor scores = ramp({2, 1, 3});
  Tensor pad = Tensor::from_vector({0, 0, 1, 0, 0, 0}, {2, 1, 3});
  Tensor out = masked_fill(scores, pad, -kInf);
  EXPECT_EQ(out.to_vector(), (V{0, 1, -kInf, 3, 4, 5}));
}

TEST(MaskedFill, GradientIsZeroWhereFilled) {
  Tensor x = ramp({2, 2}, /*requires_grad=*/true);
  Tensor mask = Tensor::from_vector({1, 0}, {2, 1});  // row 0 filled
  masked_fill(x, mask, -kInf).backward(Tensor::from_vector({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (V{0, 0, 3, 4}));  // no NaN from the -inf
}

TEST(MaskedFill, MaskThatDoesNotBroadcastNamesBothShapes) {
  Tensor x = Tensor::zeros({2, 3, 4});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        masked_fill(x, Tensor::zeros({3, 5}), 0);
      },
      {"masked_fill", "mask of shape [3,5]", "x of shape [2,3,4]"}));
  // x may not be broadcast up to the mask
  EXPECT_TRUE(ThrowsWith(
      [&] {
        masked_fill(Tensor::zeros({3}), Tensor::zeros({2, 3}), 0);
      },
      {"masked_fill", "[2,3]", "[3]"}));
}

// ---- where ----------------------------------------------------------------------------

TEST(Where, PicksByConditionWithBroadcast) {
  Tensor cond = Tensor::from_vector({1, 0}, {2, 1});
  Tensor a = ramp({2, 3});
  Tensor b = Tensor::from_vector({-1}, {1});
  Tensor out = where(cond, a, b);
  EXPECT_EQ(out.shape(), (Shape{2, 3}));
  EXPECT_EQ(out.to_vector(), (V{0, 1, 2, -1, -1, -1}));
}

TEST(Where, GradientsRoutedByConditionAndSummedToShape) {
  Tensor cond = Tensor::from_vector({1, 0, 1}, {3});
  Tensor a = ramp({2, 3}, /*requires_grad=*/true);
  Tensor b = ramp({2, 1}, /*requires_grad=*/true);
  where(cond, a, b).backward(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_EQ(a.grad().to_vector(), (V{1, 0, 3, 4, 0, 6}));
  EXPECT_EQ(b.grad().to_vector(), (V{2, 5}));  // b fed column 1 of each row
}

TEST(Where, IncompatibleShapesNameThem) {
  EXPECT_TRUE(ThrowsWith(
      [&] {
        where(Tensor::zeros({2, 3}), Tensor::zeros({4}), Tensor::zeros({3}));
      },
      {"where", "[2,3]", "[4]"}));
}

}  // namespace
}  // namespace attn
