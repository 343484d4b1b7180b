#pragma once
// Colour ramps for heat maps: a number in [0, 1] -> an sRGB colour.
//
// Both ramps are perceptually ordered (lightness rises monotonically), so a
// brighter cell always means a larger weight, also when printed in grey or
// seen by a colour-blind reader. Each ramp is a handful of anchor colours,
// sampled from the published matplotlib ramps of the same name, with linear
// interpolation between neighbours: close enough to the originals for a
// figure, and small enough to read.
#include <cstdint>
#include <string>

namespace attn::data {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

enum class ColorMap {
  kViridis,  // dark blue -> green -> yellow: the default for attention matrices
  kMagma,    // black -> purple -> orange -> pale yellow: good over photographs
};

// t is clamped to [0, 1]; NaN maps to a neutral grey so a broken value is visible.
Rgb colormap(ColorMap map, double t);

// "#rrggbb", for SVG and CSS.
std::string to_hex(Rgb c);

// Relative luminance in [0, 1] (sRGB weights); used to choose black or white
// text over a coloured cell.
double luminance(Rgb c);

}  // namespace attn::data
