// safetensors: a round trip, the layout on disk, and every way a corrupt or
// foreign file is refused (each file written by hand below), and the atomic
// save: a writer that fails, or is killed, leaves the previous file whole.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#endif

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/temp_dir.h"
#include "train/io/safetensors.h"

namespace attn {
namespace {

namespace fs = std::filesystem;
using testing::AllClose;
using testing::read_file;
using testing::TempDir;

// One directory for the whole test program, removed when it ends.
const fs::path& temp_dir() {
  static const TempDir dir;
  return dir.path;
}

fs::path temp_path(const std::string& name) {
  return temp_dir() / ("attn_st_" + name + ".safetensors");
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file from a header text and a data region, exactly as given.
fs::path hand_made(const std::string& name, const std::string& header, const std::string& data) {
  const fs::path p = temp_path(name);
  write_bytes(p, le64(header.size()) + header + data);
  return p;
}

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());  // the test host is little-endian
  return s;
}

// Loading `p` fails with an attn::Error whose message names the file and
// contains every fragment.
void expect_refused(const fs::path& p, const std::vector<std::string>& fragments) {
  try {
    train::load_safetensors(p);
    ADD_FAILURE() << p << " loaded, expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p.string()), std::string::npos) << "the file is not named: " << msg;
    for (const std::string& f : fragments)
      EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
  }
}

TEST(Safetensors, RoundTripKeepsNamesShapesValuesAndMetadata) {
  const fs::path p = temp_path("round_trip");
  nn::NamedTensors tensors = {{"encoder.weight_ih_l0", Tensor::randn({8, 3})},
                              {"scale", Tensor::scalar(2.5)},
                              {"empty", Tensor::zeros({0, 4})},
                              {"fc.bias", Tensor::randn({5})}};
  train::save_safetensors(p, tensors, {{"step", "1200"}, {"tutorial", "01"}});
  train::Metadata meta;
  auto loaded = train::load_safetensors(p, &meta);
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(loaded.count(name));
    EXPECT_TRUE(AllClose(loaded.at(name), t, 0, 0));  // bit for bit
  }
  EXPECT_EQ(meta, (train::Metadata{{"step", "1200"}, {"tutorial", "01"}}));
}

TEST(Safetensors, TheFileHasTheSpecifiedLayout) {
  const fs::path p = temp_path("layout");
  Tensor a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), b = Tensor::from_vector({7}, {1});
  train::save_safetensors(p, {{"a", a}, {"b", b}});
  const std::string bytes = read_file(p);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "the data should start 8-byte aligned";
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  const char* dtype = sizeof(real) == 4 ? "F32" : "F64";
  EXPECT_EQ(header["a"]["dtype"], dtype);
  EXPECT_EQ(header["a"]["shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json({0, 6 * sizeof(real)}));
  EXPECT_EQ(header["b"]["data_offsets"], nlohmann::json({6 * sizeof(real), 7 * sizeof(real)}));
  EXPECT_FALSE(header.contains("__metadata__"));  // none given
  ASSERT_EQ(bytes.size(), 8 + n + 7 * sizeof(real));
  real third;
  std::memcpy(&third, bytes.data() + 8 + n + 2 * sizeof(real), sizeof(real));
  EXPECT_EQ(third, 3);
}

TEST(Safetensors, ReadsF64AndPaddedHeadersWrittenElsewhere) {
  const double d[2] = {0.1, -3.0};
  std::string data(reinterpret_cast<const char*>(d), sizeof d);
  data += f32_bytes({4.5f});
  const fs::path p = hand_made("f64",
                               R"({"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
                               R"("y":{"dtype":"F32","shape":[],"data_offsets":[16,20]}})"
                               "      ",
                               data);
  auto t = train::load_safetensors(p);
  EXPECT_TRUE(AllClose(t.at("x").to_vector(), {real(0.1), real(-3.0)}, 0, 0));
  EXPECT_EQ(t.at("y").dim(), 0);
  EXPECT_EQ(t.at("y").item(), real(4.5));
}

const std::string kGoodEntry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

TEST(SafetensorsCorrupt, FileShorterThanEightBytes) {
  const fs::path p = temp_path("short");
  write_bytes(p, "abc");
  expect_refused(p, {"3 bytes", "fewer than the 8"});
}

TEST(SafetensorsCorrupt, TruncatedHeader) {
  const std::string header = "{" + kGoodEntry + "}";
  const fs::path p = temp_path("truncated_header");
  write_bytes(p, le64(header.size()) + header.substr(0, 10));
  expect_refused(p, {"header length " + std::to_string(header.size()), "larger than the 10"});
}

TEST(SafetensorsCorrupt, AbsurdHeaderLength) {
  const fs::path p = temp_path("absurd");
  std::string bytes = le64(uint64_t(1) << 60);
  bytes.append(64, '{');
  write_bytes(p, bytes);
  expect_refused(p, {"absurd"});
}

TEST(SafetensorsCorrupt, ForeignFile) {  // e.g. a PNG given where weights were expected
  const fs::path p = temp_path("png");
  std::string bytes("\x89PNG\r\n\x1a\n", 8);
  bytes.append(100, 'x');
  write_bytes(p, bytes);
  expect_refused(p, {"absurd", "not a safetensors file"});
}

TEST(SafetensorsCorrupt, HeaderIsNotJson) {
  expect_refused(hand_made("bad_json", R"({"w": {"dtype": "F32",)", f32_bytes({1, 2})),
                 {"not valid JSON"});
}

TEST(SafetensorsCorrupt, HeaderIsNotAnObject) {
  expect_refused(hand_made("not_object", "[1, 2, 3]", ""),
                 {"must be a JSON object", "it is a JSON array"});
}

TEST(SafetensorsCorrupt, EntryMissingAField) {
  expect_refused(
      hand_made("no_dtype", R"({"w":{"shape":[2],"data_offsets":[0,8]}})", f32_bytes({1, 2})),
      {"tensor 'w'", "no \"dtype\""});
  expect_refused(
      hand_made("no_shape", R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", f32_bytes({1, 2})),
      {"tensor 'w'", "no \"shape\""});
  expect_refused(hand_made("no_offsets", R"({"w":{"dtype":"F32","shape":[2]}})", f32_bytes({1, 2})),
                 {"tensor 'w'", "no \"data_offsets\""});
  expect_refused(hand_made("entry_not_object", R"({"w":[1,2]})", ""),
                 {"tensor 'w'", "must be a JSON object"});
}

TEST(SafetensorsCorrupt, UnknownOrUnsupportedDtype) {
  expect_refused(
      hand_made("unknown_dtype", R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})",
                f32_bytes({1, 2})),
      {"tensor 'w'", "unknown dtype 'Q7'"});
  expect_refused(hand_made("bf16", R"({"w":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})",
                           f32_bytes({1, 2})),
                 {"tensor 'w'", "BF16 is not supported"});
}

