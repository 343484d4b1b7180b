// The layers SAGAN needs, beyond PyTorch parity (test_parity_sagan_layers.cpp):
// ConvTranspose2d against its naive reference on one thread and two, as the adjoint of
// Conv2d, its sizes and PyTorch's init; spectral normalisation's sigma against a known
// largest singular value, its state names, graphs that outlive a later step; nearest
// upsampling, LeakyReLU, the hinge losses; and the errors a learner meets.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "helpers/thread_scope.h"
#include "layers/activation_modules.h"
#include "layers/conv2d.h"
#include "layers/conv_transpose2d.h"
#include "layers/losses.h"
#include "layers/spectral_norm.h"
#include "layers/upsample.h"

namespace attn {
namespace {

using testing::AllClose;
using testing::ThreadScope;

// ---- ConvTranspose2d ----------------------------------------------------------------------

struct ConvTShape {
  const char* name;
  int64_t B, C_in, C_out, H, W;
  nn::Size2 kernel, stride, padding, output_padding;
  bool bias;
};

class ConvTransposeVsNaive : public ::testing::TestWithParam<ConvTShape> {};

TEST_P(ConvTransposeVsNaive, ValuesAndGradientsAgreeOnOneAndTwoThreads) {
  const ConvTShape& s = GetParam();
  manual_seed(5);
  Tensor x = Tensor::randn({s.B, s.C_in, s.H, s.W}, true);
  Tensor w = Tensor::randn({s.C_in, s.C_out, s.kernel.h, s.kernel.w}, true);
  Tensor b = s.bias ? Tensor::randn({s.C_out}, true) : Tensor();
  auto run = [&](bool naive) {
    x.zero_grad(), w.zero_grad();
    if (b.defined()) b.zero_grad();
    Tensor y = naive ? nn::conv_transpose2d_naive(x, w, b, s.stride, s.padding, s.output_padding)
                     : nn::conv_transpose2d(x, w, b, s.stride, s.padding, s.output_padding);
    manual_seed(9);  // the same upstream gradient for both
    y.backward(Tensor::randn(y.shape()));
    return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : Tensor()};
  };
  const std::vector<Tensor> ref = run(true);
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ThreadScope scope(threads);  // two threads: the batch split however small it is
    const std::vector<Tensor> got = run(false);
    // float32 sums of up to C_in kh kw or B H W products of N(0,1) numbers, in another
    // order: rtol 1e-4, atol 1e-4.
    EXPECT_EQ(got[0].shape(), ref[0].shape());
    EXPECT_TRUE(AllClose(got[0], ref[0], 1e-4, 1e-4)) << "y";
    EXPECT_TRUE(AllClose(got[1], ref[1], 1e-4, 1e-4)) << "dx";
    EXPECT_TRUE(AllClose(got[2], ref[2], 1e-4, 1e-4)) << "dW";
    if (s.bias) {
      EXPECT_TRUE(AllClose(got[3], ref[3], 1e-4, 1e-4)) << "db";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTransposeVsNaive,
    ::testing::Values(
        ConvTShape{"k4_s2_p1_doubles", 2, 3, 4, 5, 6, 4, 2, 1, 0, true},
        ConvTShape{"k3_s2_p1_op1", 2, 2, 3, 4, 3, 3, 2, 1, 1, true},
        ConvTShape{"k3_s1_p1_same_no_bias", 1, 4, 2, 5, 5, 3, 1, 1, 0, false},
        ConvTShape{"k1_pointwise", 3, 5, 2, 4, 3, 1, 1, 0, 0, true},
        ConvTShape{"k1_stride2_leaves_gaps", 2, 2, 3, 3, 3, 1, 2, 0, 1, true},
        ConvTShape{
            "nonsquare_k2x5_s3x1_p1x2_op2x0", 2, 3, 2, 4, 5, {2, 5}, {3, 1}, {1, 2}, {2, 0}, true},
        ConvTShape{"padding_crops_to_one_pixel", 1, 2, 2, 1, 1, 3, 1, 1, 0, true},
        // C_in K N >= 2^15: the batch runs over threads when there are several.
        ConvTShape{"threaded_batch_k4_s2_p1_b4", 4, 32, 16, 7, 7, 4, 2, 1, 0, true}),
    [](const auto& info) { return info.param.name; });

// The transposed convolution is the adjoint of the convolution with the same weight:
// <conv2d(z, W), x> = <z, conv_transpose2d(x, W)> for every z, x of matching sizes.
TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  manual_seed(3);
  Tensor W = Tensor::randn({3, 2, 4, 4});  // conv2d: 2 -> 3 channels; transposed: 3 -> 2
  Tensor z = Tensor::randn({2, 2, 8, 6});
  Tensor x = Tensor::randn({2, 3, 4, 3});  // conv2d(z) has this shape (stride 2, padding 1)
  const Tensor cz = nn::conv2d(z, W, Tensor(), 2, 1);
  const Tensor tx = nn::conv_transpose2d(x, W, Tensor(), 2, 1);
  ASSERT_EQ(cz.shape(), x.shape());
  ASSERT_EQ(tx.shape(), z.shape());
  const double lhs = (cz * x).sum().item(), rhs = (z * tx).sum().item();
  EXPECT_NEAR(lhs, rhs, 1e-4 * std::abs(lhs) + 1e-3);
}

TEST(ConvTranspose2d, SizesParameterNamesAndPyTorchsInit) {
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(64, 32, 4).stride(2).padding(1));
  EXPECT_EQ(up(Tensor::randn({2, 64, 7, 7})).shape(), (Shape{2, 32, 14, 14}));
  // (H - 1) s - 2 p + k + output_padding: (4 - 1) 2 - 2 + 3 + 1 = 8.
  nn::ConvTranspose2d odd(
      nn::ConvTranspose2dOptions(2, 3, 3).stride(2).padding(1).output_padding(1));
  EXPECT_EQ(odd(Tensor::randn({1, 2, 4, 5})).shape(), (Shape{1, 3, 8, 10}));
  std::vector<std::string> names;
  for (const auto& [name, t] : up.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(up.weight.shape(), (Shape{64, 32, 4, 4}));
  // PyTorch's fan_in for [C_in, C_out, kh, kw] is C_out kh kw = 512: every draw within
  // 1/sqrt(512), and the largest near it.
  const double bound = 1 / std::sqrt(512.0);
  double largest = 0;
  for (real v : up.weight.to_vector()) largest = std::max(largest, double(std::abs(v)));
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.99 * bound);
  for (real v : up.bias.to_vector()) EXPECT_LE(std::abs(v), bound);
}

