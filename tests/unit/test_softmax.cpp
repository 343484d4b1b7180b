// softmax and log_softmax: values and gradients against PyTorch, stability for
// large logits, masked (-inf) entries and fully masked rows, every dim of a 3-D
// tensor against a naive double-precision reference, and the dim error.
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
constexpr real kInf = std::numeric_limits<real>::infinity();
// Float build, polynomial exp of ~1 ulp: a few ulps after the normalisation.
constexpr double kRtol = 1e-5, kAtol = 1e-7;

// The textbook formula in double, one row at a time, for any dim: the reference.
std::vector<double> naive_softmax(const Tensor& x, int64_t dim, bool log) {
  const Shape& s = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < dim; ++k) outer *= s[k];
  for (size_t k = dim + 1; k < s.size(); ++k) inner *= s[k];
  const int64_t n = s[dim];
  std::vector<double> y(x.numel());
  const real* px = x.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return (o * n + j) * inner + i; };
      double m = -INFINITY, z = 0;
      for (int64_t j = 0; j < n; ++j) m = std::max(m, double(px[at(j)]));
      for (int64_t j = 0; j < n; ++j) z += std::exp(double(px[at(j)]) - m);
      for (int64_t j = 0; j < n; ++j)
        y[at(j)] = log ? double(px[at(j)]) - m - std::log(z) : std::exp(double(px[at(j)]) - m) / z;
    }
  return y;
}

std::vector<real> to_real(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}

TEST(Softmax, ValuesAndGradientsMatchTorch) {
  // torch 1.13, float64: a = torch.tensor([1., 2., 3.]); g = torch.tensor([0.5, -1., 2.])
  //   torch.softmax(a, 0), torch.log_softmax(a, 0), and a.grad after .backward(g)
  Tensor a = Tensor::from_vector({1, 2, 3}, {3}, true);
  Tensor g = Tensor::from_vector({0.5, -1, 2}, {3});
  Tensor p = softmax(a, 0);
  EXPECT_TRUE(AllClose(p.to_vector(), {0.09003057317038045, 0.2447284710547976, 0.6652409557748218},
                       kRtol, kAtol));
  p.backward(g);
  EXPECT_TRUE(AllClose(a.grad().to_vector(),
                       {-0.05678847003696693, -0.5214597727496746, 0.5782482427866417}, kRtol,
                       kAtol));
  a.zero_grad();
  Tensor lp = a.log_softmax(-1);
  EXPECT_TRUE(AllClose(lp.to_vector(),
                       {-2.4076059644443806, -1.4076059644443804, -0.4076059644443804}, kRtol,
                       kAtol));
  lp.backward(g);
  EXPECT_TRUE(AllClose(a.grad().to_vector(),
                       {0.36495414024442935, -1.3670927065821965, 1.0021385663377673}, kRtol,
                       kAtol));
}

TEST(Softmax, StridedDimMatchesTorch) {
  // torch: torch.softmax(t, 1) for the [2,3,4] tensor below (float64), flattened.
  Tensor t =
      Tensor::from_vector({0.3, -1.2, 2.5,  0.0, 1.1,  0.7, -0.4, 2.2,  -2.0, 0.9,  1.6, -0.8,
                           0.5, 0.5,  -1.5, 3.0, -0.6, 2.4, 0.1,  -1.1, 1.9,  -0.2, 0.8, 0.6},
                          {2, 3, 4});
  EXPECT_TRUE(AllClose(
      softmax(t, 1).to_vector(),
      {0.3006795563444017,   0.06308326648284394,  0.6841850516806603,  0.09547138672234594,
       0.669174659005423,    0.42176806077846846,  0.03764606465792933, 0.8616305539788678,
       0.030145784650175325, 0.5151486727386876,   0.27816888366141035, 0.04289805929878637,
       0.1855951769417123,   0.12221234039475767,  0.0627856161660331,  0.9031052680198404,
       0.06177926767772459,  0.8170988074232525,   0.310979192655988,   0.014966870460513414,
       0.7526255553805631,   0.060688852181989876, 0.6262351911779789,  0.08192786151964625},
      kRtol, kAtol));
}

TEST(Softmax, EveryDimOfA3DTensorMatchesTheNaiveFormula) {
  manual_seed(11);
  Tensor x = Tensor::randn({3, 5, 7}) * 3.0;
  for (int64_t d = -3; d < 3; ++d) {
    SCOPED_TRACE("dim " + std::to_string(d));
    const int64_t nd = d < 0 ? d + 3 : d;
    Tensor y = softmax(x, d);
    EXPECT_EQ(y.shape(), x.shape());
    EXPECT_TRUE(AllClose(y.to_vector(), to_real(naive_softmax(x, nd, false)), kRtol, kAtol));
    EXPECT_TRUE(
        AllClose(log_softmax(x, d).to_vector(), to_real(naive_softmax(x, nd, true)), kRtol, 1e-5));
    // Each row sums to 1: sum along d is all ones.
    for (real v : sum(y, {d}).to_vector()) EXPECT_NEAR(v, 1, 1e-6);
  }
}

