// Conv2d and pooling: the im2col + GEMM convolution against the seven-loop reference (values
// and every gradient) over a sweep of shapes, one thread against two, PyTorch's parameter
// names/shapes/init, pooling against hand computations (ties, padding divisors), and the
// errors a learner meets.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/parallel.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "helpers/thread_scope.h"
#include "layers/conv2d.h"
#include "layers/pooling.h"

namespace attn {
namespace {

using testing::AllClose;
using testing::ThreadScope;

// ---- im2col + GEMM == the seven-loop reference ---------------------------------------------

struct ConvShape {
  std::string name;
  int64_t B, C, O, H, W;
  nn::Size2 kernel, stride, padding;
  bool bias;
};

class ConvVsNaive : public ::testing::TestWithParam<ConvShape> {};

// Runs f(x, w, b) forward and backward with a fixed upstream gradient; returns y and the
// gradients of x, w and b (b's empty without bias).
template <typename F>
std::vector<Tensor> run(F f, const Tensor& x, const Tensor& w, const Tensor& b,
                        const Tensor& gy_seed) {
  Tensor(x).zero_grad(), Tensor(w).zero_grad();
  if (b.defined()) Tensor(b).zero_grad();
  Tensor y = f(x, w, b);
  Tensor gy = gy_seed.defined() ? gy_seed : Tensor::randn(y.shape());
  y.backward(gy);
  return {y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : Tensor(), gy};
}

TEST_P(ConvVsNaive, ValuesAndGradientsAgree) {
  const ConvShape& s = GetParam();
  manual_seed(7);
  Tensor x = Tensor::randn({s.B, s.C, s.H, s.W}, true);
  Tensor w = Tensor::randn({s.O, s.C, s.kernel.h, s.kernel.w}, true);
  Tensor b = s.bias ? Tensor::randn({s.O}, true) : Tensor();
  auto fast = [&](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
    return nn::conv2d(xi, wi, bi, s.stride, s.padding);
  };
  auto naive = [&](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
    return nn::conv2d_naive(xi, wi, bi, s.stride, s.padding);
  };
  std::vector<Tensor> ref = run(naive, x, w, b, Tensor());
  // On one thread the images go in order; on two they are split between the threads (each
  // with its own column buffer and partial dW), however small the batch (ThreadScope).
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ThreadScope scope(threads);
    std::vector<Tensor> got = run(fast, x, w, b, ref[4]);
    // float32 sums of up to C kh kw (forward, dx) or B Ho Wo (dW) products of N(0,1)
    // numbers, in another order (the reference sums in double): rtol 1e-4, atol 1e-4.
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
    Shapes, ConvVsNaive,
    ::testing::Values(ConvShape{"k3_pad1_b1", 1, 3, 4, 8, 8, 3, 1, 1, true},
                      ConvShape{"k3_nopad_odd", 2, 2, 3, 7, 9, 3, 1, 0, true},
                      ConvShape{"k3_stride2_pad1_odd", 3, 3, 5, 9, 7, 3, 2, 1, true},
                      ConvShape{"k1_pointwise", 3, 5, 4, 6, 7, 1, 1, 0, true},
                      ConvShape{"k1_stride2", 2, 3, 2, 7, 7, 1, 2, 0, false},
                      ConvShape{"k1_pad2", 1, 2, 3, 3, 4, 1, 1, 2, true},
                      ConvShape{
                          "nonsquare_k2x5_s3x1_p1x2", 2, 3, 4, 10, 9, {2, 5}, {3, 1}, {1, 2}, true},
                      ConvShape{"k5_stride3_no_bias", 2, 2, 3, 11, 12, 5, 3, 0, false},
                      ConvShape{"kernel_equals_padded_input", 2, 2, 3, 3, 4, {5, 6}, 1, 1, true},
                      ConvShape{"stride_past_the_end", 1, 2, 2, 6, 6, 2, 4, 0, true},
                      // Output rows longer than one or two vectors (im2col copies rows in
                      // whole vectors), with strides that differ between the axes.
                      ConvShape{"wide_rows_k3_s1x2_p2", 2, 3, 4, 5, 37, 3, {1, 2}, 2, true},
                      ConvShape{"wide_rows_k2x4_s2x1", 1, 2, 3, 6, 41, {2, 4}, {2, 1}, {0, 1}, true},
                      ConvShape{"wide_narrowing_k3", 2, 5, 2, 4, 35, 3, 1, 1, true},
                      // O < C, stride 1: dx as a convolution of dy (the transposed path).
                      ConvShape{"narrowing_k3_pad1", 2, 8, 3, 9, 7, 3, 1, 1, true},
                      ConvShape{"narrowing_k3_nopad", 2, 6, 2, 7, 8, 3, 1, 0, true},
                      ConvShape{"narrowing_k2x3_pad1x0", 3, 5, 2, 6, 7, {2, 3}, 1, {1, 0}, true},
                      // Batches of several images, split over the two threads.
                      ConvShape{"threaded_batch_b5", 5, 8, 16, 16, 16, 3, 1, 1, true},
                      ConvShape{"threaded_pointwise_b4", 4, 32, 16, 12, 12, 1, 1, 0, true}),
    [](const auto& info) { return info.param.name; });

// One thread or two (the images split between threads, partial dW summed): the same numbers
// up to the order of the sums.
TEST(Conv2d, OneAndTwoThreadsAgree) {
  manual_seed(11);
  Tensor x = Tensor::randn({6, 8, 12, 12}, true), w = Tensor::randn({16, 8, 3, 3}, true),
         b = Tensor::randn({16}, true);
  std::vector<std::vector<real>> out[2];
  for (int k = 0; k < 2; ++k) {
    ThreadScope scope(k + 1);
    x.zero_grad(), w.zero_grad(), b.zero_grad();
    Tensor y = nn::conv2d(x, w, b, 1, 1);
    y.backward(Tensor::ones(y.shape()));
    out[k] = {y.to_vector(), x.grad().to_vector(), w.grad().to_vector(), b.grad().to_vector()};
  }
  for (size_t t = 0; t < 4; ++t) EXPECT_TRUE(AllClose(out[1][t], out[0][t], 1e-5, 1e-4)) << t;
}

// ---- Conv2d as a layer ----------------------------------------------------------------

TEST(Conv2d, NamesShapesAndDefaultInitAsPyTorch) {
  manual_seed(3);
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, {3, 5}).stride(2).padding({1, 2}));
  const auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[0].second.shape(), (Shape{8, 3, 3, 5}));
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(named[1].second.shape(), (Shape{8}));
  EXPECT_EQ(conv.num_parameters(), 8 * 3 * 3 * 5 + 8);
  EXPECT_EQ(conv.type_name(), "Conv2d");
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 3 * 3 * 5 = 45, for weight and bias; the
  // draws spread over most of the range (not all zero, not a constant).
  const double bound = 1.0 / std::sqrt(45.0);
  for (const auto& [name, t] : named) {
    double lo = 1e9, hi = -1e9;
    for (real v : t.to_vector()) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
    EXPECT_GE(lo, -bound) << name;
    EXPECT_LE(hi, bound) << name;
    EXPECT_GT(hi - lo, 0.5 * bound) << name;
  }
  nn::Conv2d nb(nn::Conv2dOptions(2, 4, 1).bias(false));
  ASSERT_EQ(nb.named_parameters().size(), 1u);
  EXPECT_FALSE(nb.bias.defined());
  // Output size: floor((H + 2p - k) / s) + 1 = floor((9 + 2 - 3) / 2) + 1 = 5 rows,
  // floor((10 + 4 - 5) / 2) + 1 = 5 columns.
  EXPECT_EQ(conv(Tensor::randn({2, 3, 9, 10})).shape(), (Shape{2, 8, 5, 5}));
}

