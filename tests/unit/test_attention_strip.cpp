// The attention strip and gallery SVGs: one embedded PNG per panel that
// decodes back to the enlarged picture, every word present and escaped, the
// rows wrapping, and bad inputs refused with a message saying what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/image_io.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "helpers/text.h"
#include "train/report/attention_strip.h"
#include "train/report/base64.h"

namespace fs = std::filesystem;
using attn::data::Image;
using attn::train::AttentionStrip;

namespace {

using attn::testing::count_of;
using attn::testing::read_file;
using attn::testing::TempDir;
using attn::testing::ThrowsWith;

// An 8x6 RGB picture, a 2x3 attention grid and three words, one of them full
// of characters that SVG must escape.
AttentionStrip small_strip() {
  AttentionStrip s;
  s.image = attn::data::make_image(8, 6, 3);
  for (std::size_t i = 0; i < s.image.pixels.size(); ++i) {
    s.image.pixels[i] = static_cast<std::uint8_t>((i * 29 + 3) % 256);
  }
  s.words = {"a", "<b>\"&'", "circle"};
  s.grid_h = 2;
  s.grid_w = 3;
  s.alpha = {{1, 0, 0, 0, 0, 0}, {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.1f}, {0, 0, 0, 0, 0, 1}};
  s.title = "a <b> circle & more\nreference: a red circle";
  return s;
}

// The images embedded in an SVG, decoded.
std::vector<Image> embedded_images(const std::string& svg) {
  std::vector<Image> images;
  const std::string prefix = "href=\"data:image/png;base64,";
  for (auto at = svg.find(prefix); at != std::string::npos; at = svg.find(prefix, at + 1)) {
    const std::size_t start = at + prefix.size();
    const std::size_t end = svg.find('"', start);
    const std::vector<std::uint8_t> png =
        attn::train::base64_decode(std::string_view(svg).substr(start, end - start));
    images.push_back(attn::data::decode_image(png, "embedded panel"));
  }
  return images;
}

}  // namespace

