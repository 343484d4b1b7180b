#include "train/report/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "train/report/axis_ticks.h"
#include "train/report/svg_writer.h"
#include "train/report/xml_escape.h"

namespace attn::train {

namespace {

// Tableau's ten categorical colours: distinct, and calm next to each other.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr const char* kInk = "#1f2937";    // text
constexpr const char* kMuted = "#4b5563";  // tick labels
constexpr const char* kGrid = "#e5e7eb";   // grid lines
constexpr const char* kAxis = "#9ca3af";   // axis lines

const std::string N(double v) {
  return SvgWriter::num(v);
}

void save_svg(const std::filesystem::path& path, const std::string& svg) {
  data::write_file_atomic(path, std::string_view(svg));
}

std::string format_value(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  if (std::abs(v) < 100) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

// Keeps a long series drawable: above `limit` points, each x-bucket keeps its
// first, lowest and highest point, so spikes survive and the shape is exact
// at the plot's resolution.
std::vector<std::pair<double, double>> decimate(const std::vector<std::pair<double, double>>& pts,
                                                std::size_t limit) {
  if (pts.size() <= limit) return pts;
  const std::size_t buckets = limit / 3;
  std::vector<std::pair<double, double>> out;
  const double per = static_cast<double>(pts.size()) / static_cast<double>(buckets);
  for (std::size_t b = 0; b < buckets; ++b) {
    const auto begin = static_cast<std::size_t>(b * per);
    const auto end = std::min(pts.size(), static_cast<std::size_t>((b + 1) * per));
    if (begin >= end) continue;
    std::size_t lo = begin, hi = begin;
    for (std::size_t i = begin; i < end; ++i) {
      if (pts[i].second < pts[lo].second) lo = i;
      if (pts[i].second > pts[hi].second) hi = i;
    }
    std::size_t idx[3] = {begin, std::min(lo, hi), std::max(lo, hi)};
    for (int k = 0; k < 3; ++k) {
      if (k == 0 || idx[k] != idx[k - 1]) out.push_back(pts[idx[k]]);
    }
  }
  return out;
}

}  // namespace

// ===========================================================================
// LinePlot

LinePlot& LinePlot::title(std::string text) {
  title_ = std::move(text);
  return *this;
}
LinePlot& LinePlot::x_label(std::string text) {
  x_label_ = std::move(text);
  return *this;
}
LinePlot& LinePlot::y_label(std::string text) {
  y_label_ = std::move(text);
  return *this;
}
LinePlot& LinePlot::log_y(bool on) {
  log_y_ = on;
  return *this;
}
LinePlot& LinePlot::markers(bool on) {
  markers_ = on;
  return *this;
}

LinePlot& LinePlot::y_range(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    throw Error("LinePlot::y_range: [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]; expected finite lo < hi");
  }
  y_range_ = {lo, hi};
  return *this;
}

LinePlot& LinePlot::x_range(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    throw Error("LinePlot::x_range: [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]; expected finite lo < hi");
  }
  x_range_ = {lo, hi};
  return *this;
}

LinePlot& LinePlot::size(int width_px, int height_px) {
  if (width_px < 200 || height_px < 150) {
    throw Error("LinePlot::size: " + std::to_string(width_px) + "x" + std::to_string(height_px) +
                " px; expected at least 200x150");
  }
  width_ = width_px;
  height_ = height_px;
  return *this;
}

LinePlot& LinePlot::add_series_values(std::string name, std::vector<double> x,
                                      std::vector<double> y) {
  if (x.size() != y.size()) {
    throw Error("LinePlot::add_series '" + name + "': " + std::to_string(x.size()) +
                " x values and " + std::to_string(y.size()) + " y values; expected equal counts");
  }
  if (x.empty()) {
    throw Error("LinePlot::add_series '" + name + "': the series has no points");
  }
  series_.push_back({std::move(name), std::move(x), std::move(y)});
  return *this;
}