TEST(Conv2d, HandComputedValues) {
  // x = 1..9 in a 3x3 image, W = [[1, 0], [0, -1]], bias 0.5: y[i,j] = x[i,j] - x[i+1,j+1] + .5
  // = -4 + 0.5 everywhere (the ramp rises by 4 along the diagonal).
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor w = Tensor::from_vector({1, 0, 0, -1}, {1, 1, 2, 2});
  Tensor b = Tensor::from_vector({0.5}, {1});
  EXPECT_TRUE(AllClose(nn::conv2d(x, w, b), Tensor::full({1, 1, 2, 2}, -3.5), 0, 1e-6));
  // Padding 1, a 3x3 kernel of ones: each output is the sum of its 3x3 neighbourhood.
  Tensor ones = Tensor::ones({1, 1, 3, 3});
  Tensor want = Tensor::from_vector({12, 21, 16, 27, 45, 33, 24, 39, 28}, {1, 1, 3, 3});
  EXPECT_TRUE(AllClose(nn::conv2d(x, ones, Tensor(), 1, 1), want, 0, 1e-5));
}

TEST(Conv2d, GradientsOnlyWhereAsked) {
  // An image batch is data, not a parameter: its gradient is never computed (and with no
  // grad at all, nothing is recorded).
  manual_seed(5);
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).padding(1));
  Tensor x = Tensor::randn({2, 3, 6, 6});
  conv(x).sum().backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(conv.weight.grad().defined());
  EXPECT_TRUE(conv.bias.grad().defined());
  NoGradGuard no_grad;
  EXPECT_EQ(conv(x).grad_fn(), nullptr);
}

