#include "train/report/attention_overlay.h"

#include <algorithm>
#include <string>

#include "autograd/error.h"

namespace attn::train {

namespace {
// The picture as RGB (grey expanded, alpha dropped), so that every panel of a grid has 3 channels.
data::Image rgb_of(const data::Image& p) {
  data::Image out = data::make_image(p.width, p.height, 3);
  for (int y = 0; y < p.height; ++y)
    for (int x = 0; x < p.width; ++x)
      for (int c = 0; c < 3; ++c) out.at(y, x, c) = p.at(y, x, p.channels >= 3 ? c : 0);
  return out;
}
}  // namespace

std::vector<float> attention_row(std::span<const float> map, int64_t positions, int64_t query) {
  ATTN_CHECK(positions >= 1 && static_cast<int64_t>(map.size()) == positions * positions,
             "attention_row: ", map.size(), " weights are not an N x N map with N = ", positions);
  ATTN_CHECK(query >= 0 && query < positions, "attention_row: query ", query,
             " is outside the map's ", positions, " positions");
  // Row q: the weights position q gives to every position i (q's softmax), not column q.
  const auto row = map.subspan(static_cast<size_t>(query * positions),
                               static_cast<size_t>(positions));
  return {row.begin(), row.end()};
}

int query_at_pixel(int y, int x, int height, int width, int map_h, int map_w) {
  ATTN_CHECK(y >= 0 && y < height && x >= 0 && x < width, "query_at_pixel: pixel (", y, ", ", x,
             ") is outside the ", height, " x ", width, " picture");
  return (y * map_h / height) * map_w + x * map_w / width;
}

data::Image query_overlay(const data::Image& picture, std::span<const float> map, int map_h,
                          int map_w, int query, int scale, float alpha) {
  ATTN_CHECK(map_h >= 1 && map_w >= 1 && scale >= 1, "query_overlay: map of ", map_h, " x ",
             map_w, " positions and scale ", scale, "; expected both sides and scale >= 1");
  ATTN_CHECK(picture.height % map_h == 0 && picture.width % map_w == 0, "query_overlay: a ",
             picture.height, " x ", picture.width, " picture does not divide into the map's ",
             map_h, " x ", map_w, " regions");
  const std::vector<float> row = attention_row(map, int64_t{map_h} * map_w, query);
  data::Image out =
      data::overlay_heatmap(data::upscale_nearest(picture, scale), row, map_h, map_w, alpha);
  // Outline the query's region, two pixels thick, inside its own cell.
  const int cell_h = out.height / map_h, cell_w = out.width / map_w;
  const int y0 = (query / map_w) * cell_h, x0 = (query % map_w) * cell_w;
  const int t = std::max(1, std::min({2, cell_h / 4, cell_w / 4}));
  for (int y = y0; y < y0 + cell_h; ++y)
    for (int x = x0; x < x0 + cell_w; ++x) {
      const bool edge = y < y0 + t || y >= y0 + cell_h - t || x < x0 + t || x >= x0 + cell_w - t;
      if (!edge) continue;
      out.at(y, x, 0) = 0;
      out.at(y, x, 1) = 255;
      out.at(y, x, 2) = 255;
    }
  return out;
}

data::Image attention_query_grid(const std::vector<AttentionQueries>& rows, int scale, int gap) {
  ATTN_CHECK(!rows.empty(), "attention_query_grid: no pictures");
  ATTN_CHECK(gap >= 0, "attention_query_grid: gap is ", gap, ", expected >= 0");
  int width = 0, height = 0;
  std::vector<std::vector<data::Image>> panels;
  for (const AttentionQueries& r : rows) {
    std::vector<data::Image> line{rgb_of(data::upscale_nearest(r.picture, scale))};
    for (const int q : r.queries)
      line.push_back(query_overlay(r.picture, r.map, r.map_h, r.map_w, q, scale));
    int w = 0, h = 0;
    for (const auto& p : line) w += p.width + gap, h = std::max(h, p.height);
    width = std::max(width, w + gap);
    height += h + gap;
    panels.push_back(std::move(line));
  }
  data::Image grid = data::make_image(width, height + gap, 3);
  std::fill(grid.pixels.begin(), grid.pixels.end(), std::uint8_t{255});
  int y = gap;
  for (const auto& line : panels) {
    int x = gap, h = 0;
    for (const auto& p : line) {
      for (int py = 0; py < p.height; ++py)
        for (int px = 0; px < p.width; ++px)
          for (int c = 0; c < 3; ++c) grid.at(y + py, x + px, c) = p.at(py, px, c);
      x += p.width + gap;
      h = std::max(h, p.height);
    }
    y += h + gap;
  }
  return grid;
}

void save_attention_queries(const std::filesystem::path& png,
                            const std::vector<AttentionQueries>& rows, int scale) {
  data::save_png(png, attention_query_grid(rows, scale));
}

}  // namespace attn::train
