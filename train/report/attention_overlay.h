#pragma once
// Where one position of an image attends, laid over the image: self-attention over a feature
// map of h x w positions (layers/self_attention_2d.h) returns an N x N map, N = h w, whose row
// j is where position j attends (its weights over every position i, summing to 1). For a
// query position q, row q reshaped to h x w is a picture of where q reads from; this file
// upsamples it over the image and outlines q's own region.
//
// Which way the map is read matters: column q would be who reads from q, a different picture
// (tests/unit/test_attention_overlay.cpp builds a map whose row and column disagree and
// checks that the bright spot is where q attends).
//
//   AttentionQueries row;
//   row.picture = data::image_from_chw(pixels, 3, 24, 24);
//   row.map.assign(beta, beta + 36 * 36);     // one image's [N, N] map, row-major
//   row.map_h = row.map_w = 6;
//   row.queries = {14, 27};                  // positions q = r * map_w + c
//   save_attention_queries(out / "attention.png", {row});
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "data/image_io.h"

namespace attn::train {

// Row `query` of an N x N map stored row-major: where that position attends.
// Throws attn::Error when the map is not N x N or the query is outside [0, N).
std::vector<float> attention_row(std::span<const float> map, int64_t positions, int64_t query);

// The position (r, c) of the map_h x map_w grid that pixel (y, x) of an H x W picture falls in.
int query_at_pixel(int y, int x, int height, int width, int map_h, int map_w);

// The picture enlarged `scale` times, row `query` of the map laid over it as a map_h x map_w
// grid (data::overlay_heatmap: the row's largest weight reaches the top of the colour ramp),
// and the query's own region (the pixels its position stands for) outlined in cyan.
// Throws attn::Error for a map that is not N x N with N = map_h map_w, a query outside
// [0, N), a picture whose sides are not multiples of map_h and map_w, or scale < 1.
data::Image query_overlay(const data::Image& picture, std::span<const float> map, int map_h,
                          int map_w, int query, int scale = 4, float alpha = 0.65f);

// One picture with its map and the queries to show.
struct AttentionQueries {
  data::Image picture;
  std::vector<float> map;  // N x N, row-major, row j = where position j attends
  int map_h = 0, map_w = 0;
  std::vector<int> queries;  // positions q = r * map_w + c
};

// A grid of panels: one row per picture, the picture enlarged `scale` times and then one
// query_overlay per query, with `gap` white pixels between panels and rows.
data::Image attention_query_grid(const std::vector<AttentionQueries>& rows, int scale = 4,
                                 int gap = 4);
// The grid as a PNG file (written atomically).
void save_attention_queries(const std::filesystem::path& png,
                            const std::vector<AttentionQueries>& rows, int scale = 4);

}  // namespace attn::train
