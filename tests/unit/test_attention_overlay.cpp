// The attention-over-image figure (train/report/attention_overlay.h): it shows where the query
// attends (row q of the map), not who attends to the query (column q). The map below makes
// the two differ: q = 0 attends only to p = 8, p attends only to 4, and 4 attends only to 0,
// so column 0 would light position 4 and row 0 lights position 8.
#include <gtest/gtest.h>

#include <vector>

#include "data/image_io.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "train/report/attention_overlay.h"

namespace attn::train {
namespace {

using attn::testing::ThrowsWith;

constexpr int kSide = 3, kN = kSide * kSide;

std::vector<float> cycle_map() {
  std::vector<float> map(kN * kN, 0.0f);
  auto set = [&](int from, int to) { map[size_t(from * kN + to)] = 1.0f; };
  set(0, 8);  // q attends to p
  set(8, 4);  // p attends elsewhere
  set(4, 0);  // 4 is who attends to q
  for (int j : {1, 2, 3, 5, 6, 7}) set(j, j);
  return map;
}

int brightness(const data::Image& img, int y, int x) {
  return int(img.at(y, x, 0)) + int(img.at(y, x, 1)) + int(img.at(y, x, 2));
}

TEST(AttentionOverlay, RowIsWhereTheQueryAttends) {
  const std::vector<float> map = cycle_map();
  EXPECT_EQ(attention_row(map, kN, 0), (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(attention_row(map, kN, 8), (std::vector<float>{0, 0, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(AttentionOverlay, BrightSpotAtTheAttendedPositionNotTheReverse) {
  const data::Image black = data::make_image(12, 12, 1);  // 4 x 4 pixels per position
  const int scale = 2, cell = 8;                           // 8 x 8 panel pixels per position
  const data::Image img = query_overlay(black, cycle_map(), kSide, kSide, /*query=*/0, scale);
  ASSERT_EQ(img.width, 24);
  ASSERT_EQ(img.height, 24);
  auto centre = [&](int pos) {
    return brightness(img, (pos / kSide) * cell + cell / 2, (pos % kSide) * cell + cell / 2);
  };
  const int at_p = centre(8), at_q = centre(0), at_who = centre(4);
  EXPECT_GT(at_p, 300) << "where q attends must be bright";
  EXPECT_LT(at_q, 100) << "the query itself attends nowhere near itself";
  EXPECT_LT(at_who, 100) << "the position that attends TO q must stay dark (that is column q)";
  // The query's own region is outlined in cyan; p's is not.
  EXPECT_EQ(img.at(0, 0, 0), 0);
  EXPECT_EQ(img.at(0, 0, 1), 255);
  EXPECT_EQ(img.at(0, 0, 2), 255);
  EXPECT_FALSE(img.at(2 * cell, 2 * cell, 0) == 0 && img.at(2 * cell, 2 * cell, 1) == 255);
  // Query 8 lights 4 instead.
  const data::Image img8 = query_overlay(black, cycle_map(), kSide, kSide, 8, scale);
  EXPECT_GT(brightness(img8, cell + cell / 2, cell + cell / 2), 300);
  EXPECT_LT(brightness(img8, 2 * cell + cell / 2, cell / 2), 100);
}

TEST(AttentionOverlay, QueryAtPixel) {
  EXPECT_EQ(query_at_pixel(0, 0, 24, 24, 6, 6), 0);
  EXPECT_EQ(query_at_pixel(5, 9, 24, 24, 6, 6), 1 * 6 + 2);
  EXPECT_EQ(query_at_pixel(23, 23, 24, 24, 6, 6), 35);
}

TEST(AttentionOverlay, GridHoldsEveryPanelAndSaves) {
  AttentionQueries r;
  r.picture = data::make_image(12, 12, 3);
  r.map = cycle_map();
  r.map_h = r.map_w = kSide;
  r.queries = {0, 8};
  const data::Image grid = attention_query_grid({r, r}, 2, 4);
  EXPECT_EQ(grid.width, 4 + 3 * (24 + 4));
  EXPECT_EQ(grid.height, 4 + 2 * (24 + 4));
  // Panel 2 of row 1 (query 0) is bright at p = 8.
  EXPECT_GT(brightness(grid, 4 + 2 * 8 + 4, 4 + 28 + 2 * 8 + 4), 300);
  attn::testing::TempDir tmp;
  save_attention_queries(tmp.path / "a.png", {r});
  EXPECT_EQ(data::load_image(tmp.path / "a.png").width, 4 + 3 * (4 * 12 + 4) - 0);
}

TEST(AttentionOverlay, BadInputsRefused) {
  const std::vector<float> map = cycle_map();
  EXPECT_TRUE(ThrowsWith([&] { attention_row(map, 8, 0); }, {"not an N x N map"}));
  EXPECT_TRUE(ThrowsWith([&] { attention_row(map, kN, 9); }, {"query 9"}));
  const data::Image odd = data::make_image(10, 10, 1);
  EXPECT_TRUE(ThrowsWith([&] { query_overlay(odd, map, kSide, kSide, 0); }, {"does not divide"}));
}

}  // namespace
}  // namespace attn::train
