// Tensor basics: factories, shapes, element access, errors.
#include <gtest/gtest.h>

#include "autograd/autograd.h"

namespace attn {
namespace {

TEST(Tensor, FactoriesHaveTheirShapeAndValues) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  for (real v : z.to_vector()) EXPECT_EQ(v, 0);
  Tensor f = Tensor::full({4}, 2.5);
  for (real v : f.to_vector()) EXPECT_EQ(v, real(2.5));
  Tensor s = Tensor::scalar(3);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item(), 3);
  Tensor a = Tensor::arange(5);
  EXPECT_EQ(a.at({4}), 4);
}

TEST(Tensor, AtIsRowMajorAndBoundsChecked) {
  Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.at({1, 0}), 4);
  EXPECT_EQ(t.at({0, 2}), 3);
  EXPECT_THROW(t.at({2, 0}), Error);
  EXPECT_THROW(t.at({0}), Error);
}

TEST(Tensor, FromVectorChecksTheCount) {
  try {
    Tensor::from_vector({1, 2, 3}, {2, 2});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 values given for shape [2,2]"), std::string::npos)
        << e.what();
  }
}

TEST(Tensor, RandnIsSeededAndRoughlyStandard) {
  manual_seed(7);
  Tensor a = Tensor::randn({10000});
  manual_seed(7);
  Tensor b = Tensor::randn({10000});
  EXPECT_EQ(a.to_vector(), b.to_vector());
  double mean = 0, sq = 0;
  for (real v : a.to_vector()) mean += v, sq += double(v) * v;
  mean /= 10000;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sq / 10000 - mean * mean, 1.0, 0.05);
}

TEST(Tensor, CopiesShareDataCloneDoesNot) {
  Tensor a = Tensor::zeros({3});
  Tensor b = a;
  b.data()[0] = 5;
  EXPECT_EQ(a.data()[0], 5);
  Tensor c = a.clone();
  c.data()[0] = 7;
  EXPECT_EQ(a.data()[0], 5);
  Tensor d = a.detach();
  d.data()[1] = 9;
  EXPECT_EQ(a.data()[1], 9);
}

TEST(Tensor, UndefinedTensorGivesAClearError) {
  Tensor u;
  EXPECT_FALSE(u.defined());
  try {
    (void)u.shape();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("undefined"), std::string::npos);
  }
}

TEST(Tensor, ItemNeedsOneElement) {
  EXPECT_THROW(Tensor::zeros({2}).item(), Error);
  EXPECT_EQ(Tensor::ones({1, 1}).item(), 1);
}

}  // namespace
}  // namespace attn
