// SVG figures: well-formed, escaped, one rectangle per cell, ticks that make
// sense, and files written atomically.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/colormap.h"
#include "helpers/temp_dir.h"
#include "helpers/text.h"
#include "train/report/axis_ticks.h"
#include "train/report/figures.h"
#include "train/report/xml_escape.h"

namespace fs = std::filesystem;
using attn::train::HeatMap;
using attn::train::HeatMapGrid;
using attn::train::LinePlot;

namespace {

using attn::testing::count_of;
using attn::testing::read_file;
using attn::testing::TempDir;

// A small XML checker: tags nest and close in order, attribute values are
// quoted, and every '&' starts one of the five predefined entities or a
// numeric reference. Returns "" when well-formed, else what is wrong.
std::string xml_problem(const std::string& doc) {
  std::vector<std::string> open;
  std::size_t i = 0;
  auto check_entities = [&](std::size_t from, std::size_t to) -> std::string {
    for (std::size_t k = from; k < to; ++k) {
      if (doc[k] == '<') return "raw '<' in text at " + std::to_string(k);
      if (doc[k] != '&') continue;
      const std::size_t semi = doc.find(';', k);
      if (semi == std::string::npos || semi > to)
        return "unterminated entity at " + std::to_string(k);
      const std::string name = doc.substr(k + 1, semi - k - 1);
      if (name != "amp" && name != "lt" && name != "gt" && name != "quot" && name != "apos" &&
          name.rfind('#', 0) != 0)
        return "unknown entity &" + name + ";";
    }
    return "";
  };
  while (i < doc.size()) {
    const std::size_t lt = doc.find('<', i);
    if (auto p = check_entities(i, lt == std::string::npos ? doc.size() : lt); !p.empty()) return p;
    if (lt == std::string::npos) break;
    if (doc.compare(lt, 2, "<?") == 0) {
      i = doc.find("?>", lt) + 2;
      continue;
    }
    // Find the tag's end, skipping '>' inside quoted attribute values.
    std::size_t k = lt + 1;
    char quote = 0;
    for (; k < doc.size(); ++k) {
      if (quote) {
        if (doc[k] == quote)
          quote = 0;
        else if (doc[k] == '<')
          return "raw '<' in an attribute at " + std::to_string(k);
      } else if (doc[k] == '"' || doc[k] == '\'') {
        quote = doc[k];
      } else if (doc[k] == '>') {
        break;
      }
    }
    if (k >= doc.size()) return "unterminated tag at " + std::to_string(lt);
    std::string tag = doc.substr(lt + 1, k - lt - 1);
    if (auto p = check_entities(lt + 1, k); !p.empty() && p.rfind("raw", 0) != 0) return p;
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + ">";
      }
      open.pop_back();
    } else if (!tag.empty() && tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
    i = k + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

bool any_tmp_left(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".tmp") return true;
  }
  return false;
}

}  // namespace

