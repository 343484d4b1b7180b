#pragma once
// Mark pairs: images made by code for a question only long-range evidence answers. Each RGB
// image of S x S pixels holds two marks, solid m x m squares of colours from a small palette
// (red, green, blue, yellow, magenta, cyan), at a chosen distance apart, on Gaussian noise
// with a few white single-pixel speckles as distractors. The label is 1 when the two marks
// have the same colour and 0 when not: to answer, something must see both marks.
//
// Distance: the Chebyshev distance between the marks' top-left corners (which equals that
// between their centres), d = max(|y2 - y1|, |x2 - x1|), in pixels. d >= m + 1 keeps at least
// one background pixel between the marks. A d x d square of pixels is what a window must
// cover, at least, to see both marks whole: d + m pixels per side.
//
//   attn::Generator gen(seed);
//   auto batch = attn::data::make_mark_pairs(opts, attn::data::uniform_distances(opts, 32, gen),
//                                            gen);
//   batch.images;   // [32, 3, S, S], values near 0 (background) and 1 (marks, speckles)
//   batch.labels;   // [32], 1 = same colour; images 0, 2, 4 ... match, 1, 3, 5 ... do not
//   batch.marks[i]; // where image i's marks are, their colours and distance
//
// The same options, distances and generator state give the same images on every platform.
#include <array>
#include <cstdint>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace attn::data {

struct MarkPairOptions {
  int image_size = 24;     // S: pixels per side
  int mark_size = 3;       // m: each mark is an m x m square
  int colours = 4;         // how many palette colours marks take, 2..6
  int min_distance = 4;    // d for the closest pairs, >= mark_size + 1
  int max_distance = 20;   // d for the farthest, <= image_size - mark_size
  double noise = 0.1;      // standard deviation of the Gaussian noise on every pixel
  int speckles = 6;        // white single pixels scattered as distractors
};

// One image's marks: top-left corners (row y, column x), palette indices, and d.
struct MarkPair {
  int y1 = 0, x1 = 0, y2 = 0, x2 = 0;
  int colour1 = 0, colour2 = 0;
  int distance = 0;
  bool match() const { return colour1 == colour2; }
};

struct MarkPairSet {
  Tensor images;                // [N, 3, S, S]
  Tensor labels;                // [N], 1 where the marks match, 0 where not
  std::vector<MarkPair> marks;  // one per image
  int64_t size() const { return static_cast<int64_t>(marks.size()); }
};

// The palette's colour k as (r, g, b) in {0, 1}.
std::array<float, 3> mark_colour(int k);

// Throws attn::Error (naming the option) for sizes that cannot hold two marks d apart.
void check_mark_pair_options(const MarkPairOptions& options);

// n distances drawn uniformly from [min_distance, max_distance].
std::vector<int> uniform_distances(const MarkPairOptions& options, int64_t n, Generator& gen);
// Every distance of [min_distance, max_distance], `per_distance` times each, in order: a test
// set with the same number of images at each distance (per_distance even keeps it balanced).
std::vector<int> every_distance(const MarkPairOptions& options, int64_t per_distance);

// Where two marks d apart go: the first corner uniform over the image, the second uniform
// over the corners at Chebyshev distance exactly d from it that stay inside (the first is
// drawn again when none does). Colours: the same when `match`, else two different ones.
MarkPair draw_mark_pair(const MarkPairOptions& options, int distance, bool match, Generator& gen);

// One image per entry of `distances`: image i matches when i is even, so any even count is
// balanced. Throws attn::Error for a distance outside [min_distance, max_distance].
MarkPairSet make_mark_pairs(const MarkPairOptions& options, const std::vector<int>& distances,
                            Generator& gen);

// The best held-out accuracy of a rule that scores each mark alone and adds the scores,
// a(colour 1) + a(colour 2) > t (one function a for both marks), when colours are uniform
// and the labels balanced: not 0.5. Saying "same" only when both colours lie in a set of s
// colours is right on the matches inside the set and wrong on the non-matches inside it:
//   max over s of 0.5 + 0.5 (s / K - s (s - 1) / (K (K - 1))),   K = colours
// (2/3 for K = 4: two colours of four), and no threshold on a sum does better (the tests
// search the weights of K = 3 and 4). A model that sees the marks one at a time, like a CNN
// whose windows are too small to hold both, can reach this and no further.
double additive_ceiling(int colours);

}  // namespace attn::data