TEST(Conv2d, Errors) {
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, 3).padding(1));
  EXPECT_ERROR_HAS(conv(Tensor::randn({8, 4, 32, 32})),
                   "Conv2d: input [8,4,32,32] has 4 channels, the layer expects 3");
  EXPECT_ERROR_HAS(conv(Tensor::randn({3, 32, 32})),
                   "Conv2d: input of shape [3,32,32] has 3 dimensions; expected 4");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(3, 8, 5))(Tensor::randn({1, 3, 4, 4})),
                   "Conv2d: kernel 5x5 is larger than the padded input 4x4");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).stride({1, 0})),
                   "stride 1x0 must be positive");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(-1)),
                   "padding -1x-1 must be >= 0");
  EXPECT_ERROR_HAS(nn::Conv2d(nn::Conv2dOptions(0, 8, 3)), "in_channels = 0");
  Tensor x = Tensor::randn({1, 3, 5, 5}), w = Tensor::randn({4, 3, 3, 3});
  EXPECT_ERROR_HAS(nn::conv2d(x, w, Tensor(), 0), "conv2d: stride 0x0 must be positive");
  EXPECT_ERROR_HAS(nn::conv2d(Tensor::randn({1, 2, 5, 5}), w),
                   "conv2d: input [1,2,5,5] has 2 channels, the weight [4,3,3,3] expects 3");
  EXPECT_ERROR_HAS(nn::conv2d(x, Tensor::randn({4, 3, 3})), "weight of shape [4,3,3] must be 4-D");
  EXPECT_ERROR_HAS(nn::conv2d(x, w, Tensor::randn({3})),
                   "bias of shape [3] does not match out_channels = 4");
}

// ---- pooling ------------------------------------------------------------------------------

TEST(Pooling, MaxPoolValuesAndGradient) {
  // 4x4 ramp 0..15, 2x2 windows: the bottom-right of each window is its max.
  Tensor x = Tensor::arange(16).reshape({1, 1, 4, 4}).detach();
  x.requires_grad_(true);
  Tensor y = nn::max_pool2d(x, 2);
  EXPECT_TRUE(AllClose(y, Tensor::from_vector({5, 7, 13, 15}, {1, 1, 2, 2}), 0, 0));
  y.backward(Tensor::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}));
  std::vector<real> want(16, 0);
  want[5] = 1, want[7] = 2, want[13] = 3, want[15] = 4;
  EXPECT_TRUE(AllClose(x.grad().to_vector(), want, 0, 0));
}

TEST(Pooling, MaxPoolTiesGoToTheFirstAndOverlapsAdd) {
  // All equal: every window's max is its first pixel (row by row), as PyTorch picks.
  Tensor x = Tensor::ones({1, 1, 3, 3}, true);
  nn::max_pool2d(x, 2, 1, 0).sum().backward();  // windows at (0,0) (0,1) (1,0) (1,1)
  EXPECT_TRUE(AllClose(x.grad().to_vector(), {1, 1, 0, 1, 1, 0, 0, 0, 0}, 0, 0));
  // One large pixel in the middle of overlapping windows collects all their gradients.
  Tensor z = Tensor::zeros({1, 1, 3, 3});
  z.data()[4] = 9;
  z.requires_grad_(true);
  nn::max_pool2d(z, 2, 1, 0).sum().backward();
  EXPECT_EQ(z.grad().to_vector()[4], real(4));
  EXPECT_EQ(z.grad().sum().item(), real(4));
}