TEST(SafetensorsCorrupt, BadShapeOrOffsetValues) {
  expect_refused(
      hand_made("neg_shape", R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                f32_bytes({1, 2})),
      {"tensor 'w'", "non-negative integer", "-2"});
  expect_refused(
      hand_made("offsets_reversed", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                f32_bytes({1, 2})),
      {"tensor 'w'", "end before they begin"});
  expect_refused(hand_made("offsets_one", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})",
                           f32_bytes({1, 2})),
                 {"tensor 'w'", "[begin, end]"});
  expect_refused(hand_made("huge_shape",
                           R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],)"
                           R"("data_offsets":[0,8]}})",
                           f32_bytes({1, 2})),
                 {"tensor 'w'", "more than 2^64"});
}

TEST(SafetensorsCorrupt, OffsetsPastTheEnd) {  // a file cut short inside its data
  expect_refused(hand_made("past_end", "{" + kGoodEntry + "}", f32_bytes({1})),
                 {"tensor 'w'", "[0,8]", "past the end", "4 bytes"});
}

TEST(SafetensorsCorrupt, OffsetsDoNotMatchTheShape) {
  expect_refused(
      hand_made("size_mismatch", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                f32_bytes({1, 2})),
      {"tensor 'w'", "hold 8 bytes", "shape [3] of F32 needs 12"});
}

TEST(SafetensorsCorrupt, OverlappingTensors) {
  expect_refused(hand_made("overlap",
                           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           f32_bytes({1, 2, 3})),
                 {"'b'", "overlaps", "'a'"});
}

TEST(SafetensorsCorrupt, GapBetweenTensors) {
  expect_refused(hand_made("gap",
                           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                           f32_bytes({1, 2, 3})),
                 {"bytes [4,8)", "before tensor 'b'", "belong to no tensor"});
}

TEST(SafetensorsCorrupt, BytesLeftOverAfterTheLastTensor) {
  expect_refused(hand_made("leftover", "{" + kGoodEntry + "}", f32_bytes({1, 2, 3})),
                 {"4 bytes are left over", "'w'"});
}

TEST(SafetensorsCorrupt, MetadataMustMapStringsToStrings) {
  expect_refused(
      hand_made("meta", R"({"__metadata__":{"step":12},)" + kGoodEntry + "}", f32_bytes({1, 2})),
      {"__metadata__ 'step' must be a string"});
}

