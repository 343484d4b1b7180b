// The engine's own behaviour (autograd/engine.cpp, node.cpp): accumulation,
// seeds, grad mode, detach, zero_grad, retain_graph, deep graphs, and that a
// walked graph lets go of what it saved.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"

namespace attn {
namespace {

using attn::testing::AllClose;
using testing::error_of;

TEST(Engine, TensorUsedTwiceAccumulatesBothGradients) {
  Tensor x = Tensor::from_vector({1, -2, 3}, {3}, /*requires_grad=*/true);
  (x * x).sum().backward();  // d/dx x^2 = 2x: one x from each operand
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{2, -4, 6}));

  Tensor y = Tensor::from_vector({1, -2, 3}, {3}, true);
  (y + y).sum().backward();  // 1 + 1
  EXPECT_EQ(y.grad().to_vector(), (std::vector<real>{2, 2, 2}));

  // A diamond: u feeds two branches that meet again.
  Tensor z = Tensor::from_vector({0.5, 2}, {2}, true);
  Tensor u = z * 3.0;
  (u * u + u).sum().backward();  // d/dz (9z^2 + 3z) = 18z + 3
  EXPECT_TRUE(AllClose(z.grad(), Tensor::from_vector({12, 39}, {2}), 1e-6, 1e-6));
}

// The engine adds a tensor's later gradients into its first one in place when nothing else
// holds that buffer. Here one backward (of a + b) hands the SAME gradient tensor to a and
// to b, and each then receives more: an in-place sum into that shared tensor would give a
// b's gradient as well.
TEST(Engine, SharedGradientIsNotSummedIntoInPlace) {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}, true);
  Tensor a = x * 1.0, b = x * 1.0;
  Tensor loss = (a + b).sum() + (a * 3.0).sum() + (b * 5.0).sum() + (a * 7.0).sum();
  loss.backward();  // dL/da = 1 + 3 + 7, dL/db = 1 + 5
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{17, 17, 17}));

  // The gradient passed in by the caller is not written to either.
  Tensor v = Tensor::from_vector({1, 2}, {2}, true);
  Tensor u = v * 1.0;
  Tensor y = u.reshape({2}) + u * 2.0;
  const Tensor seed = Tensor::from_vector({1, 1}, {2});
  y.backward(seed);
  EXPECT_EQ(seed.to_vector(), (std::vector<real>{1, 1}));
  EXPECT_EQ(v.grad().to_vector(), (std::vector<real>{3, 3}));
}

TEST(Engine, BackwardFromAScalarAndWithAnExplicitGradient) {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}, true);
  Tensor loss = (x * 4.0).sum();
  EXPECT_EQ(loss.shape(), Shape{});
  loss.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{4, 4, 4}));

  // A one-element tensor of any rank counts as a scalar.
  Tensor w = Tensor::from_vector({2}, {1, 1}, true);
  (w * w).backward();
  EXPECT_EQ(w.grad().item(), 4);

  // dL/dy given: dL/dx = dL/dy * 4.
  Tensor v = Tensor::from_vector({1, 2, 3}, {3}, true);
  Tensor y = v * 4.0;
  y.backward(Tensor::from_vector({1, 0.5, -1}, {3}));
  EXPECT_EQ(v.grad().to_vector(), (std::vector<real>{4, 2, -4}));
}

TEST(Engine, NonScalarBackwardWithoutGradientIsAClearError) {
  Tensor x = Tensor::ones({2, 3}, true);
  Tensor y = x * 2.0;
  const std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("backward"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2,3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scalar"), std::string::npos) << msg;
  EXPECT_FALSE(x.grad().defined());  // nothing ran

  const std::string wrong = error_of([&] { y.backward(Tensor::ones({3, 2})); });
  EXPECT_NE(wrong.find("[3,2]"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("[2,3]"), std::string::npos) << wrong;

  const std::string no_grad = error_of([] { Tensor::ones({1}).backward(); });
  EXPECT_NE(no_grad.find("does not require grad"), std::string::npos) << no_grad;
}

TEST(Engine, NoGradGuardRecordsNothing) {
  Tensor x = Tensor::ones({3}, true);
  ASSERT_TRUE(grad_enabled());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(grad_enabled());
    Tensor y = x * 2.0 + x;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_TRUE(y.is_leaf());
    { NoGradGuard nested; }
    EXPECT_FALSE(grad_enabled());  // the inner guard restores "off", not "on"
  }
  EXPECT_TRUE(grad_enabled());
  Tensor z = x * 2.0;
  EXPECT_TRUE(z.requires_grad());
  ASSERT_NE(z.grad_fn(), nullptr);
  EXPECT_EQ(z.grad_fn()->op(), "mul");
}

TEST(Engine, DetachCutsTheGraph) {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}, true);
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.data(), x.data());  // same numbers, no history
  // x * detach(x): only the first factor is differentiated, so dL/dx = x, not 2x.
  (x * d).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{1, 2, 3}));

  Tensor h = x * 2.0;
  Tensor cut = h.detach();
  EXPECT_EQ(cut.grad_fn(), nullptr);
  EXPECT_FALSE((cut * 3.0).requires_grad());
}

