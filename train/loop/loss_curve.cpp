#include "train/loop/loss_curve.h"

#include <algorithm>

namespace attn::train {

Curve window_means(const std::vector<double>& values, size_t max_points) {
  const size_t w = std::max<size_t>(1, values.size() / std::max<size_t>(1, max_points));
  Curve c;
  c.window = w;
  for (size_t s = 0; s < values.size(); s += w) {
    const size_t e = std::min(values.size(), s + w);
    double sum = 0;
    for (size_t k = s; k < e; ++k) sum += values[k];
    c.x.push_back(static_cast<double>(e));
    c.y.push_back(sum / static_cast<double>(e - s));
  }
  return c;
}

}  // namespace attn::train