TEST(XmlCheck, CatchesBrokenDocuments) {
  // The checker used below must be able to fail.
  EXPECT_EQ(xml_problem("<svg><g></g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text><eos></text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
}

TEST(XmlEscape, EntitiesControlBytesAndUtf8) {
  using attn::train::xml_escape;
  EXPECT_EQ(xml_escape("<eos> & \"x\" 'y'"), "&lt;eos&gt; &amp; &quot;x&quot; &#39;y&#39;");
  EXPECT_EQ(xml_escape("caf\xC3\xA9 \xE6\x97\xA5"), "caf\xC3\xA9 \xE6\x97\xA5");  // kept
  EXPECT_EQ(xml_escape("a\x01"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");                                                 // control char
  EXPECT_EQ(xml_escape("x\xC3"), "x\xEF\xBF\xBD");                // truncated sequence
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(attn::train::utf8_length("caf\xC3\xA9"), 4u);
}

TEST(Colormap, EndpointsAndRisingLightness) {
  using attn::data::ColorMap;
  using attn::data::colormap;
  EXPECT_EQ(attn::data::to_hex(colormap(ColorMap::kViridis, 0.0)), "#440154");
  EXPECT_EQ(attn::data::to_hex(colormap(ColorMap::kViridis, 1.0)), "#fde725");
  EXPECT_EQ(colormap(ColorMap::kViridis, -3.0), colormap(ColorMap::kViridis, 0.0));  // clamped
  EXPECT_EQ(colormap(ColorMap::kViridis, 7.0), colormap(ColorMap::kViridis, 1.0));
  // A perceptual ramp: brighter means larger, everywhere along the ramp.
  for (ColorMap map : {ColorMap::kViridis, ColorMap::kMagma}) {
    double previous = -1;
    for (int k = 0; k <= 40; ++k) {
      const double l = attn::data::luminance(colormap(map, k / 40.0));
      EXPECT_GT(l, previous) << "t = " << k / 40.0;
      previous = l;
    }
  }
}

TEST(AxisTicks, NiceLinearAndLogTicks) {
  using attn::train::linear_ticks;
  using attn::train::log_ticks;
  const auto fixed = linear_ticks(0, 1, 5, /*expand=*/false);
  EXPECT_EQ(fixed.labels, (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  const auto grown = linear_ticks(0.13, 0.87, 5, true);
  // About 5 ticks over 0.74: a step of 0.1, the range widened to its multiples.
  EXPECT_NEAR(grown.lo, 0.1, 1e-12);
  EXPECT_NEAR(grown.hi, 0.9, 1e-12);
  EXPECT_EQ(grown.labels.size(), 9u);
  const auto steps = linear_ticks(1, 3000, 6, true);
  EXPECT_EQ(steps.labels.front(), "0");
  EXPECT_EQ(steps.labels.back(), "3000");
  EXPECT_EQ(attn::train::format_tick(20000, 5000), "20k");
  EXPECT_EQ(attn::train::format_tick(0.25, 0.05), "0.25");
  const auto logs = log_ticks(0.05, 3);
  EXPECT_DOUBLE_EQ(logs.lo, 0.05);
  EXPECT_DOUBLE_EQ(logs.hi, 5);
  EXPECT_NE(std::find(logs.labels.begin(), logs.labels.end(), "0.1"), logs.labels.end());
  EXPECT_NE(std::find(logs.labels.begin(), logs.labels.end(), "1"), logs.labels.end());
  const auto wide = log_ticks(1e-6, 10);
  for (double v : wide.values) {
    EXPECT_NEAR(std::log10(v), std::round(std::log10(v)), 1e-9);  // decades only
  }
  EXPECT_THROW(log_ticks(0, 1), attn::Error);
}

TEST(HeatMap, OneRectPerCellLabelsEscapedWellFormed) {
  const std::vector<std::string> src = {"<sos>", "the", "cat", "&", "<eos>"};
  const std::vector<std::string> out = {"le", "chat", "\"quoted\""};
  std::vector<float> w(out.size() * src.size());
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) / (w.size() - 1);
  const std::string svg = HeatMap(w, 3, 5)
                              .title("Attention <weights>")
                              .row_labels(out)
                              .col_labels(src)
                              .x_label("source")
                              .y_label("output")
                              .to_svg();
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"cell\""), 15u);
  EXPECT_EQ(count_of(svg, "class=\"row-label\""), 3u);
  EXPECT_EQ(count_of(svg, "class=\"col-label\""), 5u);
  EXPECT_NE(svg.find(">&lt;sos&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">&amp;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">&quot;quoted&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find("Attention &lt;weights&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<eos>"), std::string::npos);
  // Default range [0, max]: the first cell (0) is the ramp's bottom, the last (1) its top.
  using attn::data::ColorMap;
  const std::string bottom = attn::data::to_hex(attn::data::colormap(ColorMap::kViridis, 0));
  const std::string top = attn::data::to_hex(attn::data::colormap(ColorMap::kViridis, 1));
  const auto first_cell = svg.find("class=\"cell\"");
  EXPECT_NE(svg.find("fill=\"" + bottom + "\"", first_cell), std::string::npos);
  const auto last_cell = svg.rfind("class=\"cell\"");
  EXPECT_EQ(svg.find("fill=\"", last_cell) + 6, svg.find(top, last_cell));
}

TEST(HeatMap, ValuesPrintedAndRangeFixed) {
  const std::vector<double> w = {0.8, 0.2, 0.1, 0.9};
  const std::string svg = HeatMap(w, 2, 2).show_values().value_range(0, 1).to_svg();
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"value\""), 4u);
  EXPECT_NE(svg.find(">0.80</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.90</text>"), std::string::npos);
  // With the range fixed to [0, 1], 0.9 is not the top colour.
  const std::string top =
      attn::data::to_hex(attn::data::colormap(attn::data::ColorMap::kViridis, 1));
  EXPECT_EQ(count_of(svg, "fill=\"" + top + "\""), 0u);
}

TEST(HeatMap, BadShapesAndLabelCountsThrow) {
  EXPECT_THROW(HeatMap(std::vector<double>(5), 2, 3), attn::Error);
  EXPECT_THROW(HeatMap(std::vector<double>{}, 0, 0), attn::Error);
  HeatMap h(std::vector<double>(6, 0.5), 2, 3);
  try {
    h.col_labels({"a", "b"});
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 labels for 3 columns"), std::string::npos) << e.what();
  }
  EXPECT_THROW(h.row_labels({"a"}), attn::Error);
  EXPECT_THROW(h.value_range(1, 1), attn::Error);
}

TEST(HeatMap, NanCellsAreGreyNotFatal) {
  const std::vector<double> w = {std::numeric_limits<double>::quiet_NaN(), 1.0};
  const std::string svg = HeatMap(w, 1, 2).to_svg();
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("fill=\"#808080\""), std::string::npos);
}

TEST(HeatMapGrid, PanelsWithUniqueGradientIds) {
  HeatMapGrid grid(2);
  grid.title("Heads");
  for (int h = 0; h < 3; ++h) grid.add(HeatMap(std::vector<double>(12, h * 0.1), 3, 4));
  const std::string svg = grid.to_svg();
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"cell\""), 36u);
  EXPECT_EQ(count_of(svg, "<linearGradient id=\"p0-ramp\""), 1u);
  EXPECT_EQ(count_of(svg, "<linearGradient id=\"p2-ramp\""), 1u);
  EXPECT_THROW(HeatMapGrid(2).to_svg(), attn::Error);
  EXPECT_THROW(HeatMapGrid(0), attn::Error);
}