TEST(Engine, GradientsAccumulateAcrossCallsUntilZeroGrad) {
  Tensor x = Tensor::from_vector({1, 2}, {2}, true);
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();  // a second graph: adds to .grad, like PyTorch
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{6, 6}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  (x * x).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{2, 4}));
}

TEST(Engine, LeafGradientIsACopyNotTheUpstreamTensor) {
  // add hands the same gradient tensor to both inputs; the leaves must not share it.
  Tensor a = Tensor::ones({2}, true), b = Tensor::ones({2}, true);
  Tensor s = a + b;
  s.backward(Tensor::from_vector({1, 2}, {2}));
  a.grad().data()[0] = 100;
  EXPECT_EQ(b.grad().data()[0], 1);
}

TEST(Engine, SecondBackwardNeedsRetainGraph) {
  Tensor x = Tensor::from_vector({1, 2}, {2}, true);
  Tensor y = (x * x).sum();
  y.backward();
  const std::string msg = error_of([&] { y.backward(); });
  EXPECT_NE(msg.find("'sum'"), std::string::npos) << msg;  // the first op it meets
  EXPECT_NE(msg.find("retain_graph"), std::string::npos) << msg;

  Tensor w = Tensor::from_vector({1, 2}, {2}, true);
  Tensor z = (w * w).sum();
  z.backward(/*retain_graph=*/true);
  EXPECT_FALSE(z.grad_fn()->released());
  z.backward();  // walks the retained graph again; the gradients add up
  EXPECT_EQ(w.grad().to_vector(), (std::vector<real>{4, 8}));
  EXPECT_TRUE(z.grad_fn()->released());
}

// x = x * 1.0001 + 0 in a loop, 10^5 ops: the graph an unrolled RNN makes.
// backward() and the destructor must both walk it without recursion (a
// recursive free needs a few stack frames per link and overflows 8 MB).
TEST(Engine, DeepChainRunsBackwardAndIsFreedWithoutStackOverflow) {
  constexpr int kSteps = 50000;  // two ops each
  Tensor x0 = Tensor::ones({1}, true);
  {
    Tensor x = x0;
    for (int i = 0; i < kSteps; ++i) x = x * 1.0001 + 0.0;
    x.backward();
  }  // the chain is destroyed here
  // d x_n / d x_0 = 1.0001^n ~ e^5; float rounds each of the 5*10^4 products,
  // so allow 1% (the rounding is at most ~5e4 * 6e-8 = 3e-3).
  const double expected = std::pow(double(real(1.0001)), kSteps);
  EXPECT_NEAR(x0.grad().item(), expected, 0.01 * expected);

  // A chain that is never walked is freed just as well.
  Tensor y = x0;
  for (int i = 0; i < kSteps; ++i) y = y * 1.0001 + 0.0;
  y = Tensor();
  SUCCEED();
}

// The same depth when each op reads its input twice (x + x, x * x): the node
// then holds two handles to one tensor. Run in a child process, so that a
// stack overflow fails this test instead of killing the whole binary.
TEST(EngineDeathTest, DeepChainOfOpsReadingTheirInputTwiceIsFreed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the kernels' worker threads may exist
  EXPECT_EXIT(
      {
        Tensor x = Tensor::ones({1}, true);
        for (int i = 0; i < 50000; ++i) x = (x + x) * 0.5;
        x = Tensor();
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(Engine, BackwardWithoutRetainReleasesSavedTensors) {
  Tensor a = Tensor::randn({4, 4}, true);
  Tensor b = Tensor::randn({4, 4}, true);
  const long base = b.impl_ptr().use_count();  // 1: our handle
  Tensor y = (a * b).sum();
  // mul keeps b twice: as an input edge and in its backward closure.
  const long recorded = b.impl_ptr().use_count();
  EXPECT_GE(recorded, base + 2);
  y.backward(/*retain_graph=*/true);
  EXPECT_EQ(b.impl_ptr().use_count(), recorded);  // retained: still saved
  y.backward();
  EXPECT_EQ(b.impl_ptr().use_count(), recorded - 1);  // the closure let go; the edge stays
  EXPECT_TRUE(y.grad_fn()->released());
  y = Tensor();  // dropping the output frees the nodes, and with them the edges
  EXPECT_EQ(b.impl_ptr().use_count(), base);
}

}  // namespace
}  // namespace attn
