// The click-a-word page (Report::caption_explorer) in a real browser: headless
// Chromium opens index.html from file://, runs its inline script and prints
// the DOM as it stands afterwards (--dump-dom). Opening index.html#explore-I-T
// goes through the page's click handler, so the dumped DOM shows whether a
// click on word T of item I puts that word's overlay in the picture's place
// and highlights the word. Without the hash, the plain pictures are shown.
//
// Skipped, saying so, where no chromium, chromium-browser or google-chrome is
// on PATH (Debian: apt-get install chromium). ctest -L browser runs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/image_io.h"
#include "helpers/temp_dir.h"
#include "train/report/attention_strip.h"
#include "train/report/report.h"

namespace fs = std::filesystem;
using attn::testing::read_file;
using attn::testing::TempDir;

namespace {

// The first of `names` that is an executable file in a directory of PATH.
std::optional<fs::path> on_path(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  for (const std::string& name : names) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const fs::path dir = dirs.substr(start, end - start);
      start = end + 1;
      if (dir.empty()) continue;
      const fs::path candidate = dir / name;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
  }
  return std::nullopt;
}

// A picture of two squares, and a caption whose words look at one, the other, or both.
attn::train::AttentionStrip strip(std::vector<std::string> words) {
  attn::train::AttentionStrip s;
  s.image = attn::data::make_image(12, 12, 3);
  for (int y = 2; y < 6; ++y)
    for (int x = 2; x < 6; ++x) s.image.at(y, x, 0) = 220;
  for (int y = 7; y < 11; ++y)
    for (int x = 7; x < 11; ++x) s.image.at(y, x, 2) = 220;
  s.grid_h = s.grid_w = 2;
  for (std::size_t t = 0; t < words.size(); ++t) {
    s.alpha.push_back(t % 3 == 0   ? std::vector<float>{1, 0, 0, 0}
                      : t % 3 == 1 ? std::vector<float>{0, 0, 0, 1}
                                   : std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
  }
  s.words = std::move(words);
  s.title = "a caption";
  return s;
}

// Writes the page of two items into `dir`: item 0 "a red square <end>", item 1 "blue &".
fs::path write_page(const fs::path& dir) {
  std::vector<attn::train::ExplorerItem> items;
  items.push_back(attn::train::save_explorer_images(dir / "explore", "item0",
                                                    strip({"a", "red", "square", "<end>"})));
  items.push_back(
      attn::train::save_explorer_images(dir / "explore", "item1", strip({"blue", "&"})));
  attn::train::Report report("explorer in a browser");
  report.paragraph("Click a word.");
  report.caption_explorer(items, "Where each word looked.");
  return report.save(dir);
}

// file:// URL of an absolute path, each byte outside [A-Za-z0-9/._-] percent-encoded.
std::string file_url(const fs::path& file) {
  std::string url = "file://";
  for (unsigned char c : fs::absolute(file).generic_string()) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-') {
      url += static_cast<char>(c);
    } else {
      const char* hex = "0123456789ABCDEF";
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

// The DOM after the page's scripts ran, as headless Chromium prints it.
std::string dump_dom(const fs::path& browser, const fs::path& page, const std::string& hash,
                     const fs::path& work) {
  const fs::path dom = work / "dom.html", log = work / "browser.log";
  auto quoted = [](const std::string& s) { return "'" + s + "'"; };  // paths hold no quote
  std::string command;
  if (const auto timeout = on_path({"timeout"})) command = timeout->string() + " 120 ";
  command += quoted(browser.string()) +
             " --headless --disable-gpu --no-sandbox --no-first-run --dump-dom"
             " --virtual-time-budget=3000 --user-data-dir=" +
             quoted((work / "profile").string()) + " " + quoted(file_url(page) + hash) + " > " +
             quoted(dom.string()) + " 2> " + quoted(log.string());
  const int rc = std::system(command.c_str());
  EXPECT_EQ(rc, 0) << command << "\n" << read_file(log);
  return read_file(dom);
}

// The start tag of the element with this id ("" if absent).
std::string tag_with_id(const std::string& dom, const std::string& id) {
  const std::size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const std::size_t open = dom.rfind('<', at), close = dom.find('>', at);
  return dom.substr(open, close - open + 1);
}

std::string attribute(const std::string& tag, const std::string& name) {
  const std::size_t at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const std::size_t start = at + name.size() + 3;
  return tag.substr(start, tag.find('"', start) - start);
}

// The text inside the element with this id, up to its first child or end tag.
std::string text_of(const std::string& dom, const std::string& id) {
  const std::size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const std::size_t start = dom.find('>', at) + 1;
  return dom.substr(start, dom.find('<', start) - start);
}

bool highlighted(const std::string& dom, const std::string& id) {
  const std::string tag = tag_with_id(dom, id);
  return attribute(tag, "aria-pressed") == "true" &&
         (" " + attribute(tag, "class") + " ").find(" selected ") != std::string::npos;
}

class ExplorerInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = on_path({"chromium", "chromium-browser", "google-chrome"});
    if (!browser_) {
      GTEST_SKIP() << "chromium is not installed: no chromium, chromium-browser or google-chrome "
                      "on PATH (Debian: apt-get install chromium)";
    }
    ASSERT_EQ(tmp_.path.string().find('\''), std::string::npos);
    page_ = write_page(tmp_.path);
  }
  std::optional<fs::path> browser_;
  TempDir tmp_;
  fs::path page_;
};

}  // namespace

TEST_F(ExplorerInBrowser, WithoutAHashThePlainPicturesAreShown) {
  const std::string dom = dump_dom(*browser_, page_, "", tmp_.path);
  ASSERT_NE(dom.find("explorer in a browser"), std::string::npos) << dom.substr(0, 400);
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-0-img"), "src"), "explore/item0.png") << dom;
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-1-img"), "src"), "explore/item1.png");
  for (const char* id : {"explore-0-0", "explore-0-1", "explore-0-3", "explore-1-1"}) {
    EXPECT_NE(tag_with_id(dom, id), "") << id;
    EXPECT_FALSE(highlighted(dom, id)) << id;
  }
}

TEST_F(ExplorerInBrowser, HashSelectsThatWordThroughTheClickHandler) {
  const std::string dom = dump_dom(*browser_, page_, "#explore-0-1", tmp_.path);
  ASSERT_NE(dom.find("explorer in a browser"), std::string::npos) << dom.substr(0, 400);
  // Word 1 of item 0 ("red"): its overlay replaces the picture, and only it is highlighted.
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-0-img"), "src"), "explore/item0_1.png") << dom;
  EXPECT_TRUE(highlighted(dom, "explore-0-1")) << tag_with_id(dom, "explore-0-1");
  EXPECT_FALSE(highlighted(dom, "explore-0-0"));
  EXPECT_FALSE(highlighted(dom, "explore-0-2"));
  // The other item is left alone.
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-1-img"), "src"), "explore/item1.png");
  EXPECT_FALSE(highlighted(dom, "explore-1-1"));
}

TEST_F(ExplorerInBrowser, HashReachesTheSecondItemAndAnEscapedWord) {
  const std::string dom = dump_dom(*browser_, page_, "#explore-1-1", tmp_.path);
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-1-img"), "src"), "explore/item1_1.png") << dom;
  EXPECT_TRUE(highlighted(dom, "explore-1-1"));
  EXPECT_EQ(text_of(dom, "explore-1-1"), "&amp;");  // the word "&", escaped
  EXPECT_EQ(attribute(tag_with_id(dom, "explore-0-img"), "src"), "explore/item0.png");
}
