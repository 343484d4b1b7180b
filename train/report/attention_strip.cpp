#include "train/report/attention_strip.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "train/report/base64.h"
#include "train/report/svg_writer.h"

namespace attn::train {

namespace fs = std::filesystem;

namespace {

// How strongly the heat map covers the picture: enough to read the colour,
// little enough to still see the objects under it.
constexpr float kOverlayAlpha = 0.6f;

// Sizes in SVG pixels.
constexpr double kMargin = 12;
constexpr double kTitleFont = 14, kTitleLine = 19;
constexpr double kWordFont = 13, kLabelBand = 22;  // the band under a panel that holds its word
constexpr double kGap = 8, kRowGap = 10;
constexpr double kPictureGap = 18;  // between the plain picture and the first word
constexpr double kStripGap = 26;    // between strips of a gallery

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (text.empty()) lines.clear();
  return lines;
}

// Where everything of one strip goes, before anything is drawn.
struct Layout {
  int panel_w = 0, panel_h = 0;  // one panel: the picture enlarged `scale` times
  double cell_w = 0;             // a panel, or the longest word if that is wider
  int columns = 0, rows = 1;     // word panels per row, rows of them
  std::vector<std::string> title;
  double width = 0, height = 0;
};

Layout layout_of(const AttentionStrip& s, int scale, int per_row) {
  Layout l;
  l.panel_w = s.image.width * scale;
  l.panel_h = s.image.height * scale;
  double widest_word = SvgWriter::text_width("image", kWordFont);
  for (const std::string& w : s.words) {
    widest_word = std::max(widest_word, SvgWriter::text_width(w, kWordFont));
  }
  l.cell_w = std::max<double>(l.panel_w, widest_word + 8);
  const int n = static_cast<int>(s.words.size());
  l.columns = std::min(n, per_row);
  l.rows = std::max(1, (n + per_row - 1) / per_row);
  l.title = lines_of(s.title);

  double title_w = 0;
  for (const std::string& line : l.title) {
    title_w = std::max(title_w, SvgWriter::text_width(line, kTitleFont));
  }
  double panels_w = l.cell_w;
  if (l.columns > 0) panels_w += kPictureGap + l.columns * (l.cell_w + kGap) - kGap;
  l.width = std::max(panels_w, title_w);
  l.height = l.title.size() * kTitleLine + (l.title.empty() ? 0 : 6) +
             l.rows * (l.panel_h + kLabelBand) + (l.rows - 1) * kRowGap;
  return l;
}

// An <image> element holding `picture` as a PNG data: URI.
std::string embedded_png(double x, double y, const data::Image& picture) {
  const std::vector<std::uint8_t> png = data::encode_png(picture);
  return "<image x=\"" + SvgWriter::num(x) + "\" y=\"" + SvgWriter::num(y) + "\" width=\"" +
         std::to_string(picture.width) + "\" height=\"" + std::to_string(picture.height) +
         "\" href=\"data:image/png;base64," + base64_encode(png) + "\"/>\n";
}

// Draws one strip with its top-left corner at (x0, y0).
void draw_strip(SvgWriter& svg, const AttentionStrip& s, const Layout& l, int scale, int per_row,
                double x0, double y0) {
  double y = y0;
  for (const std::string& line : l.title) {
    svg.text(x0, y + kTitleFont, line, kTitleFont, "start",
             line == l.title.front() ? R"(font-weight="600")" : R"(fill="#4b5563")");
    y += kTitleLine;
  }
  if (!l.title.empty()) y += 6;

  // The picture once, plain, so the reader sees what the heat maps cover.
  const data::Image enlarged = data::upscale_nearest(s.image, scale);
  auto panel = [&](double cx, double cy, const data::Image& picture, std::string_view label,
                   bool muted) {
    const double px = cx + (l.cell_w - l.panel_w) / 2;
    svg.raw(embedded_png(px, cy, picture));
    svg.rect(px, cy, l.panel_w, l.panel_h, "none", R"(stroke="#d1d5db" stroke-width="1")");
    svg.text(cx + l.cell_w / 2, cy + l.panel_h + 16, label, kWordFont, "middle",
             muted ? R"(fill="#6b7280" font-style="italic")" : "");
  };
  panel(x0, y, enlarged, "image", true);

  const double words_x = x0 + l.cell_w + kPictureGap;
  for (std::size_t t = 0; t < s.words.size(); ++t) {
    const int row = static_cast<int>(t) / per_row, col = static_cast<int>(t) % per_row;
    const data::Image heat =
        data::overlay_heatmap(enlarged, s.alpha[t], s.grid_h, s.grid_w, kOverlayAlpha);
    panel(words_x + col * (l.cell_w + kGap), y + row * (l.panel_h + kLabelBand + kRowGap), heat,
          s.words[t], false);
  }
}

void check_sizes(int scale, int per_row, const std::string& where) {
  if (scale < 1 || scale > 64) {
    throw Error(where + ": scale is " + std::to_string(scale) +
                "; expected 1..64 (how many times each pixel is enlarged)");
  }
  if (per_row < 1) {
    throw Error(where + ": per_row is " + std::to_string(per_row) +
                "; expected at least one word panel per row");
  }
}

}  // namespace

void check_attention_strip(const AttentionStrip& s, const std::string& where) {
  const data::Image& im = s.image;
  if (im.width < 1 || im.height < 1 || im.channels < 1 || im.channels > 4) {
    throw Error(where + ": the image is " + std::to_string(im.width) + "x" +
                std::to_string(im.height) + " with " + std::to_string(im.channels) +
                " channels; expected a picture of at least 1x1 with 1 to 4 channels");
  }
  const std::size_t expected_bytes = static_cast<std::size_t>(im.width) * im.height * im.channels;
  if (im.pixels.size() != expected_bytes) {
    throw Error(where + ": the image holds " + std::to_string(im.pixels.size()) + " bytes; a " +
                std::to_string(im.width) + "x" + std::to_string(im.height) + "x" +
                std::to_string(im.channels) + " image needs " + std::to_string(expected_bytes));
  }
  if (s.alpha.size() != s.words.size()) {
    throw Error(where + ": " + std::to_string(s.words.size()) + " words but " +
                std::to_string(s.alpha.size()) +
                " attention grids (alpha); expected one grid of weights per word");
  }
  if (s.words.empty()) return;  // an empty caption: only the picture is shown
  if (s.grid_h < 1 || s.grid_w < 1) {
    throw Error(where + ": the attention grid is " + std::to_string(s.grid_h) + "x" +
                std::to_string(s.grid_w) + "; set grid_h and grid_w to the feature map's size");
  }
  const std::size_t cells = static_cast<std::size_t>(s.grid_h) * s.grid_w;
  for (std::size_t t = 0; t < s.alpha.size(); ++t) {
    const std::string word = "alpha[" + std::to_string(t) + "] (word '" + s.words[t] + "')";
    if (s.alpha[t].size() != cells) {
      throw Error(where + ": " + word + " has " + std::to_string(s.alpha[t].size()) +
                  " weights; expected grid_h * grid_w = " + std::to_string(s.grid_h) + " * " +
                  std::to_string(s.grid_w) + " = " + std::to_string(cells) +
                  ", one per image region");
    }
    for (std::size_t i = 0; i < cells; ++i) {
      const float a = s.alpha[t][i];
      if (!std::isfinite(a) || a < 0.0f) {
        throw Error(where + ": " + word + " weight " + std::to_string(i) + " is " +
                    std::to_string(a) + "; attention weights must be finite and >= 0");
      }
    }
  }
}

void save_attention_strip(const fs::path& svg, const AttentionStrip& strip, int scale,
                          int per_row) {
  const std::string where = "save_attention_strip('" + svg.string() + "')";
  check_sizes(scale, per_row, where);
  check_attention_strip(strip, where);
  const Layout l = layout_of(strip, scale, per_row);
  SvgWriter w(l.width + 2 * kMargin, l.height + 2 * kMargin);
  draw_strip(w, strip, l, scale, per_row, kMargin, kMargin);
  data::write_file_atomic(svg, std::string_view(w.finish()));
}

void save_attention_gallery(const fs::path& svg, const std::vector<AttentionStrip>& strips,
                            int scale, int per_row) {
  const std::string where = "save_attention_gallery('" + svg.string() + "')";
  check_sizes(scale, per_row, where);
  if (strips.empty()) throw Error(where + ": no strips to show");
  std::vector<Layout> layouts;
  double width = 0, height = 0;
  for (std::size_t i = 0; i < strips.size(); ++i) {
    check_attention_strip(strips[i], where + ": strip " + std::to_string(i));
    layouts.push_back(layout_of(strips[i], scale, per_row));
    width = std::max(width, layouts.back().width);
    height += layouts.back().height + (i ? kStripGap : 0);
  }
  SvgWriter w(width + 2 * kMargin, height + 2 * kMargin);
  double y = kMargin;
  for (std::size_t i = 0; i < strips.size(); ++i) {
    if (i) {
      // A rule between strips, in the middle of the gap.
      w.line(kMargin, y + kStripGap / 2, kMargin + width, y + kStripGap / 2, "#e5e7eb", 1);
      y += kStripGap;
    }
    draw_strip(w, strips[i], layouts[i], scale, per_row, kMargin, y);
    y += layouts[i].height;
  }
  data::write_file_atomic(svg, std::string_view(w.finish()));
}

ExplorerItem save_explorer_images(const fs::path& dir, const std::string& stem,
                                  const AttentionStrip& strip, int scale) {
  const std::string where = "save_explorer_images('" + (dir / stem).string() + "')";
  check_sizes(scale, 1, where);
  check_attention_strip(strip, where);
  if (stem.empty() || stem.find_first_of("/\\") != std::string::npos) {
    throw Error(where + ": the stem '" + stem +
                "' must be a non-empty file name without a directory part");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(where + ": cannot create the folder: " + ec.message());

  ExplorerItem item;
  item.label = strip.title;
  const data::Image enlarged = data::upscale_nearest(strip.image, scale);
  item.image = dir / (stem + ".png");
  data::save_png(item.image, enlarged);
  for (std::size_t t = 0; t < strip.words.size(); ++t) {
    const fs::path overlay = dir / (stem + "_" + std::to_string(t) + ".png");
    data::save_png(overlay, data::overlay_heatmap(enlarged, strip.alpha[t], strip.grid_h,
                                                  strip.grid_w, kOverlayAlpha));
    item.words.emplace_back(strip.words[t], overlay);
  }
  return item;
}

}  // namespace attn::train