TEST(Softmax, LargeTensorsMatchTheNaiveFormula) {
  // [64, 1000] along dim 1 (contiguous rows) and dim 0 (strided): enough work for the
  // threaded loops.
  manual_seed(12);
  Tensor x = Tensor::randn({64, 1000}) * 5.0;
  EXPECT_TRUE(
      AllClose(softmax(x, 1).to_vector(), to_real(naive_softmax(x, 1, false)), kRtol, kAtol));
  EXPECT_TRUE(
      AllClose(softmax(x, 0).to_vector(), to_real(naive_softmax(x, 0, false)), kRtol, kAtol));
  EXPECT_TRUE(
      AllClose(log_softmax(x, 1).to_vector(), to_real(naive_softmax(x, 1, true)), kRtol, 1e-5));
}

TEST(Softmax, LargeLogitsStayFinite) {
  // torch (float32): torch.softmax(torch.tensor([1000., 1001.]), 0) = [0.26894143, 0.7310586]
  Tensor p = softmax(Tensor::from_vector({1000, 1001}, {2}), 0);
  EXPECT_TRUE(AllClose(p.to_vector(), {0.2689414322376251, 0.7310585975646973}, kRtol, kAtol));
  // torch: torch.log_softmax(torch.tensor([-1000., 1000., 0.]), 0) = [-2000, 0, -1000]
  Tensor lp = log_softmax(Tensor::from_vector({-1000, 1000, 0}, {3}), 0);
  EXPECT_EQ(lp.to_vector(), (std::vector<real>{-2000, 0, -1000}));
  // The same along a strided dim.
  Tensor lp0 = log_softmax(Tensor::from_vector({-1000, 5, 1000, 5, 0, 5}, {3, 2}), 0);
  EXPECT_EQ(lp0.at({0, 0}), -2000);
  EXPECT_EQ(lp0.at({1, 0}), 0);
  EXPECT_NEAR(lp0.at({0, 1}), -std::log(3.0), 1e-6);
  // A gradient through huge logits is finite too.
  Tensor x = Tensor::from_vector({3000, 3001, 2999}, {3}, true);
  sum(log_softmax(x, 0) * Tensor::from_vector({1, 0, 0}, {3})).backward();
  for (real v : x.grad().to_vector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(Softmax, MaskedEntriesGetExactlyZero) {
  // torch: torch.softmax(torch.tensor([0., -inf, 1.]), 0) = [0.2689, 0, 0.7311],
  //        torch.log_softmax(...) = [-1.3133, -inf, -0.3133]
  Tensor x = Tensor::from_vector({0, -kInf, 1}, {3}, true);
  Tensor p = softmax(x, 0);
  EXPECT_TRUE(AllClose(p.to_vector(), {0.2689414322376251, 0.0, 0.7310585975646973}, kRtol, 0));
  EXPECT_EQ(p.to_vector()[1], 0);
  Tensor lp = log_softmax(x.detach(), 0);
  EXPECT_EQ(lp.to_vector()[1], -kInf);
  EXPECT_NEAR(lp.to_vector()[0], -1.31326162815094, 1e-6);
  p.backward(Tensor::from_vector({1, 5, -2}, {3}));
  EXPECT_EQ(x.grad().to_vector()[1], 0);  // a masked logit receives no gradient
  EXPECT_TRUE(std::isfinite(x.grad().to_vector()[0]));
}

TEST(Softmax, AFullyMaskedRowIsNaNLikeTorch) {
  // torch: torch.softmax(torch.tensor([[-inf]*3, [0., 1., 2.]]), 1) = [[nan]*3, [0.09, 0.24, 0.67]]
  Tensor x = Tensor::from_vector({-kInf, -kInf, -kInf, 0, 1, 2}, {2, 3});
  Tensor rows = softmax(x, 1);      // contiguous rows
  Tensor cols = softmax(x.t(), 0);  // the same rows, strided
  for (const Tensor& y : {rows, cols.t()}) {
    for (int64_t j = 0; j < 3; ++j) EXPECT_TRUE(std::isnan(y.at({0, j})));
    EXPECT_NEAR(y.at({1, 0}), 0.09003057330846786, 1e-6);
    EXPECT_NEAR(y.at({1, 2}), 0.6652409434318542, 1e-6);
  }
  for (int64_t j = 0; j < 3; ++j) EXPECT_TRUE(std::isnan(log_softmax(x, 1).at({0, j})));
}

TEST(Softmax, SizeOneDimsAndZeroDimTensors) {
  Tensor x = Tensor::randn({4, 1});
  for (real v : softmax(x, 1).to_vector()) EXPECT_EQ(v, 1);
  for (real v : log_softmax(x, 1).to_vector()) EXPECT_EQ(v, 0);
  EXPECT_EQ(softmax(Tensor::scalar(7), 0).item(), 1);  // as torch.softmax(torch.tensor(7.), 0)
}

TEST(Softmax, WrongDimNamesTheOpTheDimAndTheShape) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { softmax(x, 3); },
                         {"softmax: dimension 3 is out of range for a tensor of shape [2,3]",
                          "expected -2 <= dim < 2"}));
  EXPECT_TRUE(ThrowsWith([&] { log_softmax(x, -3); }, {"log_softmax: dimension -3", "[2,3]"}));
  EXPECT_TRUE(ThrowsWith([&] { x.softmax(2); }, {"softmax: dimension 2"}));
  EXPECT_TRUE(ThrowsWith([&] { softmax(Tensor(), 0); }, {"softmax: the input is undefined"}));
}

}  // namespace
}  // namespace attn
