#pragma once
// Conv2d: 2-D convolution (cross-correlation, as every framework computes it),
// PyTorch's nn.Conv2d without dilation or groups.
//   x [B, C_in, H, W] -> y [B, C_out, H_out, W_out]
//   weight [C_out, C_in, kh, kw], bias [C_out]
//   H_out = (H + 2 ph - kh) / sh + 1   (floor), W_out likewise
//   y[b, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v] x[b, c, i sh - ph + u, j sw - pw +
//   v]
// (x is zero outside the image: that is the padding.)
//
//   nn::Conv2d conv(nn::Conv2dOptions(3, 32, 3).padding(1));        // 3x3, "same" size
//   nn::Conv2d down(nn::Conv2dOptions(32, 64, {3, 5}).stride(2));   // non-square kernel
//   Tensor y = conv(x);                                              // [B, 3, H, W] -> [B, 32, H,
//   W]
//
// Default init as PyTorch: weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform,
// a = sqrt 5), bias likewise, fan_in = C_in kh kw.
//
// Two implementations of the same op, each one autograd node:
//   conv2d        im2col + the library's GEMM (fast; see conv2d.cpp for the backward);
//   conv2d_naive  seven nested loops straight from the formula above (the reference).
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

// A size given for both spatial dims at once (3 -> 3x3) or for each ({3, 5}: height 3,
// width 5), like LibTorch's ExpandingArray<2>. Used by Conv2d and the pooling layers.
struct Size2 {
  int64_t h, w;
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit on purpose (3 means 3x3)
  Size2(int64_t height, int64_t width) : h(height), w(width) {}
  bool operator==(const Size2&) const = default;
};

class Conv2dOptions {
 public:
  Conv2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ATTN_OPTION(int64_t, in_channels, 0);
  ATTN_OPTION(int64_t, out_channels, 0);
  ATTN_OPTION(Size2, kernel_size, 1);
  ATTN_OPTION(Size2, stride, 1);
  ATTN_OPTION(Size2, padding, 0);
  ATTN_OPTION(bool, bias, true);
};

// The function behind the layer (torch.nn.functional.conv2d): x [B, C_in, H, W],
// weight [C_out, C_in, kh, kw], bias [C_out] or undefined -> [B, C_out, H_out, W_out].
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              Size2 stride = 1, Size2 padding = 0);

// The same op computed by the definition, one multiply-add at a time, forward and
// backward: slow, obviously right, what the tests hold conv2d to.
Tensor conv2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                    Size2 stride = 1, Size2 padding = 0);

class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  // Draws the weights again as the constructor did (PyTorch's reset_parameters).
  void reset_parameters();

  Conv2dOptions options;
  Tensor weight;  // [C_out, C_in, kh, kw]
  Tensor bias;    // [C_out], undefined when options.bias() is false
};

}  // namespace attn::nn
