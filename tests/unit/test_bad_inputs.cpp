// Hostile and mistaken inputs to every loader, one test per issue found:
// each must end in attn::Error naming the file and what is wrong, never a
// crash, a library's own exception, a silent wrap-around or a silent default.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/error.h"
#include "data/fashion_mnist.h"
#include "data/image_io.h"
#include "layers/module.h"
#include "train/io/checkpoint.h"
#include "train/io/safetensors.h"
#include "train/run/config.h"
#include "train/run/run_options.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"

#include <stb_image_write.h>
#include <unistd.h>

namespace attn {
namespace {

namespace fs = std::filesystem;
using train::Config;

using testing::error_of;
using testing::TempDir;

void expect_contains(const std::string& msg, const std::vector<std::string>& pieces) {
  for (const auto& p : pieces) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

std::string deep(int n) { return std::string(n, '[') + std::string(n, ']'); }

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

// ---- JSON configs ------------------------------------------------------------

TEST(BadConfig, DeepNestingIsAnErrorNotAStackOverflow) {
  TempDir tmp;
  const fs::path p = tmp.write("d.json", deep(100000));
  expect_contains(error_of([&] { Config::load(p); }), {"d.json", "nested more than 64"});
  // As a value, too, and right at the limit it parses.
  expect_contains(error_of([&] { Config::parse("{\"a\": " + deep(200) + "}", "'x'"); }),
                  {"nested"});
  EXPECT_NO_THROW(Config::parse("{\"a\": " + deep(63) + "}", "'x'"));
}

TEST(BadConfig, NumberTooBigForADoubleNamesTheFile) {
  TempDir tmp;
  const fs::path p = tmp.write("c.json", R"({"epochs":1e400})");
  const std::string msg = error_of([&] { Config::load(p); });
  expect_contains(msg, {"c.json", "1e400"});
  EXPECT_EQ(msg.find("[json.exception"), std::string::npos) << msg;
}

TEST(BadConfig, TwoToTheSixtyThreeIsOutOfRangeNotNegative) {
  const Config c = Config::parse(R"({"batch_size": 9.223372036854775808e18, "n": -9.3e18,
                                     "i": 2147483648.0, "f": 1e39})",
                                 "'c.json'");
  expect_contains(error_of([&] { c.get<int64_t>("batch_size", 1); }),
                  {"\"batch_size\"", "whole number in"});
  expect_contains(error_of([&] { c.get<int64_t>("n", 1); }), {"\"n\""});
  expect_contains(error_of([&] { c.get<int>("i", 1); }), {"\"i\""});
  expect_contains(error_of([&] { c.get<float>("f", 1.0f); }), {"\"f\"", "float"});
  EXPECT_EQ(Config::parse(R"({"k": -9.223372036854775808e18})", "'c'").get<int64_t>("k", 0),
            INT64_MIN);
}

TEST(BadConfig, DuplicateKeyNamesTheKey) {
  expect_contains(error_of([&] { Config::parse(R"({"lr": 0.1, "epochs": 3, "lr": 0.2})", "'c.json'"); }),
                  {"c.json", "\"lr\"", "twice"});
  // The same key in two different objects is fine.
  EXPECT_NO_THROW(Config::parse(R"({"a": {"x": 1}, "b": {"x": 2}})", "'c.json'"));
}

TEST(BadConfig, ADirectoryOrAnEmptyNameIsSaidSo) {
  TempDir tmp;
  expect_contains(error_of([&] { Config::load(tmp.path); }), {"is a directory"});
  expect_contains(error_of([&] { Config::load(""); }), {"--config", "''"});
}

TEST(BadConfig, ValuesAboveALimitNameTheKeyAndTheLimit) {
  const Config c = Config::parse(
      R"({"max_len": 1e6, "beam_width": 100000000, "batch_size": 1000000000,
          "hidden": [64, 1000000], "lr": 1e30, "epochs": 5})",
      "'big.json'");
  expect_contains(error_of([&] { c.get<int64_t>("max_len", 10); }), {"big.json", "\"max_len\"", "limit of 512"});
  expect_contains(error_of([&] { c.get<int64_t>("beam_width", 5); }), {"\"beam_width\"", "limit of 64"});
  expect_contains(error_of([&] { c.get<int64_t>("batch_size", 5); }), {"\"batch_size\"", "limit of 4096"});
  expect_contains(error_of([&] { c.get("hidden", std::vector<int>{}); }), {"\"hidden[1]\"", "limit"});
  EXPECT_EQ(c.get("lr", 0.1), 1e30);  // no limit on a learning rate
  EXPECT_EQ(c.get("epochs", 1), 5);
  EXPECT_EQ(Config::upper_limit("batch_size"), 4096);
  // Defaults are the tutorial's own choice and are not checked.
  EXPECT_EQ(Config().get<int64_t>("max_len", 100000), 100000);
}