TEST(SafetensorsCorrupt, MissingFileOrADirectory) {
  expect_refused(temp_path("does_not_exist"), {"no such file"});
  expect_refused(temp_dir(), {"not a regular file"});
}

TEST(SafetensorsSave, BadNamesAreRefused) {
  const fs::path p = temp_path("bad_names");
  EXPECT_THROW(train::save_safetensors(p, {{"", Tensor::ones({1})}}), Error);
  EXPECT_THROW(train::save_safetensors(p, {{"__metadata__", Tensor::ones({1})}}), Error);
  EXPECT_THROW(train::save_safetensors(p, {{"a", Tensor::ones({1})}, {"a", Tensor::ones({2})}}),
               Error);
  EXPECT_THROW(train::save_safetensors(p, {{"u", Tensor()}}), Error);
  EXPECT_FALSE(fs::exists(p));
}

// The writer fails half-way (its temp file cannot be made): the previous file
// is still there, byte for byte, and loads.
TEST(SafetensorsSave, AFailedSaveLeavesThePreviousFileWhole) {
  const fs::path p = temp_path("failed_save");
  train::save_safetensors(p, {{"w", Tensor::full({3}, 1)}});
  const std::string before = read_file(p);
  // Before any byte is written: a duplicate name.
  EXPECT_THROW(train::save_safetensors(p, {{"w", Tensor::full({3}, 2)}, {"w", Tensor::ones({1})}}),
               Error);
  EXPECT_EQ(read_file(p), before);
  // While writing: the rename fails (a directory, not empty, stands at the
  // path). (test_atomic_file.cpp fails a write half-way.)
  const fs::path dir_in_the_way = temp_path("dir_in_the_way");
  fs::create_directories(dir_in_the_way / "x");
  try {
    train::save_safetensors(dir_in_the_way, {{"w", Tensor::full({3}, 2)}});
    ADD_FAILURE() << "the save should have failed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir_in_the_way.string()), std::string::npos) << e.what();
  }
  fs::remove_all(dir_in_the_way);
  EXPECT_EQ(read_file(p), before);
  EXPECT_TRUE(AllClose(train::load_safetensors(p).at("w").to_vector(), {1, 1, 1}, 0, 0));
}

#if defined(__unix__) || defined(__APPLE__)
// A writer killed at a random moment mid-save (SIGKILL: no cleanup runs)
// leaves either the old file or the new one, whole, never a mix.
TEST(SafetensorsSave, AWriterKilledMidSaveLeavesAWholeFile) {
  const fs::path p = temp_path("killed");
  const int64_t n = 1 << 20;  // 4 MB: a save takes a while
  train::save_safetensors(p, {{"w", Tensor::full({n}, 1)}});
  bool saw_new = false;
  for (int round = 0; round < 3; ++round) {
    int done[2];  // the writer says on this pipe each time a save has finished
    ASSERT_EQ(pipe(done), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // the writer: saves 2s, then 3s, ... until killed
      close(done[0]);
      try {
        for (int v = 2;; ++v) {
          train::save_safetensors(p, {{"w", Tensor::full({n}, real(v))}});
          if (write(done[1], "s", 1) != 1) break;
        }
      } catch (...) {
      }
      _exit(1);  // only if a save failed: the parent sees no signal and fails
    }
    close(done[1]);
    // Kill only after the first whole save (a busy machine may take long to get there), then
    // a little later each round, so the kill lands at different points of the next save.
    pollfd wait_for{done[0], POLLIN, 0};
    const bool saved = poll(&wait_for, 1, /*timeout ms=*/60000) == 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(7 * round));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(done[0]);
    ASSERT_TRUE(saved) << "the writer finished no save in 60 s";
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer should have been killed";
    const auto t = train::load_safetensors(p);  // whole: no error
    const std::vector<real> v = t.at("w").to_vector();
    ASSERT_EQ(v.size(), static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i += 4099) ASSERT_EQ(v[i], v[0]) << "a mix of two saves at " << i;
    ASSERT_EQ(v[n - 1], v[0]);
    saw_new = saw_new || v[0] != 1;
  }
  EXPECT_TRUE(saw_new) << "no save of the writer's is on disk: the test proved nothing";
  // What the killed writers left behind goes with the next save.
  train::save_safetensors(p, {{"w", Tensor::full({1}, 1)}});
  for (const auto& e : fs::directory_iterator(p.parent_path())) {
    const std::string name = e.path().filename().string();
    EXPECT_FALSE(name.rfind("." + p.filename().string() + ".", 0) == 0) << name;
  }
}
#endif

}  // namespace
}  // namespace attn
