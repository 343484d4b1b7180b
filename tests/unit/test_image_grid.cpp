// The PNG grid of samples (train/report/image_grid.h): where each pixel lands, the gap, the
// value mapping, and the errors.
#include <gtest/gtest.h>

#include <cmath>

#include "data/image_io.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "train/report/image_grid.h"

namespace attn::train {
namespace {

TEST(ImageGrid, AKnownPixelLandsInItsTileAndBlock) {
  // 5 pictures of 4 x 3 (H x W), 2 columns: 3 rows, the last with one tile.
  Tensor x = Tensor::full({5, 1, 4, 3}, -1);    // black
  x.data()[((3 * 1 + 0) * 4 + 2) * 3 + 1] = 1;  // picture 3, row 2, column 1: white
  const ImageGridOptions o{.cols = 2, .gap = 1, .scale = 2, .gap_level = 100};
  const data::Image g = image_grid(x, o);
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.width, 1 + 2 * (3 * 2 + 1));   // 15
  EXPECT_EQ(g.height, 1 + 3 * (4 * 2 + 1));  // 28
  // Picture 3 is tile (row 1, column 1): top 1 + 1 * 9 = 10, left 1 + 1 * 7 = 8; its pixel
  // (2, 1) is the 2x2 block at (10 + 4, 8 + 2).
  for (int dy = 0; dy < 2; ++dy)
    for (int dx = 0; dx < 2; ++dx) EXPECT_EQ(g.at(14 + dy, 10 + dx, 0), 255);
  EXPECT_EQ(g.at(13, 10, 0), 0);    // the pixel above it: black
  EXPECT_EQ(g.at(14, 12, 0), 0);    // to its right
  EXPECT_EQ(g.at(0, 0, 0), 100);    // the border
  EXPECT_EQ(g.at(10, 7, 0), 100);   // the gap between columns
  EXPECT_EQ(g.at(20, 10, 0), 100);  // the empty place beside the last tile
  int white = 0;
  for (auto v : g.pixels) white += v == 255;
  EXPECT_EQ(white, 4);
}

TEST(ImageGrid, MapsTheRangeAndClampsAndShowsRgb) {
  Tensor x = Tensor::zeros({1, 3, 1, 2});
  x.data()[0] = -1;             // R of pixel 0
  x.data()[1] = 3;              // R of pixel 1: above hi, clamped
  x.data()[2] = 0;              // G of pixel 0: the middle
  x.data()[5] = std::nanf("");  // B of pixel 1: shown black
  const data::Image g = image_grid(x, {.cols = 4, .gap = 0, .scale = 1});
  ASSERT_EQ(g.channels, 3);
  ASSERT_EQ(g.width, 2);
  ASSERT_EQ(g.height, 1);
  EXPECT_EQ(g.at(0, 0, 0), 0);
  EXPECT_EQ(g.at(0, 1, 0), 255);
  EXPECT_EQ(g.at(0, 0, 1), 128);
  EXPECT_EQ(g.at(0, 1, 2), 0);
  // Another range: [0, 1].
  const data::Image h =
      image_grid(Tensor::full({1, 1, 1, 1}, 0.5), {.gap = 0, .scale = 1, .lo = 0});
  EXPECT_EQ(h.at(0, 0, 0), 128);
}

TEST(ImageGrid, SavesAPngThatReadsBack) {
  testing::TempDir tmp;
  Tensor x = Tensor::full({3, 1, 2, 2}, 1);
  save_image_grid(tmp.path / "grid.png", x, {.cols = 3, .gap = 2, .scale = 2});
  const data::Image back = data::load_image(tmp.path / "grid.png");
  EXPECT_EQ(back.width, 2 + 3 * (4 + 2));
  EXPECT_EQ(back.height, 2 + 1 * (4 + 2));
  EXPECT_EQ(back.at(2, 2, 0), 255);
  EXPECT_EQ(back.at(0, 0, 0), 128);
}

TEST(ImageGrid, BadShapesAndOptionsAreErrors) {
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({2, 28, 28})), "[N, C, H, W]");
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({2, 2, 28, 28})), "2 channels");
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({0, 1, 28, 28})), "no picture");
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({1, 1, 2, 2}), {.cols = 0}), "cols >= 1");
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({1, 1, 2, 2}), {.scale = 0}), "scale >= 1");
  EXPECT_ERROR_HAS(image_grid(Tensor::zeros({1, 1, 2, 2}), {.lo = 1, .hi = 1}), "lo < hi");
  testing::TempDir tmp;
  EXPECT_ERROR_HAS(
      save_image_grid(tmp.path / "no" / "such" / "dir" / "g.png", Tensor::zeros({1, 1, 2, 2})),
      "g.png");
}

}  // namespace
}  // namespace attn::train
