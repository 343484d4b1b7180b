// The fast kernels against their reading versions (autograd/ops/reference/): matmul on the
// BLIS-style GEMM against reference_matmul's plain loops, and the fused softmax against
// reference_softmax, in values and gradients, over many shapes: odd sizes on either side of
// the GEMM's blocks, operands read transposed, broadcast batches, vectors, every dim.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/ops/reference/matmul.h"
#include "autograd/ops/reference/softmax.h"
#include "helpers/all_close.h"

namespace attn {
namespace {

using attn::testing::AllClose;

// ---- matmul ---------------------------------------------------------------------------

// a and b as stored; with a transpose flag the operand is stored with its last two dims
// swapped and transposed before the product, so the GEMM reads it through a strided copy
// in forward and through its transpose flags in backward.
struct MatmulCase {
  Shape a, b;
  bool transpose_a = false, transpose_b = false;
};
void PrintTo(const MatmulCase& c, std::ostream* os) {
  *os << shape_str(c.a) << (c.transpose_a ? "^T" : "") << " x " << shape_str(c.b)
      << (c.transpose_b ? "^T" : "");
}

// Float sums of n products of N(0,1) numbers round by about n * epsilon_float.
double atol_for(int64_t n) {
  return 1e-5 + 5e-6 * double(n);
}

class MatmulVsReference : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulVsReference, ValuesAndGradients) {
  const MatmulCase& p = GetParam();
  manual_seed(7);
  Tensor a = Tensor::randn(p.a, /*requires_grad=*/true);
  Tensor b = Tensor::randn(p.b, /*requires_grad=*/true);
  auto op_a = [&] { return p.transpose_a ? transpose(a, -2, -1) : a; };
  auto op_b = [&] { return p.transpose_b ? transpose(b, -2, -1) : b; };
  Tensor fast = matmul(op_a(), op_b());
  Tensor R = Tensor::randn(fast.shape());  // L = sum(C * R), so dC = R
  fast.backward(R);
  const Tensor ga_fast = a.grad(), gb_fast = b.grad();
  a.zero_grad();
  b.zero_grad();
  Tensor ref = reference_matmul(op_a(), op_b());
  ref.backward(R);

  ASSERT_EQ(fast.shape(), ref.shape());
  const Shape sa = op_a().shape(), sb = op_b().shape();
  const int64_t K = sa.back(), M = sa.size() > 1 ? sa[sa.size() - 2] : 1, N = sb.back();
  // A gradient element sums over N (dA) or M (dB) products per batch item it fed.
  const int64_t items = std::max<int64_t>(fast.numel() / std::max<int64_t>(M * N, 1), 1);
  EXPECT_TRUE(AllClose(fast, ref, 1e-4, atol_for(K))) << "C = A B";
  EXPECT_TRUE(AllClose(ga_fast, a.grad(), 1e-4, atol_for(N * items))) << "dA = dC B^T";
  EXPECT_TRUE(AllClose(gb_fast, b.grad(), 1e-4, atol_for(M * items))) << "dB = A^T dC";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatmulVsReference,
    ::testing::Values(
        // 2-D, sizes on either side of the register and vector blocks
        MatmulCase{{1, 1}, {1, 1}}, MatmulCase{{3, 7}, {7, 1}}, MatmulCase{{1, 17}, {17, 3}},
        MatmulCase{{5, 3}, {3, 9}}, MatmulCase{{17, 33}, {33, 15}}, MatmulCase{{31, 16}, {16, 47}},
        MatmulCase{{130, 257}, {257, 65}}, MatmulCase{{65, 300}, {300, 129}},
        // read transposed: every combination of the GEMM's flags
        MatmulCase{{7, 3}, {7, 5}, true, false}, MatmulCase{{3, 7}, {5, 7}, false, true},
        MatmulCase{{33, 17}, {15, 33}, true, true}, MatmulCase{{257, 130}, {65, 257}, true, true},
        MatmulCase{{2, 9, 4}, {2, 9, 11}, true, false},
        // batched: shared right operand (a Linear layer), both batched, shared left operand
        MatmulCase{{2, 3, 7}, {7, 5}}, MatmulCase{{4, 65, 100}, {100, 33}},
        MatmulCase{{3, 17, 9}, {3, 9, 31}}, MatmulCase{{3, 7}, {2, 7, 5}},
        MatmulCase{{5, 4, 13}, {13, 6}, false, false},
        // broadcast batch dimensions (the gradient of the broadcast operand sums)
        MatmulCase{{1, 3, 7}, {4, 7, 5}}, MatmulCase{{4, 1, 3, 7}, {5, 7, 2}},
        MatmulCase{{2, 1, 3, 7}, {1, 3, 7, 2}}, MatmulCase{{3, 2, 17, 5}, {2, 5, 33}},
        MatmulCase{{2, 1, 5, 3}, {3, 4, 3}, false, true},
        // vectors, promoted as torch does
        MatmulCase{{7}, {7}}, MatmulCase{{7}, {7, 3}}, MatmulCase{{3, 7}, {7}},
        MatmulCase{{7}, {2, 7, 3}}, MatmulCase{{2, 3, 7}, {7}}, MatmulCase{{33}, {33, 17}}));

TEST(ReferenceMatmul, KnownValues) {
  // [[1, 2], [3, 4]] x [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
  Tensor c = reference_matmul(Tensor::from_vector({1, 2, 3, 4}, {2, 2}),
                              Tensor::from_vector({5, 6, 7, 8}, {2, 2}));
  EXPECT_EQ(c.to_vector(), (std::vector<real>{19, 22, 43, 50}));
}

TEST(ReferenceMatmul, MismatchedInnerSizesAreAnError) {
  EXPECT_THROW(reference_matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})), Error);
  EXPECT_THROW(reference_matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 5})), Error);
}

