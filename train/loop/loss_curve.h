#pragma once
// Per-step losses are noisy: a curve of window means reads better, and keeps an SVG small.
//
//   const train::Curve c = train::window_means(log.losses, /*max_points=*/300);
//   plot.add_series("attention", c.x, c.y);
#include <cstddef>
#include <vector>

namespace attn::train {

struct Curve {
  size_t window = 1;      // steps per point
  std::vector<double> x;  // the step that ends each window (1-based: the window's last step)
  std::vector<double> y;  // the mean over the window
};

// Means over consecutive windows of w = max(1, size / max_points) steps (the last window may
// be shorter): about max_points points at most.
Curve window_means(const std::vector<double>& values, size_t max_points = 300);

}  // namespace attn::train