std::string LinePlot::to_svg() const {
  if (series_.empty()) {
    throw Error("LinePlot::to_svg: '" + title_ + "' has no series; call add_series first");
  }
  // The points that can be drawn: finite, and y > 0 on a log axis.
  auto drawable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!log_y_ || y > 0);
  };
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  std::size_t max_points = 0;
  for (const auto& s : series_) {
    max_points = std::max(max_points, s.x.size());
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i])) continue;
      xmin = std::min(xmin, s.x[i]);
      xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]);
      ymax = std::max(ymax, s.y[i]);
    }
  }
  if (!std::isfinite(xmin)) {  // nothing drawable: still an honest, empty figure
    xmin = 0, xmax = 1, ymin = log_y_ ? 0.1 : 0, ymax = 1;
  }
  const AxisTicks xt = x_range_ ? linear_ticks(x_range_->first, x_range_->second, 6, false)
                                : linear_ticks(xmin, xmax, 6, true);
  AxisTicks yt;
  if (y_range_) {
    if (log_y_ && y_range_->first <= 0) {
      throw Error("LinePlot: y_range starts at " + std::to_string(y_range_->first) +
                  " on a log axis; expected a positive lower bound");
    }
    yt = log_y_ ? log_ticks(y_range_->first, y_range_->second)
                : linear_ticks(y_range_->first, y_range_->second, 5, false);
    if (log_y_) yt.lo = y_range_->first, yt.hi = y_range_->second;
  } else {
    yt = log_y_ ? log_ticks(ymin, ymax) : linear_ticks(ymin, ymax, 5, true);
  }

  // --- layout (pixels) -----------------------------------------------------
  const double W = width_, H = height_;
  const bool legend = series_.size() >= 2;
  // Legend entries flow left to right under the title and wrap.
  struct Entry {
    double x, y;
  };
  std::vector<Entry> entries;
  double legend_h = 0;
  if (legend) {
    double lx = 0, ly = 0;
    const double avail = W - 24 - 80;
    for (const auto& s : series_) {
      const double w = 28 + SvgWriter::text_width(s.name, 12) + 18;
      if (lx > 0 && lx + w > avail) lx = 0, ly += 20;
      entries.push_back({lx, ly});
      lx += w;
    }
    legend_h = ly + 20 + 6;
  }
  double tick_w = 0;
  for (const auto& l : yt.labels) tick_w = std::max(tick_w, SvgWriter::text_width(l, 12));
  const double top = 14 + (title_.empty() ? 0 : 26) + legend_h + 8;
  const double left = 14 + (y_label_.empty() ? 0 : 22) + tick_w + 10;
  const double right = 24;
  const double bottom = 10 + 20 + (x_label_.empty() ? 0 : 24);
  const double px0 = left, px1 = W - right, py0 = top, py1 = H - bottom;

  const auto fy = [&](double v) { return log_y_ ? std::log10(v) : v; };
  const double ylo = fy(yt.lo), yhi = fy(yt.hi);
  auto X = [&](double x) { return px0 + (x - xt.lo) / (xt.hi - xt.lo) * (px1 - px0); };
  auto Y = [&](double y) { return py1 - (fy(y) - ylo) / (yhi - ylo) * (py1 - py0); };

  SvgWriter svg(W, H);
  if (!title_.empty()) svg.text(W / 2, 14 + 17, title_, 16, "middle", R"(font-weight="600")");
  for (std::size_t i = 0; i < series_.size() && legend; ++i) {
    const double x = px0 + entries[i].x, y = 14 + (title_.empty() ? 0 : 26) + entries[i].y + 10;
    const char* colour = kPalette[i % std::size(kPalette)];
    svg.line(x, y, x + 22, y, colour, 3, R"(stroke-linecap="round")");
    svg.text(x + 28, y + 4, series_[i].name, 12, "start", R"(class="legend")");
  }

  // Grid, axes and tick labels.
  svg.rect(px0, py0, px1 - px0, py1 - py0, "#ffffff", R"(stroke="#d1d5db")");
  for (std::size_t i = 0; i < yt.values.size(); ++i) {
    const double y = Y(yt.values[i]);
    svg.line(px0, y, px1, y, kGrid, 1);
    svg.text(px0 - 8, y + 4, yt.labels[i], 12, "end", std::string("fill=\"") + kMuted + "\"");
  }
  for (std::size_t i = 0; i < xt.values.size(); ++i) {
    const double x = X(xt.values[i]);
    svg.line(x, py0, x, py1, kGrid, 1);
    svg.text(x, py1 + 18, xt.labels[i], 12, "middle", std::string("fill=\"") + kMuted + "\"");
  }
  svg.line(px0, py1, px1, py1, kAxis, 1);
  svg.line(px0, py0, px0, py1, kAxis, 1);
  if (!x_label_.empty()) svg.text((px0 + px1) / 2, H - 12, x_label_, 13, "middle");
  if (!y_label_.empty()) {
    svg.text(14 + 12, (py0 + py1) / 2, y_label_, 13, "middle", {}, -90);
  }

  // Series, clipped to the plot area (fixed ranges may cut them).
  // 6 px of slack so that markers on the edge (accuracy 1.0) stay whole.
  svg.raw("<defs><clipPath id=\"plot-area\"><rect x=\"" + N(px0 - 6) + "\" y=\"" + N(py0 - 6) +
          "\" width=\"" + N(px1 - px0 + 12) + "\" height=\"" + N(py1 - py0 + 12) +
          "\"/></clipPath></defs>\n<g clip-path=\"url(#plot-area)\">\n");
  for (std::size_t si = 0; si < series_.size(); ++si) {
    const auto& s = series_[si];
    const char* colour = kPalette[si % std::size(kPalette)];
    // Split into runs of drawable points: a NaN loss breaks the line there.
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (drawable(s.x[i], s.y[i])) {
        runs.back().emplace_back(s.x[i], s.y[i]);
      } else if (!runs.back().empty()) {
        runs.emplace_back();
      }
    }
    std::string d;
    const bool show_markers = markers_.value_or(s.x.size() <= 50);
    std::string dots;
    for (const auto& run : runs) {
      const auto pts = decimate(run, 3 * static_cast<std::size_t>(px1 - px0));
      for (std::size_t i = 0; i < pts.size(); ++i) {
        d += (i == 0 ? "M" : "L") + N(X(pts[i].first)) + "," + N(Y(pts[i].second));
      }
      // A lone point has no line: always give it a dot.
      if (show_markers || run.size() == 1) {
        for (const auto& p : pts) {
          dots += "<circle cx=\"" + N(X(p.first)) + "\" cy=\"" + N(Y(p.second)) +
                  "\" r=\"3.5\" fill=\"" + colour + "\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n";
        }
      }
    }
    std::string series_markup = "<g class=\"series\"><title>" + xml_escape(s.name) + "</title>\n";
    if (!d.empty()) {
      series_markup += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + colour +
                       "\" stroke-width=\"2\" stroke-linejoin=\"round\" "
                       "stroke-linecap=\"round\"/>\n";
    }
    series_markup += dots + "</g>\n";
    svg.raw(series_markup);
  }
  svg.raw("</g>\n");
  return svg.finish();
}

