// Gradient checks of Conv2d and ConvTranspose2d (w.r.t. input, weight and bias), of nearest
// upsampling and of the pooling layers:
// odd sizes, strides, padding, 1x1 / 3x3 / non-square kernels, batches of 1 and 3,
// overlapping pooling windows. Max pooling gets distinct input values (a shuffled ramp),
// so no window has a tie, where max has no derivative.
#include "autograd/parallel.h"
#include "gradcheck/gradcheck_case.h"
#include "helpers/thread_scope.h"
#include "layers/conv2d.h"
#include "layers/conv_transpose2d.h"
#include "layers/pooling.h"
#include "layers/upsample.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// conv2d (im2col + GEMM) with the row's x, weight and (optional) bias.
auto conv(nn::Size2 stride, nn::Size2 padding) {
  return [stride, padding](const X& x) {
    return nn::conv2d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), stride, padding);
  };
}
// The seven-loop reference, checked on its own.
auto conv_naive(nn::Size2 stride, nn::Size2 padding) {
  return [stride, padding](const X& x) {
    return nn::conv2d_naive(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), stride, padding);
  };
}

// conv2d on two threads (the images split between them, partial dW summed), whatever
// ATTN_THREADS the test runs with.
Tensor conv_two_threads(const X& x) {
  ThreadScope two(2);  // the batch split however small it is
  return nn::conv2d(x[0], x[1], x[2], 1, 1);
}

// conv_transpose2d (GEMM + col2im) and its naive reference, with the row's x, weight, bias.
auto convt(nn::Size2 stride, nn::Size2 padding, nn::Size2 output_padding = 0) {
  return [=](const X& x) {
    return nn::conv_transpose2d(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), stride, padding,
                                output_padding);
  };
}
auto convt_naive(nn::Size2 stride, nn::Size2 padding, nn::Size2 output_padding = 0) {
  return [=](const X& x) {
    return nn::conv_transpose2d_naive(x[0], x[1], x.size() > 2 ? x[2] : Tensor(), stride, padding,
                                      output_padding);
  };
}

// conv_transpose2d with two threads set around the forward: the images split between them
// in the forward and, since the node keeps the forward's thread count, in the backward too.
Tensor convt_two_threads(const X& x) {
  ThreadScope two(2);  // the batch split however small it is
  return nn::conv_transpose2d(x[0], x[1], x[2], 2, 1);
}

// The ConvTranspose2d module's own forward, its parameters pointed at the row's inputs.
Tensor convt_module_4x4_stride2_pad1(const X& x) {
  nn::ConvTranspose2d c(
      nn::ConvTranspose2dOptions(x[1].size(0), x[1].size(1), {x[1].size(2), x[1].size(3)})
          .stride(2)
          .padding(1));
  c.weight = x[1];
  c.bias = x[2];
  return c(x[0]);
}

// The Conv2d module's own forward, its parameters pointed at the row's inputs.
Tensor conv_module_stride2_pad1(const X& x) {
  nn::Conv2d c(nn::Conv2dOptions(x[1].size(1), x[1].size(0), {x[1].size(2), x[1].size(3)})
                   .stride(2)
                   .padding(1));
  c.weight = x[1];
  c.bias = x[2];
  return c(x[0]);
}

// prepare: input k gets distinct values (no ties in any max window).
auto distinct(size_t k) {
  return [k](X& x) { distinct_values(x[k]); };
}