TEST(ConvTranspose2d, BadShapesAndOptionsNameTheOp) {
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(4, 2, 4).stride(2).padding(1));
  EXPECT_ERROR_HAS(up(Tensor::randn({1, 3, 5, 5})), "ConvTranspose2d: input [1,3,5,5] has 3");
  EXPECT_ERROR_HAS(up(Tensor::randn({4, 5, 5})), "expected 4: [batch, channels, height, width]");
  EXPECT_ERROR_HAS(nn::conv_transpose2d(Tensor::randn({1, 2, 3, 3}), Tensor::randn({3, 2, 3, 3})),
                   "[in_channels, out_channels, kh, kw]");
  EXPECT_ERROR_HAS(nn::conv_transpose2d(Tensor::randn({1, 2, 3, 3}), Tensor::randn({2, 2, 3, 3}),
                                        Tensor::randn({3})),
                   "conv_transpose2d: bias of shape [3]");
  EXPECT_ERROR_HAS(
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2, 2, 3).stride(2).output_padding(2)),
      "output_padding 2x2 must be >= 0 and smaller than the stride 2x2");
  EXPECT_ERROR_HAS(nn::conv_transpose2d(Tensor::randn({1, 1, 1, 1}), Tensor::randn({1, 1, 2, 2}),
                                        Tensor(), 1, 1),
                   "gives an empty output");
}

// ---- nearest upsampling -------------------------------------------------------------------