void LinePlot::save(const std::filesystem::path& path) const {
  save_svg(path, to_svg());
}

// ===========================================================================
// HeatMap

struct HeatMap::Layout {
  double cell;            // side of a cell
  double label_font;      // row / column label size
  double grid_x, grid_y;  // top-left corner of the cells
  double col_angle;       // column labels turned by this many degrees (0, 45 or 90)
  double col_label_h;     // height taken by column labels under the grid
  double bar_x;           // colour bar's left edge
  double width, height;   // the whole panel
  double lo, hi;          // the value range of the ramp
};

void HeatMap::check_shape() const {
  if (rows_ < 1 || cols_ < 1 ||
      values_.size() != static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_)) {
    throw Error("HeatMap: " + std::to_string(values_.size()) + " values for " +
                std::to_string(rows_) + " x " + std::to_string(cols_) +
                " cells; expected rows * cols values, rows and cols >= 1");
  }
}

HeatMap& HeatMap::title(std::string text) {
  title_ = std::move(text);
  return *this;
}

HeatMap& HeatMap::row_labels(std::vector<std::string> labels) {
  if (labels.size() != static_cast<std::size_t>(rows_)) {
    throw Error("HeatMap::row_labels: " + std::to_string(labels.size()) + " labels for " +
                std::to_string(rows_) + " rows");
  }
  row_labels_ = std::move(labels);
  return *this;
}