TEST(AttentionStrip, OnePanelPerWordPlusThePicture) {
  TempDir tmp;
  const AttentionStrip s = small_strip();
  const fs::path file = tmp.path / "strip.svg";
  attn::train::save_attention_strip(file, s, 3);
  const std::string svg = read_file(file);
  ASSERT_FALSE(svg.empty());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(count_of(svg, "<svg "), 1u);
  EXPECT_EQ(count_of(svg, "</svg>"), 1u);
  EXPECT_EQ(count_of(svg, "<image "), 4u);  // the picture and three words

  const std::vector<Image> panels = embedded_images(svg);
  ASSERT_EQ(panels.size(), 4u);
  for (const Image& p : panels) {
    EXPECT_EQ(p.width, 24);
    EXPECT_EQ(p.height, 18);
    EXPECT_EQ(p.channels, 3);
  }
  // The first panel is the plain picture, each pixel a 3x3 block.
  EXPECT_EQ(panels[0].pixels, attn::data::upscale_nearest(s.image, 3).pixels);
  // Word 0 looked at the top-left cell only: its overlay differs from the picture
  // there, and the heat of word 0 and word 2 sit in opposite corners.
  EXPECT_NE(panels[1].pixels, panels[0].pixels);
  EXPECT_NE(panels[1].pixels, panels[3].pixels);

  EXPECT_NE(svg.find(">a</text>"), std::string::npos);
  EXPECT_NE(svg.find(">circle</text>"), std::string::npos);
  EXPECT_NE(svg.find(">&lt;b&gt;&quot;&amp;&#39;</text>"), std::string::npos)
      << svg.substr(0, 2000);
  EXPECT_NE(svg.find(">a &lt;b&gt; circle &amp; more</text>"), std::string::npos);
  EXPECT_NE(svg.find(">reference: a red circle</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(count_of(svg, "&"), count_of(svg, "&amp;") + count_of(svg, "&lt;") +
                                    count_of(svg, "&gt;") + count_of(svg, "&quot;") +
                                    count_of(svg, "&#39;"));
}

TEST(AttentionStrip, GreyPicturesAndEmptyCaptionsAreShown) {
  TempDir tmp;
  AttentionStrip s = small_strip();
  s.image = attn::data::make_image(5, 5, 1);
  s.alpha = {{1, 2, 3, 4}, {0, 0, 0, 0}, {4, 3, 2, 1}};
  s.grid_h = s.grid_w = 2;
  attn::train::save_attention_strip(tmp.path / "grey.svg", s, 2);
  const std::vector<Image> panels = embedded_images(read_file(tmp.path / "grey.svg"));
  ASSERT_EQ(panels.size(), 4u);
  EXPECT_EQ(panels[0].channels, 1);  // the plain picture as it is
  EXPECT_EQ(panels[1].channels, 3);  // the overlays in colour
  EXPECT_EQ(panels[1].width, 10);

  s.words.clear();
  s.alpha.clear();
  attn::train::save_attention_strip(tmp.path / "empty.svg", s, 2);
  EXPECT_EQ(embedded_images(read_file(tmp.path / "empty.svg")).size(), 1u);
}

TEST(AttentionStrip, WrapsPastPerRow) {
  TempDir tmp;
  AttentionStrip s = small_strip();
  s.words.clear();
  s.alpha.clear();
  for (int t = 0; t < 7; ++t) {
    s.words.push_back(std::string("w").append(std::to_string(t)));
    s.alpha.push_back(std::vector<float>(6, 1.0f));
  }
  attn::train::save_attention_strip(tmp.path / "one_row.svg", s, 3, 8);
  attn::train::save_attention_strip(tmp.path / "three_rows.svg", s, 3, 3);
  // The height attribute of the root element.
  auto height = [&](const fs::path& f) {
    const std::string svg = read_file(f);
    const std::size_t at = svg.find("height=\"");
    return std::stod(svg.substr(at + 8));
  };
  auto width = [&](const fs::path& f) {
    const std::string svg = read_file(f);
    const std::size_t at = svg.find("width=\"");
    return std::stod(svg.substr(at + 7));
  };
  EXPECT_EQ(count_of(read_file(tmp.path / "three_rows.svg"), "<image "), 8u);
  EXPECT_GT(height(tmp.path / "three_rows.svg"), height(tmp.path / "one_row.svg") + 2 * 18);
  EXPECT_LT(width(tmp.path / "three_rows.svg"), width(tmp.path / "one_row.svg"));
}

TEST(AttentionStrip, GalleryStacksStripsWithTheirTitles) {
  TempDir tmp;
  AttentionStrip a = small_strip(), b = small_strip();
  a.title = "worst caption 1";
  b.title = "worst caption 2";
  b.words.pop_back();
  b.alpha.pop_back();
  attn::train::save_attention_gallery(tmp.path / "gallery.svg", {a, b}, 2);
  const std::string svg = read_file(tmp.path / "gallery.svg");
  EXPECT_EQ(count_of(svg, "<svg "), 1u);
  EXPECT_EQ(count_of(svg, "<image "), 4u + 3u);
  EXPECT_LT(svg.find(">worst caption 1</text>"), svg.find(">worst caption 2</text>"));
  for (const Image& p : embedded_images(svg)) EXPECT_EQ(p.width, 16);

  EXPECT_TRUE(ThrowsWith([&] { attn::train::save_attention_gallery(tmp.path / "g.svg", {}, 2); },
                         {"save_attention_gallery", "no strips"}));
  b.alpha[1][2] = -1.0f;
  EXPECT_TRUE(ThrowsWith(
      [&] {
        attn::train::save_attention_gallery(tmp.path / "g.svg", {a, b}, 2);
      },
      {"strip 1", "alpha[1]", "weight 2", "finite and >= 0"}));
  EXPECT_FALSE(fs::exists(tmp.path / "g.svg"));
}

TEST(AttentionStrip, BadInputsSayWhatIsWrong) {
  TempDir tmp;
  const fs::path file = tmp.path / "bad.svg";
  auto save = [&](const AttentionStrip& s) { attn::train::save_attention_strip(file, s); };

  AttentionStrip s = small_strip();
  s.alpha.pop_back();
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"bad.svg", "3 words but 2 attention grids"}));

  s = small_strip();
  s.alpha[2].push_back(0.5f);
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"alpha[2]", "'circle'", "7 weights", "2 * 3 = 6"}));

  s = small_strip();
  s.alpha[0][4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"alpha[0]", "weight 4", "finite and >= 0"}));

  s = small_strip();
  s.alpha[1][0] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"alpha[1]", "weight 0"}));

  s = small_strip();
  s.image = Image{};
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"the image is 0x0"}));

  s = small_strip();
  s.image.pixels.pop_back();
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"the image holds 143 bytes", "needs 144"}));

  s = small_strip();
  s.grid_w = 0;
  EXPECT_TRUE(ThrowsWith([&] { save(s); }, {"attention grid is 2x0", "grid_h and grid_w"}));

  s = small_strip();
  EXPECT_TRUE(ThrowsWith([&] { attn::train::save_attention_strip(file, s, 0); }, {"scale is 0"}));
  EXPECT_TRUE(
      ThrowsWith([&] { attn::train::save_attention_strip(file, s, 3, 0); }, {"per_row is 0"}));
  EXPECT_FALSE(fs::exists(file));  // nothing half-written

  EXPECT_TRUE(ThrowsWith([&] { attn::train::save_attention_strip(tmp.path / "no" / "x.svg", s); },
                         {"x.svg"}));
}
