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

// GCC 12 with AVX-512 once turned this constant into eight ones (see the
// -fno-tree-slp-vectorize note in CMakeLists.txt): a mask that masks nothing.
TEST(Tensor, FromVectorKeepsTrailingZeros) {
  Tensor m = Tensor::from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {2, 1, 4, 1});
  Tensor y = Tensor::ones({2, 2, 4, 4}) * m;
  EXPECT_EQ(m.to_vector(), (std::vector<real>{1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(y.at({1, 1, 2, 3}), 0);
  EXPECT_EQ(y.at({1, 1, 1, 3}), 1);
  EXPECT_EQ(sum(y).item(), 48);  // batch 0: 2 heads x 4 x 4; batch 1: 2 heads x 2 rows x 4
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

TEST(Storage, LargeBuffersAreReusedAndStillZeroed) {
  if (!detail::storage_cache_enabled()) GTEST_SKIP() << "no caching under AddressSanitizer";
  Tensor a = Tensor::full({1 << 16}, 7);
  const real* first = a.data();
  a = Tensor();  // back to the cache
  Tensor b = Tensor::zeros({1 << 16});
  EXPECT_EQ(b.data(), first);
  for (real v : b.to_vector()) ASSERT_EQ(v, 0);
  Tensor c = Tensor::zeros({(1 << 16) + 7});  // another size: another block
  EXPECT_NE(c.data(), first);
}

}  // namespace
}  // namespace attn