HeatMap& HeatMap::col_labels(std::vector<std::string> labels) {
  if (labels.size() != static_cast<std::size_t>(cols_)) {
    throw Error("HeatMap::col_labels: " + std::to_string(labels.size()) + " labels for " +
                std::to_string(cols_) + " columns");
  }
  col_labels_ = std::move(labels);
  return *this;
}

HeatMap& HeatMap::x_label(std::string text) {
  x_label_ = std::move(text);
  return *this;
}
HeatMap& HeatMap::y_label(std::string text) {
  y_label_ = std::move(text);
  return *this;
}

HeatMap& HeatMap::value_range(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    throw Error("HeatMap::value_range: [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]; expected finite lo < hi");
  }
  range_ = {lo, hi};
  return *this;
}

HeatMap& HeatMap::show_values(bool on) {
  show_values_ = on;
  return *this;
}
HeatMap& HeatMap::colormap(data::ColorMap map) {
  map_ = map;
  return *this;
}
HeatMap& HeatMap::colorbar(bool on) {
  colorbar_ = on;
  return *this;
}

HeatMap& HeatMap::cell_size(double px) {
  if (!(px >= 4 && px <= 200)) {
    throw Error("HeatMap::cell_size: " + std::to_string(px) + " px; expected 4 to 200");
  }
  cell_ = px;
  return *this;
}

HeatMap::Layout HeatMap::layout() const {
  Layout L{};
  L.cell = cell_ > 0 ? cell_ : std::clamp(480.0 / std::max(rows_, cols_), 12.0, 40.0);
  if (show_values_ && cell_ == 0) L.cell = std::max(L.cell, 30.0);
  L.label_font = std::min(12.0, L.cell * 0.8);

  if (range_) {
    L.lo = range_->first, L.hi = range_->second;
  } else {
    double lo = 0, hi = -std::numeric_limits<double>::infinity();
    for (double v : values_) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (!std::isfinite(hi) || hi <= lo) hi = lo + 1;  // all equal / none finite
    L.lo = lo, L.hi = hi;
  }

  const double pad = 10;
  double row_w = 0, col_w = 0;
  for (const auto& l : row_labels_) row_w = std::max(row_w, SvgWriter::text_width(l, L.label_font));
  for (const auto& l : col_labels_) col_w = std::max(col_w, SvgWriter::text_width(l, L.label_font));
  // Short tokens (characters, digits) stand upright under their cell; longer
  // ones turn 45 degrees, or 90 when the cells are too narrow for slanted
  // lines of text not to overlap (neighbours are cell * sin(angle) apart).
  L.col_angle = col_w <= L.cell - 6 ? 0 : L.cell * std::sqrt(0.5) >= L.label_font * 1.1 ? 45 : 90;
  const double rad = L.col_angle * std::acos(-1.0) / 180;
  double left_need = row_labels_.empty() ? 0 : row_w + 8;
  if (L.col_angle == 45) {
    // A slanted label reaches left of its cell's centre by its width * cos 45.
    for (int j = 0; j < static_cast<int>(col_labels_.size()); ++j) {
      const double reach =
          SvgWriter::text_width(col_labels_[j], L.label_font) * std::cos(rad) - (j + 0.5) * L.cell;
      left_need = std::max(left_need, reach + 4);
    }
  }
  L.grid_x = pad + (y_label_.empty() ? 0 : 22) + left_need;
  L.grid_y = pad + (title_.empty() ? 0 : 28);
  if (col_labels_.empty()) {
    L.col_label_h = 4;
  } else {
    L.col_label_h = L.col_angle == 0 ? 8 + L.label_font + 2
                                     : 8 + col_w * std::sin(rad) + L.label_font * std::cos(rad) + 6;
  }
  const double grid_w = cols_ * L.cell, grid_h = rows_ * L.cell;
  L.bar_x = L.grid_x + grid_w + 16;
  double bar_label_w = 0;
  if (colorbar_) {
    for (const auto& l : linear_ticks(L.lo, L.hi, 4, false).labels)
      bar_label_w = std::max(bar_label_w, SvgWriter::text_width(l, 11));
  }
  const double right_edge = colorbar_ ? L.bar_x + 14 + 6 + bar_label_w : L.grid_x + grid_w;
  double title_w = SvgWriter::text_width(title_, 14) + 2 * pad;
  L.width = std::max(right_edge + pad, title_w);
  const double below = L.col_label_h + (x_label_.empty() ? 0 : 22);
  const double bar_h = colorbar_ ? std::max(grid_h, 80.0) : 0;
  L.height = L.grid_y + std::max(grid_h + below, bar_h) + pad;
  return L;
}