// ---- the command line ----------------------------------------------------------

train::RunOptions parse(std::vector<std::string> args,
                        train::DataOption data = train::DataOption::kNotUsed) {
  return train::parse_run_options(std::span<const std::string>(args), "04_test", "A test.", data);
}

TEST(BadCommandLine, DataIsRefusedWhereATutorialTakesNone) {
  TempDir tmp;
  const std::string out = (tmp.path / "o").string();
  expect_contains(error_of([&] { parse({"--out", out, "--data", tmp.path.string()}); }),
                  {"04_test: --data is not used by this tutorial"});
  EXPECT_EQ(parse({"--out", out, "--data", tmp.path.string()}, train::DataOption::kAccepted)
                .data_path,
            tmp.path);
  EXPECT_EQ(train::run_usage("04_test", "").find("--data"), std::string::npos);
  EXPECT_NE(train::run_usage("04_test", "", train::DataOption::kAccepted).find("--data"),
            std::string::npos);
}

TEST(BadCommandLine, AnEmptyConfigNameIsAnError) {
  TempDir tmp;
  const std::string out = (tmp.path / "o").string();
  expect_contains(error_of([&] { parse({"--out", out, "--config", ""}); }), {"--config", "''"});
  expect_contains(error_of([&] { parse({"--out", out, "--config="}); }), {"--config", "''"});
  expect_contains(error_of([&] { parse({"--out", out, "--config", tmp.path.string()}); }),
                  {"is a directory"});
}

TEST(BadCommandLine, AnOutDirThatCannotBeWrittenIsRefusedBeforeTraining) {
  TempDir tmp;
  // A read-only directory; root writes there regardless, so then /proc
  // (a directory no one can create files in) stands in for it.
  fs::path ro = tmp.path / "read_only";
  fs::create_directories(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() == 0) ro = "/proc";
  expect_contains(error_of([&] { parse({"--out", ro.string()}); }),
                  {"--out '" + ro.string() + "'", "cannot write files there"});
  fs::permissions(tmp.path / "read_only", fs::perms::owner_all);
  // A writable one keeps no trace of the probe.
  parse({"--out", tmp.path.string()});
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    EXPECT_EQ(e.path().filename().string().find("probe"), std::string::npos) << e.path();
  }
}

// ---- safetensors and checkpoints -------------------------------------------------------

struct OneWeight : nn::Module {
  Tensor w = Tensor::zeros({2});
  OneWeight() : nn::Module("OneWeight") { register_parameter("w", w); }
};

TEST(BadSafetensors, DeepNestingInTheHeaderIsAnError) {
  TempDir tmp;
  const fs::path p = tmp.write("deep.safetensors", safetensors_bytes(deep(100000)));
  expect_contains(error_of([&] { train::load_safetensors(p); }), {"deep.safetensors", "nested"});
  OneWeight model;
  expect_contains(error_of([&] { train::load_checkpoint(model, p); }), {"nested"});
  // Nested within the depth limit, inside an entry: the message stays short.
  const fs::path q = tmp.write(
      "entry.safetensors", safetensors_bytes("{\"w\": " + deep(60) + "}"));
  const std::string msg = error_of([&] { train::load_safetensors(q); });
  expect_contains(msg, {"tensor 'w'"});
  EXPECT_LT(msg.size(), 400u) << msg;
}

TEST(BadSafetensors, NumberTooBigForADoubleIsAnError) {
  TempDir tmp;
  const fs::path p = tmp.write(
      "big.safetensors",
      safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,8]}})",
                        std::string(8, '\0')));
  expect_contains(error_of([&] { train::load_safetensors(p); }), {"big.safetensors", "1e400"});
}

