#pragma once
// A batch of pictures as one PNG: a grid of rows x cols tiles with a small gap between them,
// each pixel upscaled to a factor x factor block so 28x28 samples are visible in a report.
//
//   train::save_image_grid(out / "samples_step_1000.png", generated, {.cols = 8, .scale = 3});
//   data::Image g = train::image_grid(images);       // the same in memory
//
// Input: images [N, C, H, W] with C = 1 (grey) or 3 (RGB), values in [lo, hi] (default
// [-1, 1], a tanh generator's range; values outside are clamped). Tile k sits in row k / cols,
// column k % cols; rows = ceil(N / cols). Pixel (y, x) of tile k lands at
//   (gap + row (H scale + gap) + y scale,  gap + col (W scale + gap) + x scale)
// (top-left of its block) in an image of
//   height = gap + rows (H scale + gap),  width = gap + cols (W scale + gap),
// painted with `gap_level` (0..255) around and between the tiles and where the last row
// has no tile.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "autograd/tensor.h"
#include "data/image_io.h"

namespace attn::train {

struct ImageGridOptions {
  int cols = 8;         // tiles per row (fewer when N is smaller), >= 1
  int gap = 2;          // pixels between and around tiles (at the output scale), >= 0
  int scale = 3;        // each input pixel becomes scale x scale output pixels, >= 1
  int gap_level = 128;  // the gap's grey, 0..255: mid-grey sets off black and white pictures
  float lo = -1.0f;     // the value shown black
  float hi = 1.0f;      // the value shown white (lo < hi)
};

// Throws attn::Error for images not [N, C, H, W] with N >= 1 and C in {1, 3}, or options
// out of range.
data::Image image_grid(const Tensor& images, const ImageGridOptions& options = {});

// image_grid, written as a PNG (atomically, via data::save_png). Returns nothing; throws
// attn::Error naming the path when it cannot be written.
void save_image_grid(const std::filesystem::path& path, const Tensor& images,
                     const ImageGridOptions& options = {});

}  // namespace attn::train