HeatMap::Size HeatMap::measure() const {
  const Layout L = layout();
  return {L.width, L.height};
}

void HeatMap::draw(SvgWriter& svg, double ox, double oy, const std::string& id_prefix) const {
  const Layout L = layout();
  const double span = L.hi - L.lo;
  svg.raw("<g transform=\"translate(" + N(ox) + "," + N(oy) + ")\">\n");
  if (!title_.empty()) {
    const double cx =
        std::max(L.grid_x + cols_ * L.cell / 2, SvgWriter::text_width(title_, 14) / 2 + 10);
    svg.text(std::min(cx, L.width - SvgWriter::text_width(title_, 14) / 2 - 10), 10 + 16, title_,
             14, "middle", R"(font-weight="600")");
  }

  // Cells, each with a tooltip ("output -> source: weight") for a browser.
  std::string cells = "<g class=\"cells\" shape-rendering=\"crispEdges\">\n";
  for (int i = 0; i < rows_; ++i) {
    for (int j = 0; j < cols_; ++j) {
      const double v = values_[static_cast<std::size_t>(i) * cols_ + j];
      const data::Rgb c = data::colormap(map_, (v - L.lo) / span);
      std::string tip = (row_labels_.empty() ? "row " + std::to_string(i) : row_labels_[i]) +
                        " \xE2\x86\x92 " +
                        (col_labels_.empty() ? "column " + std::to_string(j) : col_labels_[j]) +
                        ": " + format_value(v);
      cells += "<rect class=\"cell\" x=\"" + N(L.grid_x + j * L.cell) + "\" y=\"" +
               N(L.grid_y + i * L.cell) + "\" width=\"" + N(L.cell) + "\" height=\"" + N(L.cell) +
               "\" fill=\"" + data::to_hex(c) + "\"><title>" + xml_escape(tip) +
               "</title></rect>\n";
    }
  }
  cells += "</g>\n";
  svg.raw(cells);

  if (show_values_) {
    const double font = std::clamp(L.cell * 0.34, 6.0, 11.0);
    for (int i = 0; i < rows_; ++i) {
      for (int j = 0; j < cols_; ++j) {
        const double v = values_[static_cast<std::size_t>(i) * cols_ + j];
        const data::Rgb c = data::colormap(map_, (v - L.lo) / span);
        const char* ink = data::luminance(c) > 0.35 ? "#111827" : "#ffffff";
        svg.text(L.grid_x + (j + 0.5) * L.cell, L.grid_y + (i + 0.5) * L.cell + font * 0.35,
                 format_value(v), font, "middle",
                 std::string("class=\"value\" fill=\"") + ink + "\"");
      }
    }
  }

  // Tokens on the axes.
  for (int i = 0; i < static_cast<int>(row_labels_.size()); ++i) {
    svg.text(L.grid_x - 6, L.grid_y + (i + 0.5) * L.cell + L.label_font * 0.35, row_labels_[i],
             L.label_font, "end", R"(class="row-label")");
  }
  const double grid_bottom = L.grid_y + rows_ * L.cell;
  for (int j = 0; j < static_cast<int>(col_labels_.size()); ++j) {
    const double cx = L.grid_x + (j + 0.5) * L.cell;
    if (L.col_angle != 0) {
      svg.text(cx + L.label_font * 0.35, grid_bottom + 8, col_labels_[j], L.label_font, "end",
               R"(class="col-label")", -L.col_angle);
    } else {
      svg.text(cx, grid_bottom + 6 + L.label_font, col_labels_[j], L.label_font, "middle",
               R"(class="col-label")");
    }
  }
  if (!x_label_.empty()) {
    svg.text(L.grid_x + cols_ * L.cell / 2, grid_bottom + L.col_label_h + 16, x_label_, 13,
             "middle", std::string("fill=\"") + kInk + "\"");
  }
  if (!y_label_.empty()) {
    svg.text(10 + 12, L.grid_y + rows_ * L.cell / 2, y_label_, 13, "middle",
             std::string("fill=\"") + kInk + "\"", -90);
  }

  if (colorbar_) {
    // Vertical ramp, low values at the bottom.
    const double bar_h = std::max(rows_ * L.cell, 80.0), bx = L.bar_x, by = L.grid_y;
    const std::string id = id_prefix + "ramp";
    std::string defs =
        "<defs><linearGradient id=\"" + id + "\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
    for (int k = 0; k <= 16; ++k) {
      defs += "<stop offset=\"" + N(k / 16.0) + "\" stop-color=\"" +
              data::to_hex(data::colormap(map_, k / 16.0)) + "\"/>\n";
    }
    defs += "</linearGradient></defs>\n";
    svg.raw(defs);
    svg.rect(bx, by, 14, bar_h, "url(#" + id + ")", R"(class="colorbar" stroke="#d1d5db")");
    const AxisTicks t = linear_ticks(L.lo, L.hi, 4, false);
    for (std::size_t k = 0; k < t.values.size(); ++k) {
      const double y = by + bar_h - (t.values[k] - L.lo) / span * bar_h;
      svg.line(bx + 14, y, bx + 18, y, kAxis, 1);
      svg.text(bx + 20, y + 4, t.labels[k], 11, "start", std::string("fill=\"") + kMuted + "\"");
    }
  }
  svg.raw("</g>\n");
}

std::string HeatMap::to_svg() const {
  const Size s = measure();
  SvgWriter svg(s.width, s.height);
  draw(svg, 0, 0, "hm-");
  return svg.finish();
}

void HeatMap::save(const std::filesystem::path& path) const {
  save_svg(path, to_svg());
}

// ===========================================================================
// HeatMapGrid

HeatMapGrid::HeatMapGrid(int columns) : columns_(columns) {
  if (columns < 1) {
    throw Error("HeatMapGrid: " + std::to_string(columns) + " columns; expected at least 1");
  }
}

HeatMapGrid& HeatMapGrid::title(std::string text) {
  title_ = std::move(text);
  return *this;
}

HeatMapGrid& HeatMapGrid::add(HeatMap panel) {
  panels_.push_back(std::move(panel));
  return *this;
}

std::string HeatMapGrid::to_svg() const {
  if (panels_.empty()) {
    throw Error("HeatMapGrid::to_svg: '" + title_ + "' has no panels; call add first");
  }
  const int n = static_cast<int>(panels_.size());
  const int cols = std::min(columns_, n), rows = (n + cols - 1) / cols;
  std::vector<double> col_w(cols, 0), row_h(rows, 0);
  for (int k = 0; k < n; ++k) {
    const HeatMap::Size s = panels_[k].measure();
    col_w[k % cols] = std::max(col_w[k % cols], s.width);
    row_h[k / cols] = std::max(row_h[k / cols], s.height);
  }
  const double top = title_.empty() ? 0 : 40;
  double W = 0, H = top;
  for (double w : col_w) W += w;
  for (double h : row_h) H += h;
  W = std::max(W, SvgWriter::text_width(title_, 17) + 20);
  SvgWriter svg(W, H);
  if (!title_.empty()) svg.text(W / 2, 28, title_, 17, "middle", R"(font-weight="600")");
  double y = top;
  for (int r = 0; r < rows; ++r) {
    double x = 0;
    for (int c = 0; c < cols && r * cols + c < n; ++c) {
      const int k = r * cols + c;
      panels_[k].draw(svg, x, y, std::string("p").append(std::to_string(k)).append("-"));
      x += col_w[c];
    }
    y += row_h[r];
  }
  return svg.finish();
}

void HeatMapGrid::save(const std::filesystem::path& path) const {
  save_svg(path, to_svg());
}

}  // namespace attn::train