TEST(BadSafetensors, ADuplicateTensorNameIsAnError) {
  TempDir tmp;
  const fs::path p = tmp.write(
      "dup.safetensors",
      safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                        std::string(8, '\0')));
  expect_contains(error_of([&] { train::load_safetensors(p); }), {"\"w\"", "twice"});
}

// ---- IDX -------------------------------------------------------------------------

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

TEST(BadIdx, RowsTimesColsPastInt64IsRefusedAtTheHeader) {
  TempDir tmp;
  for (auto [rows, cols] : {std::pair<uint32_t, uint32_t>{0xFFFFFFFFu, 0xFFFFFFFFu},
                            {0x80000001u, 0xFFFFFFFEu}, {1u << 25, 1u}}) {
    const fs::path p = tmp.write("big-idx3-ubyte", be32(data::kIdxImagesMagic) + be32(1) +
                                                       be32(rows) + be32(cols) + "xyz");
    const std::string msg = error_of([&] { data::read_idx_images(p); });
    expect_contains(msg, {"the header says images of", "2^24 pixels"});
    EXPECT_EQ(msg.find("negative"), std::string::npos) << msg;
  }
}

// ---- images --------------------------------------------------------------------

std::vector<uint8_t> encoded(bool jpeg, int w, int h, int c) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * c);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 13 % 251);
  std::vector<uint8_t> out;
  auto append = [](void* ctx, void* data, int size) {
    auto* o = static_cast<std::vector<uint8_t>*>(ctx);
    o->insert(o->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  if (jpeg) {
    stbi_write_jpg_to_func(append, &out, w, h, c, px.data(), 95);
  } else {
    stbi_write_png_to_func(append, &out, w, h, c, px.data(), w * c);
  }
  return out;
}

std::string as_string(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

TEST(BadImage, AHeaderDeclaringMillionsOfPixelsIsRefusedBeforeDecoding) {
  // A PNG whose IHDR says 8000 x 8000 (the CRC is not checked before the size),
  // and one of 100000 x 100000, which stb_image refuses itself.
  std::vector<uint8_t> png = encoded(false, 4, 4, 3);
  for (int i : {16, 20}) {  // width, height: big-endian at bytes 16 and 20
    png[i] = 0; png[i + 1] = 0; png[i + 2] = 0x1F; png[i + 3] = 0x40;
  }
  const auto start = std::chrono::steady_clock::now();
  expect_contains(error_of([&] { data::decode_image(png, "huge.png"); }),
                  {"huge.png", "8000x8000", "pixels"});
  for (int i : {16, 20}) {
    png[i] = 0; png[i + 1] = 0x01; png[i + 2] = 0x86; png[i + 3] = 0xA0;
  }
  expect_contains(error_of([&] { data::decode_image(png, "huger.png"); }), {"huger.png", "PNG"});
#ifdef ATTN_HAVE_JPEG
  std::vector<uint8_t> jpg = encoded(true, 8, 8, 3);
  for (size_t i = 0; i + 8 < jpg.size(); ++i) {
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) {  // SOF0: height and width at +5 and +7
      jpg[i + 5] = 0xEA; jpg[i + 6] = 0x60; jpg[i + 7] = 0xEA; jpg[i + 8] = 0x60;
      break;
    }
  }
  expect_contains(error_of([&] { data::decode_image(jpg, "huge.jpg"); }), {"huge.jpg", "60000x60000"});
#endif
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
}

// An empty IDAT chunk before the first one with data made stb_image call
// memcpy(nullptr, ..., 0) (undefined behaviour; found by fuzz_image under
// UBSan, which the asan preset runs this test with). It decodes as without it.
TEST(BadImage, AnEmptyFirstIdatChunkDecodesLikeTheImageWithoutIt) {
  const std::vector<uint8_t> png = encoded(false, 5, 4, 1);
  std::vector<uint8_t> with_empty(png.begin(), png.begin() + 33);  // signature + IHDR
  const uint8_t empty_idat[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xAF, 0x06, 0x1E};
  with_empty.insert(with_empty.end(), empty_idat, empty_idat + 12);
  with_empty.insert(with_empty.end(), png.begin() + 33, png.end());
  const data::Image a = data::decode_image(png, "a.png");
  const data::Image b = data::decode_image(with_empty, "b.png");
  EXPECT_EQ(a.pixels, b.pixels);
}

// A 5 x 4 PNG whose compressed stream inflates on and on: stb_image doubled its output buffer
// up to a 2 GiB allocation (found by fuzz_image under ASan). Its allocations are capped by
// the header's size now, so it fails as a damaged file, at once.
TEST(BadImage, AStreamThatInflatesPastItsHeaderFailsWithoutAHugeAllocation) {
  const std::vector<uint8_t> png = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
      0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x01, 0x7e, 0x56, 0x52,
      0x81, 0x00, 0x00, 0x00, 0x31, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0x64, 0x83,
      0x42, 0x41, 0x40, 0xcc, 0xc8, 0xc4, 0xcc, 0xc4, 0xcc, 0xc2, 0xcc, 0xff, 0xc4, 0x00, 0x18, 0x11,
      0x01, 0x00, 0x03, 0x01, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x05, 0x00, 0x00, 0x00, 0x2d, 0x08, 0x02, 0x00, 0x00, 0x01, 0x42, 0xa9, 0xad, 0x7e, 0x5f, 0xff,
      0xef, 0xc4, 0x49, 0x44, 0x41, 0x54, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xb9, 0xb8,
      0x48, 0x45, 0x4e, 0x44, 0x79, 0x5d, 0x78, 0xf9, 0x00, 0x12, 0x9c, 0x00, 0xf1, 0x67, 0x1f, 0x00,
      0xf7, 0xff, 0x07, 0x49, 0x00, 0x00, 0xf6, 0xad, 0x01, 0xb9, 0xb8, 0x79, 0x78, 0xf9, 0x00, 0x12,
      0x9c, 0x00, 0xf1, 0x96, 0x08, 0x67, 0x1f, 0x00, 0xf7, 0xff, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
      0x42, 0x60, 0x82,
  };
  const auto start = std::chrono::steady_clock::now();
  expect_contains(error_of([&] { data::decode_image(png, "grows.png"); }), {"grows.png"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
}

TEST(BadImage, FormatsWithUnsafeDecodersAreRefusedByName) {
  TempDir tmp;
  // A BMP header declaring 30000 x 30000 pixels, and a 16-bit PGM.
  std::string bmp = "BM" + std::string(52, '\0');
  const fs::path b = tmp.write("big.bmp", bmp);
  expect_contains(error_of([&] { data::load_image(b); }), {"big.bmp", "a BMP image", "PNG and JPEG only"});
  const fs::path pgm = tmp.write("deep.pgm", "P5 2 2 65535\n" + std::string(8, '\x7f'));
  expect_contains(error_of([&] { data::load_image(pgm, 3); }), {"deep.pgm", "PNM"});
}

#ifdef ATTN_HAVE_JPEG
TEST(BadImage, JpegDecodesThroughLibjpegAndTruncatedOnesFailCleanly) {
  TempDir tmp;
  const std::vector<uint8_t> jpg = encoded(true, 16, 8, 3);
  const fs::path p = tmp.write("ok.jpg", as_string(jpg));
  for (int c : {0, 1, 2, 3, 4}) {
    const data::Image im = data::load_image(p, c);
    EXPECT_EQ(im.width, 16);
    EXPECT_EQ(im.height, 8);
    EXPECT_EQ(im.channels, c == 0 ? 3 : c);
    EXPECT_EQ(im.pixels.size(), 16u * 8u * im.channels);
  }
  // Cut inside the header: an error naming the file; cut inside the data: libjpeg
  // fills the rest (a warning), the image keeps its size.
  const std::vector<uint8_t> head(jpg.begin(), jpg.begin() + 30);
  expect_contains(error_of([&] { data::decode_image(head, "cut.jpg"); }), {"cut.jpg", "JPEG"});
  const std::vector<uint8_t> body(jpg.begin(), jpg.end() - 20);
  EXPECT_EQ(data::decode_image(body, "short.jpg").width, 16);
}
#endif

}  // namespace
}  // namespace attn