std::vector<GradcheckCase> cases() {
  // A convolution is linear in each of x, W and b, so central differences have no
  // truncation error and a large step costs nothing; it shrinks the rounding error, about
  // 1e-16 |L| / eps, where L = sum(y * R) adds thousands of terms. (eps = 1e-6 left ~1e-7
  // of noise on the largest row.)
  GradcheckOptions linear;
  linear.eps = 1e-3;
  // Not linear (relu, max): the default step, with absolute slack for the rounding.
  GradcheckOptions block;
  block.atol = 1e-7;
  return {
      // Conv2d, im2col + GEMM.
      {"conv2d_3x3_pad1_b1_c2_o3_5x6", {{1, 2, 5, 6}, {3, 2, 3, 3}, {3}}, conv(1, 1), linear},
      {"conv2d_3x3_stride2_pad1_b3_7x5", {{3, 2, 7, 5}, {4, 2, 3, 3}, {4}}, conv(2, 1), linear},
      {"conv2d_3x3_no_pad_b3_odd_5x7", {{3, 3, 5, 7}, {2, 3, 3, 3}, {2}}, conv(1, 0), linear},
      {"conv2d_1x1_pointwise_b3", {{3, 4, 3, 5}, {2, 4, 1, 1}, {2}}, conv(1, 0), linear},
      {"conv2d_1x1_stride2_b2_5x5", {{2, 3, 5, 5}, {2, 3, 1, 1}, {2}}, conv(2, 0), linear},
      {"conv2d_1x1_pad1_b1", {{1, 2, 3, 4}, {3, 2, 1, 1}, {3}}, conv(1, 1), linear},
      {"conv2d_nonsquare_2x3_stride2x1_pad1x0",
       {{2, 2, 6, 7}, {3, 2, 2, 3}, {3}},
       conv({2, 1}, {1, 0}),
       linear},
      {"conv2d_nonsquare_3x1_stride1x3_pad0x2",
       {{1, 3, 5, 4}, {2, 3, 3, 1}, {2}},
       conv({1, 3}, {0, 2}),
       linear},
      {"conv2d_no_bias_5x5_stride3_b2", {{2, 2, 9, 8}, {3, 2, 5, 5}}, conv(3, 0), linear},
      {"conv2d_kernel_fills_padded_input", {{1, 1, 3, 4}, {2, 1, 5, 6}, {2}}, conv(1, 1), linear},
      // Fewer output than input channels, stride 1: dx as a convolution of dy.
      {"conv2d_narrowing_3x3_pad1_c5_o2", {{2, 5, 5, 4}, {2, 5, 3, 3}, {2}}, conv(1, 1), linear},
      {"conv2d_narrowing_2x3_pad1x0_c4_o1",
       {{2, 4, 5, 6}, {1, 4, 2, 3}, {1}},
       conv(1, {1, 0}),
       linear},
      // Large enough (O K N >= 2^15) that the images run on several threads, when there are.
      {"conv2d_threaded_batch_b3_o64_8x8",
       {{3, 1, 8, 8}, {64, 1, 3, 3}, {64}},
       conv_two_threads,
       linear},
      {"conv2d_module_stride2_pad1_b2",
       {{2, 3, 6, 5}, {4, 3, 3, 3}, {4}},
       conv_module_stride2_pad1,
       linear},
      // The seven-loop reference.
      {"conv2d_naive_3x3_stride2_pad1_b3",
       {{3, 2, 7, 5}, {4, 2, 3, 3}, {4}},
       conv_naive(2, 1),
       linear},
      {"conv2d_naive_nonsquare_no_bias",
       {{2, 2, 6, 7}, {3, 2, 2, 3}},
       conv_naive({2, 1}, {1, 0}),
       linear},
      // ConvTranspose2d, GEMM + col2im (weight [C_in, C_out, kh, kw]).
      {"conv_transpose2d_4x4_stride2_pad1_b2_c3_o2_3x4",
       {{2, 3, 3, 4}, {3, 2, 4, 4}, {2}},
       convt(2, 1),
       linear},
      {"conv_transpose2d_3x3_stride2_pad1_outpad1_b2",
       {{2, 2, 3, 3}, {2, 3, 3, 3}, {3}},
       convt(2, 1, 1),
       linear},
      {"conv_transpose2d_3x3_stride1_pad1_no_bias_b1",
       {{1, 3, 4, 5}, {3, 2, 3, 3}},
       convt(1, 1),
       linear},
      {"conv_transpose2d_1x1_pointwise_b3", {{3, 4, 2, 3}, {4, 2, 1, 1}, {2}}, convt(1, 0), linear},
      {"conv_transpose2d_nonsquare_2x3_stride2x1_pad0x1_outpad1x0",
       {{2, 2, 3, 4}, {2, 3, 2, 3}, {3}},
       convt({2, 1}, {0, 1}, {1, 0}),
       linear},
      {"conv_transpose2d_5x5_stride3_pad2_outpad2_b1",
       {{1, 2, 3, 2}, {2, 2, 5, 5}, {2}},
       convt(3, 2, 2),
       linear},
      // C_in K N = 16 (8 4 4) (4 4) = 2^15: the images run on two threads, forward and backward.
      {"conv_transpose2d_threaded_batch_b3_c16_o8_4x4",
       {{3, 16, 4, 4}, {16, 8, 4, 4}, {8}},
       convt_two_threads,
       linear},
      {"conv_transpose2d_module_4x4_stride2_pad1_b2",
       {{2, 2, 3, 3}, {2, 3, 4, 4}, {3}},
       convt_module_4x4_stride2_pad1,
       linear},
      {"conv_transpose2d_naive_4x4_stride2_pad1_b2",
       {{2, 3, 3, 4}, {3, 2, 4, 4}, {2}},
       convt_naive(2, 1),
       linear},
      {"conv_transpose2d_naive_nonsquare_outpad_no_bias",
       {{2, 2, 3, 4}, {2, 3, 2, 3}},
       convt_naive({2, 1}, {0, 1}, {1, 0}),
       linear},
      // Nearest upsampling (linear in x).
      {"upsample_nearest2d_x2_b2_c3_3x4",
       {{2, 3, 3, 4}},
       [](const X& x) { return nn::upsample_nearest2d(x[0], 2); },
       linear},
      {"upsample_nearest2d_x3_b1_c2_2x3",
       {{1, 2, 2, 3}},
       [](const X& x) { return nn::upsample_nearest2d(x[0], 3); },
       linear},
      {"upsample_module_x2_then_conv3x3_pad1",
       {{2, 2, 3, 3}, {3, 2, 3, 3}, {3}},
       [](const X& x) { return nn::conv2d(nn::Upsample(2)(x[0]), x[1], x[2], 1, 1); },
       linear},
      // Max pooling (distinct values: no ties).
      {"max_pool2d_2x2_b2_c3_6x8",
       {{2, 3, 6, 8}},
       [](const X& x) { return nn::max_pool2d(x[0], 2); },
       {},
       distinct(0)},
      {"max_pool2d_3x3_stride2_pad1_overlap_odd_7x5",
       {{2, 2, 7, 5}},
       [](const X& x) { return nn::max_pool2d(x[0], 3, 2, 1); },
       {},
       distinct(0)},
      {"max_pool2d_3x3_stride1_overlap_b1_5x6",
       {{1, 2, 5, 6}},
       [](const X& x) { return nn::max_pool2d(x[0], 3, 1, 0); },
       {},
       distinct(0)},
      {"max_pool2d_nonsquare_2x3_stride1x2_pad1",
       {{1, 2, 5, 7}},
       [](const X& x) {
         return nn::max_pool2d(x[0], {2, 3}, {1, 2}, 1);
       },
       {},
       distinct(0)},
      {"max_pool2d_module_2x2_odd_7x7",
       {{3, 1, 7, 7}},
       [](const X& x) { return nn::MaxPool2d(nn::MaxPool2dOptions(2))(x[0]); },
       {},
       distinct(0)},
      // Average pooling.
      {"avg_pool2d_2x2_b2_c3_6x8",
       {{2, 3, 6, 8}},
       [](const X& x) { return nn::avg_pool2d(x[0], 2); }},
      {"avg_pool2d_3x3_stride2_pad1_include_pad_7x5",
       {{2, 2, 7, 5}},
       [](const X& x) { return nn::avg_pool2d(x[0], 3, 2, 1, true); }},
      {"avg_pool2d_3x3_stride2_pad1_exclude_pad_7x5",
       {{2, 2, 7, 5}},
       [](const X& x) { return nn::avg_pool2d(x[0], 3, 2, 1, false); }},
      {"avg_pool2d_nonsquare_2x3_stride1_pad1x1_b1",
       {{1, 2, 5, 6}},
       [](const X& x) {
         return nn::avg_pool2d(x[0], {2, 3}, 1, 1);
       }},
      {"avg_pool2d_module_3x3_stride2_exclude_pad",
       {{1, 2, 7, 6}},
       [](const X& x) {
         return nn::AvgPool2d(
             nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false))(x[0]);
       }},
      // Adaptive and global average pooling.
      {"adaptive_avg_pool2d_1_b3_5x7",
       {{3, 2, 5, 7}},
       [](const X& x) { return nn::adaptive_avg_pool2d(x[0], 1); }},
      {"adaptive_avg_pool2d_2x3_uneven_5x7",
       {{2, 2, 5, 7}},
       [](const X& x) {
         return nn::AdaptiveAvgPool2d({2, 3})(x[0]);
       }},
      {"global_avg_pool_b3_c4_3x5",
       {{3, 4, 3, 5}},
       [](const X& x) { return nn::global_avg_pool(x[0]); }},
      // A captioner block in miniature: conv 3x3 pad 1 -> relu -> max pool 2. (A window of
      // zeros after relu ties, but every one of them has relu's zero slope, so the choice
      // does not show; the kinks option is about inputs, so it cannot help here.)
      {"conv_relu_maxpool_block_b2_6x6",
       {{2, 2, 6, 6}, {3, 2, 3, 3}, {3}},
       [](const X& x) { return nn::max_pool2d(nn::conv2d(x[0], x[1], x[2], 1, 1).relu(), 2); },
       block},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
