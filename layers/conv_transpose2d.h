#pragma once
// ConvTranspose2d: the transposed convolution ("deconvolution", fractionally strided
// convolution), PyTorch's nn.ConvTranspose2d without dilation or groups. It is the adjoint
// of Conv2d: what Conv2d's backward does to dy, this does to x, so a stride-2 layer doubles
// the image where a stride-2 Conv2d halves it (the generator's way up).
//   x [B, C_in, H, W] -> y [B, C_out, H_out, W_out]
//   weight [C_in, C_out, kh, kw]   (input channels first, as PyTorch), bias [C_out]
//   H_out = (H - 1) sh - 2 ph + kh + oph,  W_out likewise
//   y[b, o, i sh - ph + u, j sw - pw + v] += weight[c, o, u, v] x[b, c, i, j]   for every
//   (c, i, j, u, v) whose target lies inside y; then y[b, o, :, :] += bias[o].
// Each input pixel stamps a copy of its kernel, scaled by its value, onto the output, s
// pixels apart; overlapping stamps add. The padding p crops p rows and columns off each
// border; output_padding (< stride) adds rows and columns at the bottom and right, to pick
// between the sizes that a stride-s Conv2d maps to the same H.
//
//   nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(64, 32, 4).stride(2).padding(1));
//   Tensor y = up(x);                      // [B, 64, 7, 7] -> [B, 32, 14, 14]
//
// Default init as PyTorch: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
// fan_in = C_out kh kw (PyTorch computes the fan from the weight's second dimension).
//
// Two implementations, each one autograd node:
//   conv_transpose2d        the library's GEMM then col2im (see conv_transpose2d.cpp);
//   conv_transpose2d_naive  the stamping loops of the formula above (the reference).
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/conv2d.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class ConvTranspose2dOptions {
 public:
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  ATTN_OPTION(int64_t, in_channels, 0);
  ATTN_OPTION(int64_t, out_channels, 0);
  ATTN_OPTION(Size2, kernel_size, 1);
  ATTN_OPTION(Size2, stride, 1);
  ATTN_OPTION(Size2, padding, 0);
  ATTN_OPTION(Size2, output_padding, 0);
  ATTN_OPTION(bool, bias, true);
};

// The function behind the layer (torch.nn.functional.conv_transpose2d): x [B, C_in, H, W],
// weight [C_in, C_out, kh, kw], bias [C_out] or undefined -> [B, C_out, H_out, W_out].
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0);

// The same op by its definition, one multiply-add at a time, forward and backward: slow,
// obviously right, what the tests hold conv_transpose2d to.
Tensor conv_transpose2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                              Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0);

class ConvTranspose2d : public Module {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  // Draws the weights again as the constructor did (PyTorch's reset_parameters).
  void reset_parameters();

  ConvTranspose2dOptions options;
  Tensor weight;  // [C_in, C_out, kh, kw]
  Tensor bias;    // [C_out], undefined when options.bias() is false
};

}  // namespace attn::nn
