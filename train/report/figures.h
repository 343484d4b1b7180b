#pragma once
// SVG figures written from scratch: line plots (loss curves, accuracy vs
// sequence length) and heat maps (attention matrices with the tokens on the
// axes). Plain numbers in, a standalone .svg file out: no Tensor, no
// plotting library. Open the file in any browser.
//
//   attn::train::LinePlot()
//       .title("Training loss").x_label("step").y_label("cross-entropy").log_y()
//       .add_series("seq2seq", losses)                 // x = 1, 2, ..., n
//       .add_series("seq2seq + attention", losses_attn)
//       .save(out / "loss.svg");
//
//   attn::train::HeatMap(weights, T_out, T_in)         // row-major, rows = outputs
//       .title("Attention").row_labels(out_tokens).col_labels(src_tokens)
//       .x_label("source").y_label("output").save(out / "attention.svg");
//
// Every save() writes atomically and throws attn::Error naming the path.
#include <filesystem>
#include <optional>
#include <ranges>
#include <string>
#include <vector>

#include "data/colormap.h"

namespace attn::train {

class SvgWriter;

// ---------------------------------------------------------------------------
// LinePlot: several named series of (x, y) points on shared axes.
class LinePlot {
 public:
  LinePlot& title(std::string text);
  LinePlot& x_label(std::string text);
  LinePlot& y_label(std::string text);
  // Log10 y axis (for losses); points with y <= 0 are left out.
  LinePlot& log_y(bool on = true);
  // Fixed ranges instead of the data's (e.g. y_range(0, 1) for accuracy).
  // Points outside are clipped at the plot's edge.
  LinePlot& y_range(double lo, double hi);
  LinePlot& x_range(double lo, double hi);
  // A dot on every point (on by default for series of <= 50 points).
  LinePlot& markers(bool on = true);
  LinePlot& size(int width_px, int height_px);

  // Adds a series. x and y are any ranges of numbers of equal length (vector
  // <float>, vector<int>, ...). Non-finite y values break the line instead of
  // breaking the figure. Throws attn::Error on a length mismatch or
  // an empty series.
  template <std::ranges::input_range X, std::ranges::input_range Y>
  LinePlot& add_series(std::string name, const X& x, const Y& y) {
    return add_series_values(std::move(name), to_doubles(x), to_doubles(y));
  }
  // y against x = 1, 2, ..., n (e.g. one loss per step).
  template <std::ranges::input_range Y>
  LinePlot& add_series(std::string name, const Y& y) {
    std::vector<double> ys = to_doubles(y);
    std::vector<double> xs(ys.size());
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i + 1);
    return add_series_values(std::move(name), std::move(xs), std::move(ys));
  }
  LinePlot& add_series(std::string name, std::vector<double> x, std::vector<double> y) {
    return add_series_values(std::move(name), std::move(x), std::move(y));
  }

  std::string to_svg() const;
  void save(const std::filesystem::path& path) const;

 private:
  struct Series {
    std::string name;
    std::vector<double> x, y;
  };
  template <std::ranges::input_range R>
  static std::vector<double> to_doubles(const R& r) {
    std::vector<double> out;
    for (const auto& v : r) out.push_back(static_cast<double>(v));
    return out;
  }
  LinePlot& add_series_values(std::string name, std::vector<double> x, std::vector<double> y);

  std::string title_, x_label_, y_label_;
  bool log_y_ = false;
  std::optional<bool> markers_;
  std::optional<std::pair<double, double>> x_range_, y_range_;
  int width_ = 720, height_ = 420;
  std::vector<Series> series_;
};

// ---------------------------------------------------------------------------
// HeatMap: a rows x cols matrix of colours, e.g. attention weights with
// rows = output tokens and columns = source tokens.
class HeatMap {
 public:
  // values: rows * cols numbers, row-major. NaN cells are drawn grey.
  // Throws attn::Error if the count does not match.
  template <std::ranges::input_range V>
  HeatMap(const V& values, int rows, int cols) : rows_(rows), cols_(cols) {
    for (const auto& v : values) values_.push_back(static_cast<double>(v));
    check_shape();
  }
  HeatMap(std::vector<double> values, int rows, int cols)
      : rows_(rows), cols_(cols), values_(std::move(values)) {
    check_shape();
  }

  HeatMap& title(std::string text);
  // One label per row / column (throws if the count differs). Tokens are
  // escaped, so "<eos>" and "&" show as themselves.
  HeatMap& row_labels(std::vector<std::string> labels);
  HeatMap& col_labels(std::vector<std::string> labels);
  HeatMap& x_label(std::string text);  // under the columns, e.g. "source tokens"
  HeatMap& y_label(std::string text);  // beside the rows, e.g. "output tokens"
  // The values at the two ends of the colour ramp; by default
  // [min(0, smallest), largest] of the finite values.
  HeatMap& value_range(double lo, double hi);
  // Prints each value in its cell (2 decimals).
  HeatMap& show_values(bool on = true);
  HeatMap& colormap(data::ColorMap map);
  // Cell side in pixels; by default chosen from the matrix size (12..40).
  HeatMap& cell_size(double px);
  HeatMap& colorbar(bool on = true);

  std::string to_svg() const;
  void save(const std::filesystem::path& path) const;

  // Used by HeatMapGrid: the panel's size, and drawing it at (x, y) with ids
  // prefixed by id_prefix (ids must be unique within one SVG document).
  struct Size {
    double width, height;
  };
  Size measure() const;
  void draw(SvgWriter& svg, double x, double y, const std::string& id_prefix) const;

 private:
  struct Layout;
  Layout layout() const;
  void check_shape() const;

  int rows_, cols_;
  std::vector<double> values_;
  std::string title_, x_label_, y_label_;
  std::vector<std::string> row_labels_, col_labels_;
  std::optional<std::pair<double, double>> range_;
  bool show_values_ = false;
  bool colorbar_ = true;
  data::ColorMap map_ = data::ColorMap::kViridis;
  double cell_ = 0;  // 0: automatic
};

// ---------------------------------------------------------------------------
// HeatMapGrid: several heat maps in one SVG, e.g. one per attention head.
class HeatMapGrid {
 public:
  explicit HeatMapGrid(int columns = 4);
  HeatMapGrid& title(std::string text);
  HeatMapGrid& add(HeatMap panel);

  std::string to_svg() const;
  void save(const std::filesystem::path& path) const;

 private:
  int columns_;
  std::string title_;
  std::vector<HeatMap> panels_;
};

}  // namespace attn::train
