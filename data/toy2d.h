#pragma once
// Toy 2-D classification data made by code: K interleaved spiral arms, one
// per class. No linear model separates them, a small MLP does, and the plane
// is small enough to draw the learned decision regions over it.
//
// Arm k, point i of n (r = i / (n - 1) runs from the centre outwards):
//   theta = 2 pi k / K + turns * 2 pi r + noise * N(0, 1)
//   (x, y) = r * (cos theta, sin theta)
// so every point lies in the unit disc and the arms wind `turns` times.
//
//   auto train = attn::data::make_spirals({.points_per_class = 300}, /*seed=*/1);
//   train.points;  // [900, 2]
//   train.labels;  // [900], 0..2 as whole numbers
//
// The same options and seed give the same points on every platform
// (attn::Generator), independent of the global generator's state.
#include <cstdint>

#include "autograd/tensor.h"

namespace attn::data {

struct SpiralOptions {
  int64_t points_per_class = 200;
  int classes = 3;
  double turns = 1.0;   // how many times each arm winds around the centre
  double noise = 0.2;   // standard deviation of the angle jitter, in radians
  bool shuffle = true;  // mix the classes (a prefix is then a fair sample)
};

struct Toy2d {
  Tensor points;  // [N, 2], N = classes * points_per_class, inside the unit disc
  Tensor labels;  // [N], class ids 0..classes-1
  int classes = 0;
};

// Throws attn::Error for points_per_class < 2, classes < 2, turns <= 0 or noise < 0.
Toy2d make_spirals(const SpiralOptions& options, uint64_t seed);

}  // namespace attn::data
