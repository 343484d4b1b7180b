#pragma once
// Nearest-neighbour upsampling by a whole factor s, as PyTorch's
// nn.Upsample(scale_factor=s, mode="nearest") (F.interpolate):
//   x [B, C, H, W] -> y [B, C, s H, s W],   y[b, c, i, j] = x[b, c, i / s, j / s]  (floor)
// Each pixel becomes an s x s block of copies. The backward sums each block back:
//   dx[b, c, i, j] = sum_{di, dj < s} dy[b, c, i s + di, j s + dj]
// No parameters. A generator's way up beside ConvTranspose2d: upsample then a 3x3 Conv2d
// gives no checkerboard pattern, where overlapping transposed-convolution stamps can.
//
//   nn::Upsample up(2);
//   Tensor y = up(x);                        // [B, 64, 7, 7] -> [B, 64, 14, 14]
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"

namespace attn::nn {

// The function behind the layer (F.interpolate(x, scale_factor=s, mode="nearest")).
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);

class Upsample : public Module {
 public:
  explicit Upsample(int64_t scale_factor);
  Tensor forward(const Tensor& x) const { return upsample_nearest2d(x, scale_factor); }
  Tensor operator()(const Tensor& x) const { return forward(x); }

  int64_t scale_factor;
};

}  // namespace attn::nn
