#include "data/mark_pairs.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "autograd/error.h"

namespace attn::data {

namespace {
constexpr std::array<std::array<float, 3>, 6> kPalette{{{1, 0, 0},    // red
                                       {0, 1, 0},    // green
                                       {0, 0, 1},    // blue
                                       {1, 1, 0},    // yellow
                                       {1, 0, 1},    // magenta
                                       {0, 1, 1}}};  // cyan
}  // namespace

std::array<float, 3> mark_colour(int k) {
  ATTN_CHECK(k >= 0 && k < static_cast<int>(kPalette.size()), "mark_colour: colour ", k,
             " is not in the palette of ", kPalette.size());
  return kPalette[static_cast<size_t>(k)];
}

void check_mark_pair_options(const MarkPairOptions& o) {
  ATTN_CHECK(o.mark_size >= 1, "mark pairs: mark_size is ", o.mark_size, ", expected >= 1");
  ATTN_CHECK(o.colours >= 2 && o.colours <= static_cast<int>(kPalette.size()),
             "mark pairs: colours is ", o.colours, ", expected 2..", kPalette.size(),
             " (two are needed for a pair that does not match)");
  ATTN_CHECK(o.min_distance >= o.mark_size + 1, "mark pairs: min_distance is ", o.min_distance,
             ", expected at least mark_size + 1 = ", o.mark_size + 1,
             " so that the marks neither touch nor overlap");
  ATTN_CHECK(o.max_distance >= o.min_distance, "mark pairs: max_distance ", o.max_distance,
             " is below min_distance ", o.min_distance);
  ATTN_CHECK(o.max_distance <= o.image_size - o.mark_size, "mark pairs: max_distance is ",
             o.max_distance, ", but two ", o.mark_size, "-pixel marks in a ", o.image_size,
             "-pixel image are at most ", o.image_size - o.mark_size,
             " apart; raise image_size or lower max_distance");
  ATTN_CHECK(o.noise >= 0 && o.speckles >= 0, "mark pairs: noise and speckles must be >= 0, got ",
             o.noise, " and ", o.speckles);
}

std::vector<int> uniform_distances(const MarkPairOptions& o, int64_t n, Generator& gen) {
  check_mark_pair_options(o);
  std::vector<int> d(static_cast<size_t>(n));
  for (int& v : d)
    v = o.min_distance + static_cast<int>(gen.randint(o.max_distance - o.min_distance + 1));
  return d;
}

std::vector<int> every_distance(const MarkPairOptions& o, int64_t per_distance) {
  check_mark_pair_options(o);
  std::vector<int> d;
  for (int v = o.min_distance; v <= o.max_distance; ++v) d.insert(d.end(), per_distance, v);
  return d;
}

MarkPair draw_mark_pair(const MarkPairOptions& o, int d, bool match, Generator& gen) {
  check_mark_pair_options(o);
  ATTN_CHECK(d >= o.min_distance && d <= o.max_distance, "mark pairs: distance ", d,
             " is outside [min_distance, max_distance] = [", o.min_distance, ", ",
             o.max_distance, "]");
  const int corners = o.image_size - o.mark_size + 1;  // top-left corners per axis: 0..corners-1
  MarkPair p;
  p.distance = d;
  std::vector<std::array<int, 2>> ring;  // the corners at distance exactly d, inside the image
  for (;;) {
    p.y1 = static_cast<int>(gen.randint(corners));
    p.x1 = static_cast<int>(gen.randint(corners));
    ring.clear();
    for (int dy = -d; dy <= d; ++dy)
      for (int dx = -d; dx <= d; ++dx) {
        if (std::max(std::abs(dy), std::abs(dx)) != d) continue;
        const int y = p.y1 + dy, x = p.x1 + dx;
        if (y >= 0 && y < corners && x >= 0 && x < corners) ring.push_back({y, x});
      }
    // d <= image_size - mark_size guarantees a first corner with a non-empty ring (a corner
    // of the image), so this ends.
    if (!ring.empty()) break;
  }
  const auto& c = ring[static_cast<size_t>(gen.randint(static_cast<int64_t>(ring.size())))];
  p.y2 = c[0];
  p.x2 = c[1];
  p.colour1 = static_cast<int>(gen.randint(o.colours));
  // A different colour: one of the other colours - 1, each equally likely.
  p.colour2 = match ? p.colour1
                    : (p.colour1 + 1 + static_cast<int>(gen.randint(o.colours - 1))) % o.colours;
  return p;
}

MarkPairSet make_mark_pairs(const MarkPairOptions& o, const std::vector<int>& distances,
                            Generator& gen) {
  check_mark_pair_options(o);
  const int64_t n = static_cast<int64_t>(distances.size()), S = o.image_size;
  MarkPairSet set;
  set.images = Tensor::zeros({n, 3, S, S});
  set.labels = Tensor::zeros({n});
  real* px = set.images.data();
  for (int64_t i = 0; i < n; ++i) {
    real* img = px + i * 3 * S * S;  // channel c, row y, column x at img[(c * S + y) * S + x]
    for (int64_t k = 0; k < 3 * S * S; ++k) img[k] = static_cast<real>(o.noise * gen.normal());
    for (int k = 0; k < o.speckles; ++k) {  // white pixels: bright like a mark, but one pixel
      const int64_t y = gen.randint(S), x = gen.randint(S);
      for (int c = 0; c < 3; ++c) img[(c * S + y) * S + x] = 1;
    }
    const MarkPair p = draw_mark_pair(o, distances[static_cast<size_t>(i)], i % 2 == 0, gen);
    for (const auto& [y0, x0, colour] :
         {std::array{p.y1, p.x1, p.colour1}, std::array{p.y2, p.x2, p.colour2}}) {
      const std::array<float, 3> v = mark_colour(colour);
      // The mark replaces what was there (noise, a speckle): its pixels are exactly its colour
      // plus fresh noise, so it cannot be told apart by how it was drawn.
      for (int c = 0; c < 3; ++c)
        for (int y = y0; y < y0 + o.mark_size; ++y)
          for (int x = x0; x < x0 + o.mark_size; ++x)
            img[(c * S + y) * S + x] = static_cast<real>(v[static_cast<size_t>(c)] +
                                                         o.noise * gen.normal());
    }
    set.labels.data()[i] = p.match() ? 1 : 0;
    set.marks.push_back(p);
  }
  return set;
}

double additive_ceiling(int colours) {
  ATTN_CHECK(colours >= 2, "additive_ceiling: colours is ", colours, ", expected >= 2");
  const double K = colours;
  double best = 0.5;
  for (int s = 1; s <= colours; ++s)
    best = std::max(best, 0.5 + 0.5 * (s / K - s * (s - 1.0) / (K * (K - 1.0))));
  return best;
}

}  // namespace attn::data