TEST(Upsample, CopiesEachPixelIntoABlockAndSumsTheBlockBack) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3}, true);
  Tensor y = nn::Upsample(2)(x);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(y.to_vector(), (std::vector<real>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,  //
                                              4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6}));
  y.backward(Tensor::arange(24).reshape({1, 1, 4, 6}));
  // Block of pixel (0, 0): 0 + 1 + 6 + 7; of (1, 2): 16 + 17 + 22 + 23.
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{14, 22, 30, 62, 70, 78}));
  EXPECT_ERROR_HAS(nn::upsample_nearest2d(x, 0), "upsample_nearest2d: scale factor 0");
  EXPECT_ERROR_HAS(nn::upsample_nearest2d(Tensor::randn({2, 3}), 2), "expected 4");
}

// ---- LeakyReLU ----------------------------------------------------------------------------

TEST(LeakyReLU, ScalesOnlyTheNegativeSide) {
  Tensor x = Tensor::from_vector({-2, -0.5, 0, 0.5, 3}, {5}, true);
  Tensor y = nn::LeakyReLU(0.2)(x);
  EXPECT_TRUE(AllClose(y, Tensor::from_vector({-0.4, -0.1, 0, 0.5, 3}, {5}), 0, 1e-7));
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<real>{0.2f, 0.2f, 0.2f, 1, 1}));
  EXPECT_TRUE(AllClose(x.leaky_relu(), Tensor::from_vector({-0.02, -0.005, 0, 0.5, 3}, {5}), 0,
                       1e-7));  // PyTorch's default slope 0.01
  EXPECT_EQ(nn::LeakyReLU().options.negative_slope(), 0.01);
}

// ---- spectral normalisation ---------------------------------------------------------------

TEST(SpectralNorm, SigmaReachesTheLargestSingularValue) {
  // W = Q1 diag(3, 2, 1) Q2 for rotations Q1, Q2: its largest singular value is 3, and
  // W / sigma has spectral norm 1.
  const double c = std::cos(0.7), s = std::sin(0.7);
  Tensor Q1 = Tensor::from_vector({real(c), real(-s), 0, real(s), real(c), 0, 0, 0, 1}, {3, 3});
  Tensor Q2 = Tensor::from_vector({1, 0, 0, 0, real(c), real(s), 0, real(-s), real(c)}, {3, 3});
  Tensor D = Tensor::from_vector({3, 0, 0, 0, 2, 0, 0, 0, 1}, {3, 3});
  nn::SNLinear fc(nn::LinearOptions(3, 3));
  fc.weight_orig.copy_(matmul(matmul(Q1, D), Q2));
  for (int step = 0; step < 60; ++step) fc(Tensor::randn({1, 3}));  // (2/3)^2 per step
  EXPECT_NEAR(fc.sigma(), 3.0, 1e-4);
  // The normalised weight maps the top right singular vector v to a unit vector.
  Tensor u = fc.weight_u, v = fc.weight_v;
  const Tensor W = nn::spectral_normalize(fc.weight_orig.detach(), u, v, false);
  const Tensor Wv = matmul(W, fc.weight_v.reshape({3, 1}));
  EXPECT_NEAR(std::sqrt((Wv * Wv).sum().item()), 1.0, 1e-4);
}

TEST(SpectralNorm, PyTorchsStateNamesAndUnitVectorsAtTheStart) {
  nn::SNConv2d conv(nn::Conv2dOptions(3, 8, 4).stride(2).padding(1));
  std::vector<std::string> names;
  for (const auto& [name, t] : conv.state_dict()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"bias", "weight_orig", "weight_u", "weight_v"}));
  EXPECT_EQ(conv.named_parameters().size(), 2u);  // u and v are buffers: not trained
  EXPECT_EQ(conv.weight_u.shape(), (Shape{8}));
  EXPECT_EQ(conv.weight_v.shape(), (Shape{48}));
  EXPECT_NEAR((conv.weight_u * conv.weight_u).sum().item(), 1.0, 1e-5);
  EXPECT_NEAR((conv.weight_v * conv.weight_v).sum().item(), 1.0, 1e-5);
  EXPECT_EQ(conv(Tensor::randn({2, 3, 8, 8})).shape(), (Shape{2, 8, 4, 4}));
  nn::SNLinear fc(nn::LinearOptions(5, 2).bias(false));
  names.clear();
  for (const auto& [name, t] : fc.state_dict()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight_orig", "weight_u", "weight_v"}));
}

