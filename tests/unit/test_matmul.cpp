// matmul against a naive loop: values and gradients for random shapes (2-D,
// batched, broadcast, vectors, empty, and large ones that cross every
// blocking boundary of the GEMM), and the error messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"

namespace attn {
namespace {

using attn::testing::AllClose;

// torch.matmul semantics written out the slow way, in double, independently
// of the op: vectors promoted, batch dimensions broadcast by index arithmetic.
struct Naive {
  Shape out_shape;
  std::vector<double> c;             // C = A B
  std::vector<double> ga, gb;        // dL/dA, dL/dB for L = sum(C * R)
  int64_t inner_a = 0, inner_b = 0;  // how many products each gradient element sums
};

Naive naive_matmul(const Tensor& a, const Tensor& b, const Tensor& R) {
  Shape as = a.shape(), bs = b.shape();
  const bool av = as.size() == 1, bv = bs.size() == 1;
  if (av) as.insert(as.begin(), 1);
  if (bv) bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  const size_t nb = std::max(as.size(), bs.size()) - 2;
  Shape batch(nb), ab(nb, 1), bb(nb, 1);
  for (size_t i = 0; i < as.size() - 2; ++i) ab[nb - (as.size() - 2) + i] = as[i];
  for (size_t i = 0; i < bs.size() - 2; ++i) bb[nb - (bs.size() - 2) + i] = bs[i];
  int64_t count = 1;
  for (size_t i = 0; i < nb; ++i) count *= (batch[i] = ab[i] == 1 ? bb[i] : ab[i]);
  Naive r;
  r.out_shape = batch;
  if (!av) r.out_shape.push_back(M);
  if (!bv) r.out_shape.push_back(N);
  r.c.assign(count * M * N, 0);
  r.ga.assign(a.numel(), 0);
  r.gb.assign(b.numel(), 0);
  int64_t ca = 1, cb = 1;
  for (size_t i = 0; i < nb; ++i) ca *= ab[i], cb *= bb[i];
  r.inner_a = N * (count / std::max<int64_t>(ca, 1));
  r.inner_b = M * (count / std::max<int64_t>(cb, 1));
  for (int64_t o = 0; o < count; ++o) {
    // Unravel o over the broadcast batch, then ravel into a's and b's batches.
    int64_t rest = o, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int64_t d = static_cast<int64_t>(nb) - 1; d >= 0; --d) {
      const int64_t i = rest % batch[d];
      rest /= batch[d];
      ia += (ab[d] == 1 ? 0 : i) * sa, sa *= ab[d];
      ib += (bb[d] == 1 ? 0 : i) * sb, sb *= bb[d];
    }
    const real* A = a.data() + ia * M * K;
    const real* B = b.data() + ib * K * N;
    const real* Rp = R.data() + o * M * N;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) {
          acc += double(A[m * K + k]) * double(B[k * N + n]);
          r.ga[ia * M * K + m * K + k] += double(Rp[m * N + n]) * double(B[k * N + n]);
          r.gb[ib * K * N + k * N + n] += double(A[m * K + k]) * double(Rp[m * N + n]);
        }
        r.c[o * M * N + m * N + n] = acc;
      }
  }
  return r;
}

std::vector<real> to_real(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}

struct ShapePair {
  Shape a, b;
};
void PrintTo(const ShapePair& p, std::ostream* os) {
  *os << shape_str(p.a) << " x " << shape_str(p.b);
}

std::string pair_name(const ::testing::TestParamInfo<ShapePair>& info) {
  auto part = [](const Shape& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i) out += 'x';
      out += std::to_string(s[i]);
    }
    return out.empty() ? std::string("scalar") : out;
  };
  return part(info.param.a) + "_times_" + part(info.param.b);
}

class MatmulVsNaive : public ::testing::TestWithParam<ShapePair> {};

// Float accumulation over n products of N(0,1) numbers: the rounding error
// grows like n * epsilon_float times the size of a term, so the tolerance
// scales with the length of the sum (5e-6 per product, ~40 epsilon).
double atol_for(int64_t n) {
  return 1e-5 + 5e-6 * double(n);
}

