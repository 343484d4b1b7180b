// metrics.json and the atomic file writer everything else goes through.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "helpers/temp_dir.h"
#include "train/metrics/metrics.h"

namespace fs = std::filesystem;
using attn::testing::read_file;
using attn::testing::TempDir;

TEST(AtomicFile, WritesReplacesAndLeavesNoTemp) {
  TempDir tmp;
  const fs::path f = tmp.path / "a.txt";
  attn::data::write_file_atomic(f, std::string_view("first version, longer"));
  attn::data::write_file_atomic(f, std::string_view("second"));
  EXPECT_EQ(read_file(f), "second");
  const std::vector<std::uint8_t> bytes = {0, 1, 2, 255};
  attn::data::write_file_atomic(tmp.path / "b.bin", std::span<const std::uint8_t>(bytes));
  EXPECT_EQ(read_file(tmp.path / "b.bin"), std::string("\0\1\2\xff", 4));
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

TEST(AtomicFile, FailureNamesThePathAndKeepsTheOldFile) {
  TempDir tmp;
  const fs::path missing = tmp.path / "no_dir" / "x.json";
  try {
    attn::data::write_file_atomic(missing, std::string_view("{}"));
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  // The target is a directory: the rename fails, the temp file is cleaned up.
  fs::create_directories(tmp.path / "taken");
  fs::create_directories(tmp.path / "taken" / "inner");
  EXPECT_THROW(attn::data::write_file_atomic(tmp.path / "taken", std::string_view("x")),
               attn::Error);
  EXPECT_TRUE(fs::is_directory(tmp.path / "taken"));
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

TEST(Metrics, WriteReadBackNanBecomesNull) {
  TempDir tmp;
  nlohmann::json m;
  m["final_loss"] = 0.25;
  m["accuracy"]["length_10"] = 0.5;
  m["diverged"] = std::nan("");
  m["token"] = "<eos>";
  const fs::path path = attn::train::write_metrics(tmp.path, m);
  EXPECT_EQ(path, tmp.path / "metrics.json");
  const nlohmann::json back = attn::train::read_json(path);
  EXPECT_DOUBLE_EQ(back["final_loss"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(back["accuracy"]["length_10"].get<double>(), 0.5);
  EXPECT_TRUE(back["diverged"].is_null());
  EXPECT_EQ(back["token"], "<eos>");
  EXPECT_NE(read_file(path).find("\n  \"final_loss\": 0.25"), std::string::npos);  // pretty
  EXPECT_THROW(attn::train::write_metrics(tmp.path, nlohmann::json::array()), attn::Error);
}

TEST(Metrics, ReadJsonErrorsNameTheFile) {
  TempDir tmp;
  const fs::path bad = tmp.path / "broken.json";
  std::ofstream(bad) << "{\"a\": }";
  try {
    attn::train::read_json(bad);
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
  EXPECT_THROW(attn::train::read_json(tmp.path / "absent.json"), attn::Error);
}

TEST(Metrics, FlattenNestedObjectsAndArraysOfObjects) {
  const nlohmann::json m = nlohmann::json::parse(
      R"({"loss": 1, "acc": {"len": {"10": 0.9}}, "runs": [{"x": 1}, {"x": 2}], "curve": [1, 2],
          "empty": {}})");
  const auto flat = attn::train::flatten_json(m);
  std::vector<std::string> keys;
  for (const auto& [k, v] : flat) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"acc.len.10", "curve", "empty", "loss", "runs[0].x",
                                            "runs[1].x"}));
  EXPECT_EQ(flat[1].second, nlohmann::json({1, 2}));
  EXPECT_EQ(attn::train::flatten_json(3.5).front().first, "value");
}