TEST(SpectralNorm, EvalLeavesUAndVAndTrainingMovesThem) {
  nn::SNLinear fc(nn::LinearOptions(6, 4));
  const std::vector<real> u0 = fc.weight_u.to_vector();
  fc.eval();
  fc(Tensor::randn({2, 6}));
  EXPECT_EQ(fc.weight_u.to_vector(), u0);
  fc.train();
  fc(Tensor::randn({2, 6}));
  EXPECT_NE(fc.weight_u.to_vector(), u0);
}

// The discriminator runs on real and on fake images (two steps of u, v) before one
// backward: each graph must keep the u and v its sigma was computed with.
TEST(SpectralNorm, AGraphKeepsItsUAndVThroughALaterStep) {
  manual_seed(21);
  nn::SNLinear fc(nn::LinearOptions(4, 3));
  Tensor x = Tensor::randn({2, 4});
  // The expected gradient: the same first forward, backward at once.
  const Tensor u0 = fc.weight_u.clone(), v0 = fc.weight_v.clone();
  fc(x).sum().backward();
  const Tensor expected = fc.weight_orig.grad().clone();
  fc.weight_orig.zero_grad();
  fc.weight_u.copy_(u0), fc.weight_v.copy_(v0);
  Tensor first = fc(x);
  fc(Tensor::randn({2, 4}));  // a second step writes u and v in place
  first.sum().backward();
  EXPECT_TRUE(AllClose(fc.weight_orig.grad(), expected, 0, 0));
}

TEST(SpectralNorm, BadShapesNameTheOp) {
  Tensor W = Tensor::randn({3, 4}), u = Tensor::randn({3}), v = Tensor::randn({5});
  EXPECT_ERROR_HAS(nn::spectral_normalize(W, u, v, true),
                   "spectral_normalize: v must have shape [4]");
  Tensor w1 = Tensor::randn({3});
  EXPECT_ERROR_HAS(nn::spectral_normalize(w1, u, v, true), "at least 2 dimensions");
  nn::SNLinear fc(nn::LinearOptions(4, 3));
  EXPECT_ERROR_HAS(fc(Tensor::randn({2, 5})), "linear: input of shape [2,5]");
}

// ---- hinge losses -------------------------------------------------------------------------

TEST(HingeLoss, ByHandAndOnEmptyScores) {
  Tensor d_real = Tensor::from_vector({2, 0.5, -1}, {3, 1}, true);
  Tensor d_fake = Tensor::from_vector({-3, 0}, {2, 1}, true);
  // mean(0, 0.5, 2) + mean(0, 1) = 5/6 + 1/2.
  Tensor loss = nn::hinge_loss_discriminator(d_real, d_fake);
  EXPECT_NEAR(loss.item(), 5.0 / 6 + 0.5, 1e-6);
  loss.backward();
  EXPECT_TRUE(
      AllClose(d_real.grad(), Tensor::from_vector({0, -1.0 / 3, -1.0 / 3}, {3, 1}), 0, 1e-7));
  EXPECT_TRUE(AllClose(d_fake.grad(), Tensor::from_vector({0, 0.5}, {2, 1}), 0, 1e-7));
  EXPECT_NEAR(nn::hinge_loss_generator(d_fake).item(), 1.5, 1e-6);
  EXPECT_ERROR_HAS(nn::hinge_loss_generator(Tensor::zeros({0, 1})),
                   "hinge_loss_generator: d_fake of shape [0,1] is empty");
  EXPECT_ERROR_HAS(nn::hinge_loss_discriminator(Tensor(), d_fake),
                   "hinge_loss_discriminator: d_real is undefined");
}

}  // namespace
}  // namespace attn
