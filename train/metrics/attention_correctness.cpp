#include "train/metrics/attention_correctness.h"

#include <algorithm>

#include "autograd/error.h"

namespace attn::train {

namespace {
// Length of [a0, a1) intersect [b0, b1).
double overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}
}  // namespace

double attention_in_box(std::span<const float> alpha, int grid_h, int grid_w, int image_h,
                        int image_w, const Box& box) {
  ATTN_CHECK(grid_h >= 1 && grid_w >= 1 && image_h >= 1 && image_w >= 1, "attention_in_box: grid ",
             grid_h, "x", grid_w, " and image ", image_h, "x", image_w, " must have sizes >= 1");
  ATTN_CHECK(alpha.size() == size_t(grid_h) * size_t(grid_w), "attention_in_box: ", alpha.size(),
             " attention weights for a ", grid_h, "x", grid_w, " grid; expected ", grid_h * grid_w);
  const double rh = double(image_h) / grid_h, rw = double(image_w) / grid_w;
  double inside = 0;
  for (int i = 0; i < grid_h; ++i) {
    const double fy = overlap(i * rh, (i + 1) * rh, box.y0, box.y1) / rh;
    if (fy == 0) continue;
    for (int j = 0; j < grid_w; ++j) {
      const double fx = overlap(j * rw, (j + 1) * rw, box.x0, box.x1) / rw;
      inside += double(alpha[size_t(i) * grid_w + j]) * fy * fx;
    }
  }
  return inside;
}

AttentionCorrectness attention_correctness(const std::vector<GroundedAttention>& steps, int grid_h,
                                           int grid_w, int image_h, int image_w) {
  AttentionCorrectness ac;
  const double image_area = double(image_h) * image_w;
  for (const GroundedAttention& s : steps) {
    ac.mean += attention_in_box(s.alpha, grid_h, grid_w, image_h, image_w, s.box);
    const Box& b = s.box;
    ac.uniform_baseline +=
        overlap(0, image_w, b.x0, b.x1) * overlap(0, image_h, b.y0, b.y1) / image_area;
  }
  ac.words = int64_t(steps.size());
  if (ac.words > 0) {
    ac.mean /= double(ac.words);
    ac.uniform_baseline /= double(ac.words);
  }
  return ac;
}

}  // namespace attn::train
