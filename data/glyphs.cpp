#include "data/glyphs.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/random.h"

namespace attn::data {

const std::array<std::string, kGlyphClasses>& glyph_class_names() {
  static const std::array<std::string, kGlyphClasses> names{
      "circle", "ring", "square", "frame", "triangle",
      "cross",  "plus", "hbars",  "vbars", "diagonal"};
  return names;
}

namespace {

// One glyph's drawn parameters, in pixels; (0, 0) is the top-left corner of the image.
struct Glyph {
  int shape = 0;
  double cx = 0, cy = 0;  // centre
  double r = 0;           // half-width: the shape lies within [cx - r, cx + r] x [cy - r, cy + r]
  double t = 0;           // stroke thickness
  bool rising = false;    // diagonal: bottom-left to top-right (else top-left to bottom-right)
};

double uniform(Generator& gen, double lo, double hi) {
  return lo + (hi - lo) * gen.uniform();
}

// Whether the point (x, y) is inside glyph g.
bool inside(const Glyph& g, double x, double y) {
  const double dx = x - g.cx, dy = y - g.cy, ax = std::abs(dx), ay = std::abs(dy);
  const double half = g.t / 2, box = 0.85 * g.r;  // squares look as big as circles at 0.85 r
  const double diag_down = std::abs(dx - dy) / std::sqrt(2.0);  // distance to y = x
  const double diag_up = std::abs(dx + dy) / std::sqrt(2.0);    // distance to y = -x
  // Three bars at -2r/3, 0, 2r/3, thin enough to leave a gap between them.
  const double bar_half = std::min(half, g.r / 6);
  auto on_bar = [&](double d) {
    const double step = 2 * g.r / 3;
    return std::abs(d - step * std::round(d / step)) <= bar_half && std::abs(d) <= step + bar_half;
  };
  switch (g.shape) {
    case 0:
      return dx * dx + dy * dy <= g.r * g.r;
    case 1: {
      const double d = std::sqrt(dx * dx + dy * dy);
      return d <= g.r && d >= g.r - g.t;
    }
    case 2:
      return std::max(ax, ay) <= box;
    case 3: {
      const double m = std::max(ax, ay);
      return m <= box && m >= box - g.t;
    }
    case 4:  // apex (0, -r), base at dy = 0.8 r, as wide as 2 r
      return dy >= -g.r && dy <= 0.8 * g.r && ax <= (dy + g.r) / 1.8;
    case 5:
      return ax <= box && ay <= box && (diag_down <= half || diag_up <= half);
    case 6:
      return (ax <= half && ay <= g.r) || (ay <= half && ax <= g.r);
    case 7:
      return ax <= g.r && on_bar(dy);
    case 8:
      return ay <= g.r && on_bar(dx);
    case 9:
      return ax <= box && ay <= box && (g.rising ? diag_up : diag_down) <= half;
    default:
      return false;
  }
}

constexpr int kSamples = 4;  // 4 x 4 sample points per pixel: anti-aliased edges

void draw(const Glyph& g, double brightness, double noise, Generator& gen, real* out) {
  for (int y = 0; y < kGlyphSide; ++y)
    for (int x = 0; x < kGlyphSide; ++x) {
      int hits = 0;
      for (int sy = 0; sy < kSamples; ++sy)
        for (int sx = 0; sx < kSamples; ++sx)
          hits += inside(g, x + (sx + 0.5) / kSamples, y + (sy + 0.5) / kSamples);
      double v = brightness * hits / double(kSamples * kSamples);
      if (noise > 0) v += noise * gen.normal();
      v = std::clamp(v, 0.0, 1.0);
      out[y * kGlyphSide + x] = static_cast<real>(2 * v - 1);
    }
}

}  // namespace

LabelledImages make_glyphs(int64_t count, uint64_t seed, const GlyphOptions& options) {
  ATTN_CHECK(count >= 1, "make_glyphs: count must be >= 1, got ", count);
  ATTN_CHECK(options.noise >= 0 && std::isfinite(options.noise),
             "make_glyphs: noise must be a finite std >= 0, got ", options.noise);
  Generator gen(seed);
  // Balanced classes in a random order (Fisher-Yates).
  std::vector<int> labels(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) labels[static_cast<size_t>(i)] = int(i % kGlyphClasses);
  for (int64_t i = count - 1; i > 0; --i)
    std::swap(labels[static_cast<size_t>(i)], labels[static_cast<size_t>(gen.randint(i + 1))]);

  LabelledImages out;
  out.images = Tensor::uninitialized({count, 1, kGlyphSide, kGlyphSide});
  out.labels = Tensor::uninitialized({count});
  const int64_t pixels = kGlyphSide * kGlyphSide;
  for (int64_t i = 0; i < count; ++i) {
    Glyph g;
    g.shape = labels[static_cast<size_t>(i)];
    g.r = uniform(gen, 5.0, 11.0);
    g.t = uniform(gen, 1.5, 3.5);
    // The centre keeps the whole box [c - r, c + r] a pixel inside the image.
    g.cx = uniform(gen, g.r + 1, kGlyphSide - g.r - 1);
    g.cy = uniform(gen, g.r + 1, kGlyphSide - g.r - 1);
    g.rising = gen.uniform() < 0.5;
    const double brightness = uniform(gen, 0.65, 1.0);
    draw(g, brightness, options.noise, gen, out.images.data() + i * pixels);
    out.labels.data()[i] = static_cast<real>(g.shape);
  }
  return out;
}

}  // namespace attn::data
