#pragma once
// Glyphs: 28x28 greyscale pictures of ten simple shapes, made by code, for where
// Fashion-MNIST is not installed. Same size, same range and the same light-on-dark look as
// the clothes, so a generator, a classifier and the Fréchet distance in its feature space
// run unchanged on either.
//
//   class  0 circle     a filled disc             5 cross       both diagonals of a box
//          1 ring       a circle's outline        6 plus        a horizontal and a vertical bar
//          2 square     a filled square           7 hbars       three horizontal bars
//          3 frame      a square's outline        8 vbars       three vertical bars
//          4 triangle   filled, point up          9 diagonal    one diagonal of a box, either way
//
// Each picture draws its shape's size (half-width 5 to 11 pixels), centre (anywhere the
// shape fits with a pixel to spare), stroke thickness (1.5 to 3.5 pixels) and brightness
// (0.65 to 1) at random. Edges are anti-aliased (each pixel is the share of 4x4 sample
// points inside the shape), Gaussian noise of std `noise` is added, and the [0, 1]
// intensities are stored as 2 v - 1, so the background is -1 and the images span [-1, 1].
// Classes are balanced (count / 10 each, the first count % 10 classes one more), in a
// random order; the same seed gives the same pictures on every platform.
//
//   data::LabelledImages g = data::make_glyphs(5000, /*seed=*/1);
//   g.images;   // [5000, 1, 28, 28] in [-1, 1]
//   g.labels;   // [5000], 0..9
#include <array>
#include <cstdint>
#include <string>

#include "autograd/tensor.h"

namespace attn::data {

inline constexpr int kGlyphClasses = 10;
inline constexpr int kGlyphSide = 28;

// "circle", "ring", ..., "diagonal": the names of classes 0..9.
const std::array<std::string, kGlyphClasses>& glyph_class_names();

// Pictures with a label each, as a classifier or a GAN reads them.
struct LabelledImages {
  Tensor images;  // [N, C, H, W] in [-1, 1]
  Tensor labels;  // [N], class ids as whole numbers
  int64_t size() const { return labels.defined() ? labels.numel() : 0; }
};

struct GlyphOptions {
  double noise = 0.04;  // std of the Gaussian noise on [0, 1] intensities, >= 0
};

// count >= 1 glyphs from Generator(seed). Throws attn::Error for count < 1 or noise < 0.
LabelledImages make_glyphs(int64_t count, uint64_t seed, const GlyphOptions& options = {});

}  // namespace attn::data