TEST(Pooling, MaxPoolPaddingIsNeverTheMax) {
  // All negative, padding 1: the padding (-inf) must not win.
  Tensor x = Tensor::full({1, 1, 2, 2}, -3);
  x.data()[3] = -1;
  Tensor y = nn::max_pool2d(x, 3, 1, 1);
  EXPECT_TRUE(AllClose(y, Tensor::full({1, 1, 2, 2}, -1), 0, 0));
}

TEST(Pooling, AvgPoolDivisorsWithPadding) {
  // Ones, 3x3 windows with padding 1: a corner window holds 4 pixels of 9.
  Tensor x = Tensor::ones({1, 1, 3, 3});
  Tensor incl = nn::avg_pool2d(x, 3, 1, 1, true);
  EXPECT_TRUE(AllClose(incl.to_vector(),
                       {4 / 9., 6 / 9., 4 / 9., 6 / 9., 1, 6 / 9., 4 / 9., 6 / 9., 4 / 9.}, 1e-6,
                       1e-7));
  EXPECT_TRUE(AllClose(nn::avg_pool2d(x, 3, 1, 1, false), Tensor::ones({1, 1, 3, 3}), 1e-6, 1e-7));
  // The module's defaults: stride = kernel, count_include_pad = true.
  nn::AvgPool2d avg(nn::AvgPool2dOptions(2));
  Tensor r = Tensor::arange(16).reshape({1, 1, 4, 4});
  EXPECT_TRUE(AllClose(avg(r), Tensor::from_vector({2.5, 4.5, 10.5, 12.5}, {1, 1, 2, 2}), 1e-6, 0));
}

TEST(Pooling, GlobalAndAdaptiveAverage) {
  manual_seed(9);
  Tensor x = Tensor::randn({3, 4, 5, 7});
  Tensor g = nn::global_avg_pool(x);
  EXPECT_EQ(g.shape(), (Shape{3, 4}));
  EXPECT_TRUE(AllClose(g, x.mean({2, 3}), 1e-5, 1e-6));
  EXPECT_EQ(nn::AdaptiveAvgPool2d(1)(x).shape(), (Shape{3, 4, 1, 1}));
  // 5 rows into 2 windows: rows 0..2 and 2..4 (PyTorch's floor/ceil split, overlapping).
  Tensor a = nn::adaptive_avg_pool2d(x, {2, 1});
  EXPECT_TRUE(
      AllClose(a.slice(2, 0, 1).reshape({3, 4}), x.slice(2, 0, 3).mean({2, 3}), 1e-5, 1e-6));
  EXPECT_TRUE(
      AllClose(a.slice(2, 1, 2).reshape({3, 4}), x.slice(2, 2, 5).mean({2, 3}), 1e-5, 1e-6));
}

TEST(Pooling, Errors) {
  Tensor x = Tensor::randn({2, 3, 4, 4});
  EXPECT_ERROR_HAS(nn::max_pool2d(Tensor::randn({3, 4, 4}), 2),
                   "max_pool2d: input of shape [3,4,4] has 3 dimensions; expected 4");
  EXPECT_ERROR_HAS(nn::max_pool2d(x, 5),
                   "max_pool2d: kernel 5x5 is larger than the padded input 4x4");
  EXPECT_ERROR_HAS(nn::max_pool2d(x, 2, 0), "max_pool2d: stride 0x0 must be positive");
  EXPECT_ERROR_HAS(nn::avg_pool2d(x, 2, 1, 2),
                   "avg_pool2d: padding 2x2 must be at most half the kernel 2x2");
  EXPECT_ERROR_HAS(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(-1)), "MaxPool2d: stride -1x-1");
  EXPECT_ERROR_HAS(nn::MaxPool2d(nn::MaxPool2dOptions(3))(Tensor::randn({1, 1, 2, 2})),
                   "MaxPool2d: kernel 3x3 is larger than the padded input 2x2 (input [1,1,2,2]");
  EXPECT_ERROR_HAS(nn::AvgPool2d(nn::AvgPool2dOptions({2, 3}))(Tensor::randn({4, 4})),
                   "AvgPool2d: input of shape [4,4] has 2 dimensions");
  EXPECT_ERROR_HAS(nn::AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size 0x0 must be positive");
  EXPECT_ERROR_HAS(nn::global_avg_pool(Tensor::randn({2, 3})),
                   "global_avg_pool: input of shape [2,3]");
}

}  // namespace
}  // namespace attn