TEST(LinePlot, SeriesLegendAndTicks) {
  const std::vector<float> a = {2.0f, 1.0f, 0.5f, 0.2f};
  const std::vector<int> len = {10, 20, 30};
  const std::vector<double> acc = {0.9, 0.6, 0.3};
  const std::string loss = LinePlot()
                               .title("Loss")
                               .x_label("step")
                               .y_label("loss")
                               .log_y()
                               .add_series("bottleneck", a)
                               .add_series("attention & co", a)
                               .to_svg();
  EXPECT_EQ(xml_problem(loss), "");
  EXPECT_EQ(count_of(loss, "class=\"series\""), 2u);
  EXPECT_EQ(count_of(loss, "class=\"legend\""), 2u);
  EXPECT_NE(loss.find(">attention &amp; co</text>"), std::string::npos);
  EXPECT_NE(loss.find(">1</text>"), std::string::npos);    // a log tick
  EXPECT_NE(loss.find(">0.2</text>"), std::string::npos);  // 1-2-5 ticks over few decades

  const std::string accuracy = LinePlot().y_range(0, 1).add_series("seq2seq", len, acc).to_svg();
  EXPECT_EQ(xml_problem(accuracy), "");
  EXPECT_EQ(count_of(accuracy, "class=\"legend\""), 0u);  // one series needs no legend
  EXPECT_NE(accuracy.find(">0.0</text>"), std::string::npos);
  EXPECT_NE(accuracy.find(">1.0</text>"), std::string::npos);
  EXPECT_EQ(count_of(accuracy, "<circle"), 3u);  // short series get markers
}

TEST(LinePlot, NanBreaksTheLineAndLogSkipsNonPositive) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string svg =
      LinePlot().markers(false).add_series("s", std::vector<double>{1, 2, nan, 4, 5}).to_svg();
  EXPECT_EQ(xml_problem(svg), "");
  const auto d = svg.find(" d=\"");
  ASSERT_NE(d, std::string::npos);
  const std::string path = svg.substr(d, svg.find('"', d + 4) - d);
  EXPECT_EQ(count_of(path, "M"), 2u) << path;
  EXPECT_EQ(count_of(path, "L"), 2u) << path;

  const std::string logged = LinePlot()
                                 .log_y()
                                 .markers(false)
                                 .add_series("s", std::vector<double>{1, 0, -1, 0.5})
                                 .to_svg();
  EXPECT_EQ(xml_problem(logged), "");
}

TEST(LinePlot, BadInputThrows) {
  try {
    LinePlot().add_series("val", std::vector<double>{1, 2}, std::vector<double>{1});
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'val'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 x values and 1 y values"), std::string::npos) << msg;
  }
  EXPECT_THROW(LinePlot().add_series("empty", std::vector<double>{}), attn::Error);
  EXPECT_THROW(LinePlot().to_svg(), attn::Error);
  EXPECT_THROW(LinePlot().y_range(1, 0), attn::Error);
  EXPECT_THROW(LinePlot().log_y().y_range(0, 1).add_series("s", std::vector<double>{1}).to_svg(),
               attn::Error);
}

TEST(Figures, SaveIsAtomicAndNamesThePathOnFailure) {
  TempDir tmp;
  const fs::path file = tmp.path / "attention.svg";
  HeatMap h(std::vector<double>{0.1, 0.9}, 1, 2);
  h.save(file);
  EXPECT_EQ(read_file(file), h.to_svg());
  EXPECT_FALSE(any_tmp_left(tmp.path));
  // Overwriting replaces the whole file.
  HeatMap(std::vector<double>{0.5}, 1, 1).save(file);
  EXPECT_EQ(xml_problem(read_file(file)), "");
  EXPECT_EQ(count_of(read_file(file), "class=\"cell\""), 1u);

  const fs::path bad = tmp.path / "no_such_dir" / "loss.svg";
  try {
    LinePlot().add_series("s", std::vector<double>{1, 2}).save(bad);
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(bad));
  EXPECT_FALSE(any_tmp_left(tmp.path));
}
