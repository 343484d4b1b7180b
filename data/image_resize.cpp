#include "data/image_resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/error.h"

namespace attn::data {

namespace {

void check(const char* op, const Image& image, int width, int height) {
  ATTN_CHECK(image.width > 0 && image.height > 0 && image.channels > 0 &&
                 image.pixels.size() == size_t(image.width) * image.height * image.channels,
             op, ": the image is empty or its pixels do not match ", image.width, "x", image.height,
             "x", image.channels);
  ATTN_CHECK(width >= 1 && height >= 1, op, ": target size ", width, "x", height,
             " must be at least 1x1");
}

std::uint8_t to_byte(double v) {
  return std::uint8_t(std::clamp(std::lround(v), 0L, 255L));
}

// For each output index along one axis: the input indices it covers and their weights
// (the length of the overlap of [o s, (o + 1) s) with [i, i + 1), s = in / out), summing to 1.
struct Span {
  int first = 0;
  std::vector<double> w;
};
std::vector<Span> area_spans(int in, int out) {
  const double s = double(in) / out;
  std::vector<Span> spans(static_cast<size_t>(out));
  for (int o = 0; o < out; ++o) {
    const double lo = o * s, hi = (o + 1) * s;
    Span& sp = spans[size_t(o)];
    sp.first = int(std::floor(lo));
    for (int i = sp.first; i < in && i < hi; ++i)
      sp.w.push_back((std::min(hi, double(i + 1)) - std::max(lo, double(i))) / s);
  }
  return spans;
}

}  // namespace

Image resize_area(const Image& image, int width, int height) {
  check("resize_area", image, width, height);
  const std::vector<Span> xs = area_spans(image.width, width),
                          ys = area_spans(image.height, height);
  Image out = make_image(width, height, image.channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < image.channels; ++c) {
        double v = 0;
        const Span &sy = ys[size_t(y)], &sx = xs[size_t(x)];
        for (size_t a = 0; a < sy.w.size(); ++a)
          for (size_t b = 0; b < sx.w.size(); ++b)
            v += sy.w[a] * sx.w[b] * image.at(sy.first + int(a), sx.first + int(b), c);
        out.at(y, x, c) = to_byte(v);
      }
  return out;
}

Image resize_bilinear(const Image& image, int width, int height) {
  check("resize_bilinear", image, width, height);
  Image out = make_image(width, height, image.channels);
  const double sx = double(image.width) / width, sy = double(image.height) / height;
  for (int y = 0; y < height; ++y) {
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, double(image.height - 1));
    const int y0 = int(fy), y1 = std::min(y0 + 1, image.height - 1);
    const double ty = fy - y0;
    for (int x = 0; x < width; ++x) {
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, double(image.width - 1));
      const int x0 = int(fx), x1 = std::min(x0 + 1, image.width - 1);
      const double tx = fx - x0;
      for (int c = 0; c < image.channels; ++c) {
        const double top = (1 - tx) * image.at(y0, x0, c) + tx * image.at(y0, x1, c);
        const double bottom = (1 - tx) * image.at(y1, x0, c) + tx * image.at(y1, x1, c);
        out.at(y, x, c) = to_byte((1 - ty) * top + ty * bottom);
      }
    }
  }
  return out;
}

Image resize_image(const Image& image, int width, int height) {
  return width <= image.width && height <= image.height ? resize_area(image, width, height)
                                                        : resize_bilinear(image, width, height);
}

}  // namespace attn::data
