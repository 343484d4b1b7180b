// Activations: values and gradients against PyTorch, the saturated tails, the
// relu kink convention, and the error for an undefined input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"

namespace attn {
namespace {

using testing::AllClose;

// The inputs of every table below.
const std::vector<real> kX = {-3, -1, -0.5, 0, 0.5, 1, 3};

// y = f(x) and dL/dx for L = sum(y).
struct ValueAndGrad {
  std::vector<real> y, dx;
};
template <typename F>
ValueAndGrad run(F f, const std::vector<real>& xs) {
  Tensor x = Tensor::from_vector(xs, {int64_t(xs.size())}, /*requires_grad=*/true);
  Tensor y = f(x);
  sum(y).backward();
  return {y.to_vector(), x.grad().to_vector()};
}

// Expected numbers below: torch 1.13, float64, e.g.
//   x = torch.tensor([-3, -1, -0.5, 0, 0.5, 1, 3], dtype=torch.float64, requires_grad=True)
//   torch.tanh(x).sum().backward(); print(y, x.grad)
// Tolerance: the float build uses a polynomial exp of ~1 ulp (vector_kernels.h), so
// values agree to a few float ulps: rtol 1e-5, atol 1e-6.
constexpr double kRtol = 1e-5, kAtol = 1e-6;

TEST(Activations, TanhMatchesTorch) {
  auto r = run([](const Tensor& x) { return tanh(x); }, kX);
  EXPECT_TRUE(AllClose(
      r.y, {-0.9950547537, -0.761594156, -0.4621171573, 0, 0.4621171573, 0.761594156, 0.9950547537},
      kRtol, kAtol));
  EXPECT_TRUE(AllClose(
      r.dx,
      {0.009866037165, 0.4199743416, 0.786447733, 1, 0.786447733, 0.4199743416, 0.009866037165},
      kRtol, kAtol));
}

TEST(Activations, SigmoidMatchesTorch) {
  auto r = run([](const Tensor& x) { return x.sigmoid(); }, kX);
  EXPECT_TRUE(AllClose(
      r.y,
      {0.04742587318, 0.2689414214, 0.3775406688, 0.5, 0.6224593312, 0.7310585786, 0.9525741268},
      kRtol, kAtol));
  EXPECT_TRUE(AllClose(
      r.dx,
      {0.04517665973, 0.1966119332, 0.2350037122, 0.25, 0.2350037122, 0.1966119332, 0.04517665973},
      kRtol, kAtol));
}

TEST(Activations, ReluMatchesTorchWithZeroGradientAtTheKink) {
  auto r = run([](const Tensor& x) { return relu(x); }, kX);
  EXPECT_EQ(r.y, (std::vector<real>{0, 0, 0, 0, 0.5, 1, 3}));
  // At x = 0 exactly the derivative is taken as 0, as in PyTorch.
  EXPECT_EQ(r.dx, (std::vector<real>{0, 0, 0, 0, 1, 1, 1}));
}

TEST(Activations, GeluIsTheExactErfForm) {
  auto r = run([](const Tensor& x) { return gelu(x); }, kX);
  // torch.nn.functional.gelu (approximate='none'), float64.
  EXPECT_TRUE(AllClose(
      r.y,
      {-0.004049694095, -0.1586552539, -0.1542687694, 0, 0.3457312306, 0.8413447461, 2.995950306},
      kRtol, kAtol));
  EXPECT_TRUE(AllClose(
      r.dx,
      {-0.0119456472, -0.08331547059, 0.1325048753, 0.5, 0.8674951247, 1.083315471, 1.011945647},
      kRtol, kAtol));
  // The tanh approximation of GPT-2 differs from the erf form by ~1e-4 near |x| = 2:
  // this catches a gelu that used it. 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) at 2
  // is 1.954597694; x Phi(x) is 1.954499736 (by hand, Phi(2) = 0.9772498681).
  auto two = run([](const Tensor& x) { return gelu(x); }, {2});
  EXPECT_NEAR(two.y[0], 1.954499736, 2e-6);
}

TEST(Activations, SaturatedTailsStayFiniteAndExact) {
  const std::vector<real> big = {-100, -30, 30, 100};
  auto t = run([](const Tensor& x) { return tanh(x); }, big);
  EXPECT_EQ(t.y, (std::vector<real>{-1, -1, 1, 1}));
  for (real g : t.dx) EXPECT_EQ(g, 0);  // 1 - y^2 with y = +-1
  auto s = run([](const Tensor& x) { return sigmoid(x); }, big);
  EXPECT_TRUE(
      AllClose(s.y, {0, 9.357622969e-14, 1, 1}, 1e-5, 0));  // sigmoid(-30) = e^-30 / (1 + e^-30)
  for (real g : s.dx) {
    EXPECT_TRUE(std::isfinite(g));
    EXPECT_GE(g, 0);
    EXPECT_LT(g, 1e-12);
  }
  auto g = run([](const Tensor& x) { return gelu(x); }, {-10, 10});
  EXPECT_NEAR(g.y[0], 0, 1e-20);  // -10 Phi(-10) = -7.6e-23
  EXPECT_EQ(g.y[1], 10);
  EXPECT_NEAR(g.dx[0], 0, 1e-20);
  EXPECT_EQ(g.dx[1], 1);
}

TEST(Activations, GradientsAccumulateThroughAChain) {
  // d/dx relu(tanh(x)) = (1 - tanh^2 x) where tanh x > 0, else 0; x used twice adds up.
  Tensor x = Tensor::from_vector({-0.5, 0.5}, {2}, true);
  sum(relu(tanh(x)) + sigmoid(x)).backward();
  const double t = std::tanh(0.5), s = 1 / (1 + std::exp(-0.5)), sm = 1 / (1 + std::exp(0.5));
  EXPECT_TRUE(AllClose(x.grad().to_vector(), {real(sm * (1 - sm)), real(1 - t * t + s * (1 - s))},
                       kRtol, kAtol));
}

TEST(Activations, NoGraphUnderNoGrad) {
  Tensor x = Tensor::randn({3}, true);
  NoGradGuard no_grad;
  EXPECT_FALSE(gelu(x).requires_grad());
  EXPECT_FALSE(tanh(x).requires_grad());
}

TEST(Activations, UndefinedInputNamesTheOp) {
  for (auto [name, f] : std::vector<std::pair<std::string, Tensor (*)(const Tensor&)>>{
           {"tanh", tanh}, {"sigmoid", sigmoid}, {"relu", relu}, {"gelu", gelu}}) {
    try {
      f(Tensor());
      ADD_FAILURE() << name << " accepted an undefined tensor";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), name + ": the input is undefined");
    }
  }
}

}  // namespace
}  // namespace attn
