// PNG round trips, load errors that name the file, and the attention overlay.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/colormap.h"
#include "data/image_io.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"

namespace fs = std::filesystem;
using attn::data::Image;

namespace {

using attn::testing::error_of;
using attn::testing::TempDir;

Image pattern(int w, int h, int c) {
  Image img = attn::data::make_image(w, h, c);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) {
    img.pixels[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
  }
  return img;
}

}  // namespace

TEST(ImageIo, PngRoundTripEveryChannelCount) {
  TempDir tmp;
  for (int c = 1; c <= 4; ++c) {
    SCOPED_TRACE(testing::Message() << "channels " << c);
    const Image img = pattern(7, 5, c);
    const fs::path file = tmp.path / std::string("p").append(std::to_string(c)).append(".png");
    attn::data::save_png(file, img);
    const Image back = attn::data::load_image(file);
    EXPECT_EQ(back.width, 7);
    EXPECT_EQ(back.height, 5);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, img.pixels);  // PNG is lossless
  }
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    EXPECT_NE(e.path().extension(), ".tmp");
  }
  // Channel conversion on load: grey -> RGB repeats the value.
  const Image rgb = attn::data::load_image(tmp.path / "p1.png", 3);
  EXPECT_EQ(rgb.channels, 3);
  EXPECT_EQ(rgb.at(2, 3, 0), rgb.at(2, 3, 2));
  EXPECT_EQ(rgb.at(2, 3, 1), pattern(7, 5, 1).at(2, 3, 0));
}

TEST(ImageIo, LoadErrorsNameThePath) {
  TempDir tmp;
  const fs::path missing = tmp.path / "nope.png";
  std::string msg = error_of([&] { attn::data::load_image(missing); });
  EXPECT_NE(msg.find(missing.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;

  const fs::path garbage = tmp.path / "text.png";
  std::ofstream(garbage) << "this is not an image";
  msg = error_of([&] { attn::data::load_image(garbage); });
  EXPECT_NE(msg.find(garbage.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot decode"), std::string::npos) << msg;
  EXPECT_GT(msg.size(), msg.find("': ") + 4) << "stb's reason is missing: " << msg;

  EXPECT_THROW(attn::data::load_image(garbage, 5), attn::Error);
}

TEST(ImageIo, SaveErrors) {
  TempDir tmp;
  const fs::path bad = tmp.path / "missing_dir" / "x.png";
  const std::string msg = error_of([&] { attn::data::save_png(bad, pattern(2, 2, 3)); });
  EXPECT_NE(msg.find(bad.string()), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(bad));

  Image broken = pattern(4, 4, 3);
  broken.pixels.pop_back();
  const std::string m2 = error_of([&] { attn::data::save_png(tmp.path / "b.png", broken); });
  EXPECT_NE(m2.find("needs 48 bytes, pixels holds 47"), std::string::npos) << m2;
  EXPECT_FALSE(fs::exists(tmp.path / "b.png"));
  EXPECT_THROW(attn::data::make_image(0, 3, 3), attn::Error);
  EXPECT_THROW(attn::data::make_image(3, 3, 5), attn::Error);
}

TEST(ImageIo, OverlayBlendsTheRampBilinearly) {
  using attn::data::ColorMap;
  // A grey 8x4 image, a 1x2 grid: left cell 0, right cell 1.
  Image grey = attn::data::make_image(8, 4, 1);
  for (auto& p : grey.pixels) p = 100;
  const std::vector<float> w = {0.0f, 2.0f};  // scaled by the max: 0 and 1
  const Image full = attn::data::overlay_heatmap(grey, w, 1, 2, 1.0f, ColorMap::kViridis);
  ASSERT_EQ(full.channels, 3);
  ASSERT_EQ(full.width, 8);
  const auto low = attn::data::colormap(ColorMap::kViridis, 0.0);
  const auto high = attn::data::colormap(ColorMap::kViridis, 1.0);
  // Pixels left of the first cell centre (x < 2) and right of the second (x >= 6) are pure.
  EXPECT_EQ(full.at(1, 0, 0), low.r);
  EXPECT_EQ(full.at(1, 0, 2), low.b);
  EXPECT_EQ(full.at(3, 7, 1), high.g);
  // In between, bilinear: x = 3 sits at grid coordinate 0.375 -> t = 0.375.
  const auto mid = attn::data::colormap(ColorMap::kViridis, 0.375);
  EXPECT_NEAR(full.at(0, 3, 1), mid.g, 1);

  const Image none = attn::data::overlay_heatmap(grey, w, 1, 2, 0.0f);
  for (auto p : none.pixels) EXPECT_EQ(p, 100);  // alpha 0: the image itself, as RGB
  const Image half = attn::data::overlay_heatmap(grey, w, 1, 2, 0.5f, ColorMap::kViridis);
  EXPECT_NEAR(half.at(0, 7, 0), 0.5 * 100 + 0.5 * high.r, 1);
}

TEST(ImageIo, OverlayRejectsBadWeights) {
  const Image img = pattern(4, 4, 3);
  std::string msg = error_of([&] { attn::data::overlay_heatmap(img, {0.1f, 0.2f}, 2, 2, 0.5f); });
  EXPECT_NE(msg.find("2 weights for a 2x2 grid"), std::string::npos) << msg;
  msg = error_of([&] { attn::data::overlay_heatmap(img, {0.1f, -0.2f}, 1, 2, 0.5f); });
  EXPECT_NE(msg.find("weight 1"), std::string::npos) << msg;
  EXPECT_THROW(attn::data::overlay_heatmap(img, {0.1f}, 1, 1, 1.5f), attn::Error);
}

TEST(ImageIo, FromChwAndUpscale) {
  // 3 channels of 1x2: R = {0, 1}, G = {0.5, 2 (clamped)}, B = {-1 (clamped), 0.25}.
  const std::vector<float> chw = {0, 1, 0.5f, 2, -1, 0.25f};
  const Image img = attn::data::image_from_chw(chw, 3, 1, 2);
  EXPECT_EQ(img.at(0, 0, 0), 0);
  EXPECT_EQ(img.at(0, 1, 0), 255);
  EXPECT_EQ(img.at(0, 0, 1), 128);
  EXPECT_EQ(img.at(0, 1, 1), 255);
  EXPECT_EQ(img.at(0, 0, 2), 0);
  EXPECT_EQ(img.at(0, 1, 2), 64);
  EXPECT_THROW(attn::data::image_from_chw(chw, 3, 2, 2), attn::Error);
  EXPECT_THROW(attn::data::image_from_chw(chw, 2, 1, 3), attn::Error);

  const Image big = attn::data::upscale_nearest(img, 3);
  EXPECT_EQ(big.width, 6);
  EXPECT_EQ(big.height, 3);
  EXPECT_EQ(big.at(2, 2, 0), img.at(0, 0, 0));
  EXPECT_EQ(big.at(2, 3, 0), img.at(0, 1, 0));
}
