#pragma once
// Pooling over the spatial dims of x [B, C, H, W], each channel on its own, as PyTorch's
// nn.MaxPool2d, nn.AvgPool2d and nn.AdaptiveAvgPool2d (floor mode, no dilation).
//   x [B, C, H, W] -> y [B, C, Ho, Wo],  Ho = (H + 2 ph - kh) / sh + 1  (floor), Wo likewise
// A window of kh x kw pixels moves by the stride; padding adds a border that is never
// the max (-inf) and counts as 0 in an average.
//
//   nn::MaxPool2d pool(nn::MaxPool2dOptions(2));                     // halves H and W
//   nn::AvgPool2d avg(nn::AvgPool2dOptions(3).stride(2).padding(1));
//   Tensor v = nn::global_avg_pool(features);                        // [B, C, H, W] -> [B, C]
//
// Padding may be at most half the kernel (as in PyTorch), so every window holds a pixel.
#include <cstdint>
#include <optional>

#include "autograd/tensor.h"
#include "layers/conv2d.h"  // Size2
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

// Max over each window: y[b,c,i,j] = max of x[b,c, i sh - ph + u, j sw - pw + v].
// The position of the max is kept for the backward, which sends dy there alone; on a tie
// the first position in the window (row by row) wins, as in PyTorch. Stride defaults to
// the kernel (windows side by side).
Tensor max_pool2d(const Tensor& x, Size2 kernel);
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding = 0);

// Mean over each window. count_include_pad (PyTorch's default, true) divides by the
// window's full size, padding included; false divides by the pixels inside the image.
Tensor avg_pool2d(const Tensor& x, Size2 kernel);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding = 0,
                  bool count_include_pad = true);

// Mean over Ho x Wo windows that tile the image as evenly as possible: window i covers
// rows floor(i H / Ho) .. ceil((i + 1) H / Ho) - 1, as PyTorch's adaptive_avg_pool2d.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

// The mean of each channel over the whole image: x [B, C, H, W] -> [B, C].
Tensor global_avg_pool(const Tensor& x);

class MaxPool2dOptions {
 public:
  MaxPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit
  ATTN_OPTION(Size2, kernel_size, 1);
  ATTN_OPTION(Size2, padding, 0);
  // The stride defaults to the kernel size, so it is written out.
  MaxPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  Size2 stride() const { return stride_.value_or(kernel_size_); }

 private:
  std::optional<Size2> stride_;
};

class AvgPool2dOptions {
 public:
  AvgPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT: implicit
  ATTN_OPTION(Size2, kernel_size, 1);
  ATTN_OPTION(Size2, padding, 0);
  ATTN_OPTION(bool, count_include_pad, true);
  // The stride defaults to the kernel size, so it is written out.
  AvgPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  Size2 stride() const { return stride_.value_or(kernel_size_); }

 private:
  std::optional<Size2> stride_;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  MaxPool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  AvgPool2dOptions options;
};

// AdaptiveAvgPool2d(1) is global average pooling that keeps the dims: [B, C, 1, 1].
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  Size2 output_size;
};

}  // namespace attn::nn