// ---- softmax --------------------------------------------------------------------------

struct SoftmaxCase {
  Shape shape;
  int64_t dim;
  real scale = 1;       // logits times this (large: exp would overflow without the max)
  bool masked = false;  // every third entry -inf, as masked_fill writes
};
void PrintTo(const SoftmaxCase& c, std::ostream* os) {
  *os << shape_str(c.shape) << " dim " << c.dim << (c.masked ? " masked" : "") << " scale "
      << c.scale;
}

class SoftmaxVsReference : public ::testing::TestWithParam<SoftmaxCase> {};

TEST_P(SoftmaxVsReference, ValuesAndGradients) {
  const SoftmaxCase& p = GetParam();
  manual_seed(11);
  Tensor x = Tensor::randn(p.shape) * p.scale;
  if (p.masked)  // every third entry masked: each row of 2 or more keeps a finite entry
    for (int64_t i = 0; i < x.numel(); i += 3) x.data()[i] = -std::numeric_limits<real>::infinity();
  x.requires_grad_(true);
  Tensor fast = softmax(x, p.dim);
  Tensor dy = Tensor::randn(fast.shape());
  fast.backward(dy);
  const Tensor gx_fast = x.grad();
  x.zero_grad();
  Tensor ref = reference_softmax(x, p.dim);
  ref.backward(dy);
  EXPECT_TRUE(AllClose(fast, ref, 1e-5, 1e-6)) << "y = softmax(x)";
  EXPECT_TRUE(AllClose(gx_fast, x.grad(), 1e-4, 1e-6)) << "dx = y (dy - sum dy y)";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SoftmaxVsReference,
    ::testing::Values(SoftmaxCase{{1}, 0}, SoftmaxCase{{17}, 0}, SoftmaxCase{{1, 1}, 1},
                      SoftmaxCase{{7, 1}, 1}, SoftmaxCase{{3, 17}, -1}, SoftmaxCase{{2, 3, 7}, 0},
                      SoftmaxCase{{2, 3, 7}, 1}, SoftmaxCase{{2, 3, 7}, 2},
                      SoftmaxCase{{5, 33, 9}, 1}, SoftmaxCase{{4, 1000}, 1},
                      SoftmaxCase{{1000, 3}, 0}, SoftmaxCase{{2, 3, 4, 5}, 2},
                      SoftmaxCase{{3, 7}, 1, 1000}, SoftmaxCase{{7, 3}, 0, 1000},
                      SoftmaxCase{{3, 7}, 1, 1, true}, SoftmaxCase{{7, 5}, 0, 1, true},
                      SoftmaxCase{{4, 9, 65}, 2, 1, true}));

TEST(ReferenceSoftmax, AFullyMaskedRowIsNaNLikeSoftmax) {
  const real inf = std::numeric_limits<real>::infinity();
  Tensor y = reference_softmax(Tensor::from_vector({-inf, -inf, 0, 1}, {2, 2}), 1);
  const std::vector<real> v = y.to_vector();
  EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]));
  EXPECT_TRUE(AllClose(std::vector<real>{v[2], v[3]},
                       softmax(Tensor::from_vector({0, 1}, {2}), 0).to_vector()));
}

}  // namespace
}  // namespace attn
