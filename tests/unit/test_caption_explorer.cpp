// The click-a-word page: save_explorer_images writes the picture and one
// overlay per word; Report::caption_explorer makes one button per word, escapes
// every word and label, numbers items across the page, writes its script once,
// fetches nothing from a network and refuses missing files. (That the buttons
// work is checked in a real browser: tests/browser/.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/image_io.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "helpers/text.h"
#include "train/report/attention_strip.h"
#include "train/report/report.h"

namespace fs = std::filesystem;
using attn::train::AttentionStrip;
using attn::train::ExplorerItem;
using attn::train::Report;

namespace {

using attn::testing::count_of;
using attn::testing::TempDir;
using attn::testing::ThrowsWith;

AttentionStrip strip(std::vector<std::string> words, std::string title) {
  AttentionStrip s;
  s.image = attn::data::make_image(6, 4, 3);
  for (std::size_t i = 0; i < s.image.pixels.size(); ++i) {
    s.image.pixels[i] = static_cast<std::uint8_t>(i * 7 % 256);
  }
  s.grid_h = 2;
  s.grid_w = 2;
  for (std::size_t t = 0; t < words.size(); ++t) {
    std::vector<float> a(4, 0.0f);
    a[t % 4] = 1.0f;
    s.alpha.push_back(a);
  }
  s.words = std::move(words);
  s.title = std::move(title);
  return s;
}

}  // namespace

TEST(CaptionExplorer, SaveExplorerImagesWritesThePictureAndOneOverlayPerWord) {
  TempDir tmp;
  const ExplorerItem item = attn::train::save_explorer_images(
      tmp.path / "explore", "test_3", strip({"a", "red", "<end>"}, "a red"), 5);
  EXPECT_EQ(item.label, "a red");
  EXPECT_EQ(item.image, tmp.path / "explore" / "test_3.png");
  const attn::data::Image picture = attn::data::load_image(item.image);
  EXPECT_EQ(picture.width, 30);
  EXPECT_EQ(picture.height, 20);
  ASSERT_EQ(item.words.size(), 3u);
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(item.words[t].second,
              tmp.path / "explore" / ("test_3_" + std::to_string(t) + ".png"));
    const attn::data::Image overlay = attn::data::load_image(item.words[t].second);
    EXPECT_EQ(overlay.width, 30);
    EXPECT_EQ(overlay.height, 20);
    EXPECT_NE(overlay.pixels, picture.pixels);
  }
  EXPECT_EQ(item.words[2].first, "<end>");

  EXPECT_TRUE(
      ThrowsWith([&] { attn::train::save_explorer_images(tmp.path, "a/b", strip({"a"}, "")); },
                 {"stem 'a/b'", "without a directory part"}));
  AttentionStrip bad = strip({"a", "b"}, "");
  bad.alpha.pop_back();
  EXPECT_TRUE(ThrowsWith([&] { attn::train::save_explorer_images(tmp.path, "bad", bad); },
                         {"save_explorer_images", "2 words but 1 attention grids"}));
  EXPECT_FALSE(fs::exists(tmp.path / "bad.png"));
}

TEST(CaptionExplorer, OneButtonPerWordEscapedAndTheScriptOnce) {
  TempDir tmp;
  const fs::path dir = tmp.path / "explore";
  const std::string nasty = "<b>\"&'";
  Report r("explorer");
  r.caption_explorer(
      {attn::train::save_explorer_images(dir, "i0", strip({"a", nasty}, "label <i>")),
       attn::train::save_explorer_images(dir, "i1", strip({"x", "y", "z"}, "b"))},
      "first block");
  r.paragraph("between");
  r.caption_explorer({attn::train::save_explorer_images(dir, "i2", strip({"one"}, "c"))},
                     "second block");
  const std::string html = r.to_html(tmp.path);

  EXPECT_EQ(count_of(html, "<script>"), 1u);
  EXPECT_EQ(count_of(html, "</script>"), 1u);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from a network
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);

  // One button per word and one "image" button per item.
  EXPECT_EQ(count_of(html, "<button "), 2u + 3u + 1u + 3u);
  EXPECT_EQ(count_of(html, "class=\"explore-word explore-plain selected\""), 3u);
  // Items are numbered across the page, words within their item.
  for (const char* id : {"explore-0-0", "explore-0-1", "explore-1-2", "explore-2-0"}) {
    EXPECT_EQ(count_of(html, std::string("id=\"") + id + "\""), 1u) << id;
  }
  EXPECT_EQ(html.find("id=\"explore-3"), std::string::npos);
  EXPECT_NE(html.find(">&lt;b&gt;&quot;&amp;&#39;</button>"), std::string::npos) << html;
  EXPECT_NE(html.find("label &lt;i&gt;"), std::string::npos);
  // Paths relative to the page, the plain picture kept for the way back.
  EXPECT_NE(html.find("id=\"explore-0-img\" src=\"explore/i0.png\" data-plain=\"explore/i0.png\""),
            std::string::npos);
  EXPECT_NE(html.find("data-src=\"explore/i1_2.png\">z</button>"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>first block</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>second block</figcaption>"), std::string::npos);
  EXPECT_GT(html.find("<script>"), html.find("second block"));  // after every explorer

  EXPECT_TRUE(fs::exists(r.save(tmp.path)));
}

TEST(CaptionExplorer, PagesWithoutAnExplorerHaveNoScript) {
  TempDir tmp;
  const std::string html = Report("plain").paragraph("text").to_html(tmp.path);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(".explore"), std::string::npos);
}

TEST(CaptionExplorer, MissingFilesAndEmptyBlocksAreRefused) {
  TempDir tmp;
  EXPECT_TRUE(ThrowsWith([] { Report("r").caption_explorer({}, "nothing"); },
                         {"caption_explorer", "no pictures", "nothing"}));

  ExplorerItem item = attn::train::save_explorer_images(tmp.path, "ok", strip({"a", "b"}, "ok"));
  item.words[1].second = tmp.path / "gone_1.png";
  Report r("r");
  r.caption_explorer({item}, "one");
  EXPECT_TRUE(ThrowsWith([&] { r.save(tmp.path); }, {"overlay of a word", "gone_1.png"}));
  EXPECT_FALSE(fs::exists(tmp.path / "index.html"));

  item = attn::train::save_explorer_images(tmp.path, "ok", strip({"a"}, "ok"));
  item.image = "nowhere.png";
  EXPECT_TRUE(ThrowsWith([&] { Report("r").caption_explorer({item}, "").save(tmp.path); },
                         {"picture", "nowhere.png"}));
}
