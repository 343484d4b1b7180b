#include "data/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace attn::data {

namespace {

// Nine evenly spaced anchors (t = 0, 1/8, ..., 1) of each ramp.
constexpr std::array<Rgb, 9> kViridisAnchors = {{{0x44, 0x01, 0x54},
                                                 {0x47, 0x2d, 0x7b},
                                                 {0x3b, 0x52, 0x8b},
                                                 {0x2c, 0x72, 0x8e},
                                                 {0x21, 0x91, 0x8c},
                                                 {0x28, 0xae, 0x80},
                                                 {0x5e, 0xc9, 0x62},
                                                 {0xad, 0xdc, 0x30},
                                                 {0xfd, 0xe7, 0x25}}};

constexpr std::array<Rgb, 9> kMagmaAnchors = {{{0x00, 0x00, 0x04},
                                               {0x1c, 0x10, 0x44},
                                               {0x4f, 0x12, 0x7b},
                                               {0x81, 0x25, 0x81},
                                               {0xb5, 0x36, 0x7a},
                                               {0xe5, 0x50, 0x64},
                                               {0xfb, 0x87, 0x61},
                                               {0xfe, 0xc2, 0x87},
                                               {0xfc, 0xfd, 0xbf}}};

std::uint8_t mix(std::uint8_t a, std::uint8_t b, double f) {
  return static_cast<std::uint8_t>(std::lround(a + (b - a) * f));
}

}  // namespace

Rgb colormap(ColorMap map, double t) {
  if (std::isnan(t)) return {0x80, 0x80, 0x80};
  const auto& anchors = map == ColorMap::kMagma ? kMagmaAnchors : kViridisAnchors;
  t = std::clamp(t, 0.0, 1.0);
  // Position between anchors: segment i covers [i/8, (i+1)/8].
  const double pos = t * static_cast<double>(anchors.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), anchors.size() - 2);
  const double f = pos - static_cast<double>(i);
  const Rgb& a = anchors[i];
  const Rgb& b = anchors[i + 1];
  return {mix(a.r, b.r, f), mix(a.g, b.g, f), mix(a.b, b.b, f)};
}

std::string to_hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

double luminance(Rgb c) {
  // sRGB -> linear light, then the Rec. 709 weights.
  auto lin = [](std::uint8_t v) {
    const double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

}  // namespace attn::data