TEST_P(MatmulVsNaive, ValuesAndGradients) {
  const ShapePair& p = GetParam();
  manual_seed(42);
  Tensor a = Tensor::randn(p.a, /*requires_grad=*/true);
  Tensor b = Tensor::randn(p.b, /*requires_grad=*/true);
  Tensor c = matmul(a, b);
  Tensor R = Tensor::randn(c.shape());
  const Naive ref = naive_matmul(a, b, R);
  ASSERT_EQ(c.shape(), ref.out_shape);
  const int64_t K = p.a.back();
  EXPECT_TRUE(AllClose(c.to_vector(), to_real(ref.c), 1e-4, atol_for(K))) << "C = A B";

  c.backward(R);
  if (a.numel() > 0) {
    ASSERT_TRUE(a.grad().defined());
    EXPECT_TRUE(AllClose(a.grad().to_vector(), to_real(ref.ga), 1e-4, atol_for(ref.inner_a)))
        << "dA = dC B^T";
  }
  if (b.numel() > 0) {
    ASSERT_TRUE(b.grad().defined());
    EXPECT_TRUE(AllClose(b.grad().to_vector(), to_real(ref.gb), 1e-4, atol_for(ref.inner_b)))
        << "dB = A^T dC";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatmulVsNaive,
    ::testing::Values(ShapePair{{3, 7}, {7, 1}}, ShapePair{{1, 17}, {17, 3}},
                      ShapePair{{16, 16}, {16, 16}}, ShapePair{{17, 33}, {33, 15}},
                      ShapePair{{130, 257}, {257, 65}}, ShapePair{{65, 300}, {300, 129}},
                      // batched with a shared right operand: folded into one tall product
                      ShapePair{{2, 3, 7}, {7, 5}}, ShapePair{{4, 64, 100}, {100, 96}},
                      // both batched
                      ShapePair{{2, 3, 7}, {2, 7, 5}}, ShapePair{{3, 40, 70}, {3, 70, 33}},
                      // a shared left operand: its gradient sums over the batch
                      ShapePair{{65, 130}, {4, 130, 20}},
                      // broadcast batch dimensions
                      ShapePair{{1, 3, 7}, {4, 7, 5}}, ShapePair{{4, 1, 3, 7}, {5, 7, 2}},
                      ShapePair{{3, 1, 40, 70}, {2, 70, 33}}, ShapePair{{2, 1, 5, 9}, {1, 3, 9, 4}},
                      // vectors
                      ShapePair{{7}, {7}}, ShapePair{{257}, {257}}, ShapePair{{7}, {7, 5}},
                      ShapePair{{3, 7}, {7}}, ShapePair{{7}, {2, 7, 5}}, ShapePair{{2, 3, 7}, {7}},
                      ShapePair{{100}, {3, 100, 40}},
                      // empty: no rows, no columns, no batch, and K = 0 (a sum of nothing is 0)
                      ShapePair{{0, 5}, {5, 3}}, ShapePair{{3, 5}, {5, 0}},
                      ShapePair{{0, 3, 5}, {5, 4}}, ShapePair{{1, 3, 5}, {0, 5, 4}},
                      ShapePair{{3, 0}, {0, 4}},
                      // an empty batch dimension beside a broadcast one: the gradient of the
                      // broadcast operand is a sum of no products, all of it zero
                      ShapePair{{0, 1, 4, 5}, {1, 3, 5, 6}}, ShapePair{{2, 1, 4, 5}, {2, 0, 5, 6}}),
    pair_name);

TEST(Matmul, KnownValues) {
  // [[1,2],[3,4]] [[5,6],[7,8]] = [[19,22],[43,50]]
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from_vector({5, 6, 7, 8}, {2, 2});
  EXPECT_EQ(matmul(a, b).to_vector(), (std::vector<real>{19, 22, 43, 50}));
  EXPECT_EQ(a.matmul(b).to_vector(), (std::vector<real>{19, 22, 43, 50}));
  // a vector dotted with a vector is a scalar of shape []
  Tensor d = matmul(Tensor::from_vector({1, 2, 3}, {3}), Tensor::from_vector({4, 5, 6}, {3}));
  EXPECT_EQ(d.shape(), Shape{});
  EXPECT_EQ(d.item(), 32);
}

TEST(Matmul, GradientOnlyForInputsThatRequireIt) {
  Tensor a = Tensor::randn({4, 3, 5}, /*requires_grad=*/true);
  Tensor w = Tensor::randn({5, 2});  // a constant
  Tensor c = matmul(a, w);
  EXPECT_TRUE(c.requires_grad());
  c.sum().backward();
  EXPECT_TRUE(a.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  // d sum(A W) / dA[i,j] = sum_n W[j,n], the same for every row
  for (int64_t r = 0; r < 12; ++r)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_NEAR(a.grad().data()[r * 5 + j], w.at({j, 0}) + w.at({j, 1}), 1e-5);
}

TEST(Matmul, NothingRecordedWithoutGrad) {
  Tensor a = Tensor::randn({3, 4}, true), b = Tensor::randn({4, 2}, true);
  NoGradGuard no_grad;
  Tensor c = matmul(a, b);
  EXPECT_FALSE(c.requires_grad());
  EXPECT_EQ(c.grad_fn(), nullptr);
}

std::string error_of(const Shape& a, const Shape& b) {
  try {
    matmul(Tensor::zeros(a), Tensor::zeros(b));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Matmul, InnerSizesMustAgree) {
  EXPECT_EQ(error_of({32, 64}, {32, 10}),
            "matmul: [32,64] x [32,10]: inner sizes 64 and 32 differ");
  EXPECT_EQ(error_of({64}, {32}), "matmul: [64] x [32]: inner sizes 64 and 32 differ");
  EXPECT_EQ(error_of({2, 3, 7}, {6, 5}), "matmul: [2,3,7] x [6,5]: inner sizes 7 and 6 differ");
}

TEST(Matmul, ScalarsAreRejected) {
  EXPECT_EQ(error_of({}, {3}),
            "matmul: [] x [3]: both operands need at least one dimension (to scale by a "
            "scalar, use *)");
  EXPECT_EQ(error_of({3, 4}, {}),
            "matmul: [3,4] x []: both operands need at least one dimension (to scale by a "
            "scalar, use *)");
}

TEST(Matmul, BatchDimensionsMustBroadcast) {
  EXPECT_EQ(error_of({2, 3, 7}, {4, 7, 5}),
            "matmul: [2,3,7] x [4,7,5]: batch dimensions [2] and [4] do not broadcast (sizes 2 "
            "and 4 differ and neither is 1)");
  EXPECT_EQ(error_of({5, 2, 3, 7}, {3, 7, 5}),
            "matmul: [5,2,3,7] x [3,7,5]: batch dimensions [5,2] and [3] do not broadcast "
            "(sizes 2 and 3 differ and neither is 1)");
  EXPECT_THROW(matmul(Tensor(), Tensor::zeros({2, 2})), Error);
}

}  // namespace
}  // namespace attn
