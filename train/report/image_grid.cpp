#include "train/report/image_grid.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/error.h"

namespace attn::train {

data::Image image_grid(const Tensor& images, const ImageGridOptions& o) {
  ATTN_CHECK(images.defined() && images.dim() == 4,
             "image_grid: expected images [N, C, H, W], got ",
             images.defined() ? shape_str(images.shape()) : std::string("none"));
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  ATTN_CHECK(N >= 1 && H >= 1 && W >= 1, "image_grid: no picture in images of shape ",
             shape_str(images.shape()));
  ATTN_CHECK(C == 1 || C == 3, "image_grid: ", C,
             " channels; a grid shows grey (C = 1) or RGB (C = 3) pictures");
  ATTN_CHECK(o.cols >= 1 && o.gap >= 0 && o.scale >= 1 && o.gap_level >= 0 && o.gap_level <= 255 &&
                 o.lo < o.hi,
             "image_grid: need cols >= 1, gap >= 0, scale >= 1, gap_level in 0..255 and lo < hi; "
             "got cols ",
             o.cols, ", gap ", o.gap, ", scale ", o.scale, ", gap_level ", o.gap_level, ", lo ",
             o.lo, ", hi ", o.hi);
  const int64_t cols = std::min<int64_t>(o.cols, N), rows = (N + cols - 1) / cols;
  const int64_t tile_h = H * o.scale + o.gap, tile_w = W * o.scale + o.gap;
  const int64_t height = o.gap + rows * tile_h, width = o.gap + cols * tile_w;
  ATTN_CHECK(height * width <= data::kMaxImagePixels, "image_grid: a ", width, " x ", height,
             " grid is too large; show fewer pictures or a smaller scale");
  data::Image out =
      data::make_image(static_cast<int>(width), static_cast<int>(height), static_cast<int>(C));
  std::fill(out.pixels.begin(), out.pixels.end(), static_cast<std::uint8_t>(o.gap_level));
  const real* p = images.data();
  const double span = double(o.hi) - double(o.lo);
  for (int64_t k = 0; k < N; ++k) {
    const int64_t top = o.gap + (k / cols) * tile_h, left = o.gap + (k % cols) * tile_w;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const double v = (double(p[((k * C + c) * H + y) * W + x]) - o.lo) / span;
          // NaN (a diverged generator) shows black rather than stopping the report.
          const double clamped = std::isnan(v) ? 0.0 : std::clamp(v, 0.0, 1.0);
          const auto byte = static_cast<std::uint8_t>(std::lround(255.0 * clamped));
          for (int dy = 0; dy < o.scale; ++dy)
            for (int dx = 0; dx < o.scale; ++dx)
              out.at(static_cast<int>(top + y * o.scale + dy),
                     static_cast<int>(left + x * o.scale + dx), static_cast<int>(c)) = byte;
        }
  }
  return out;
}

void save_image_grid(const std::filesystem::path& path, const Tensor& images,
                     const ImageGridOptions& options) {
  data::save_png(path, image_grid(images, options));
}

}  // namespace attn::train
