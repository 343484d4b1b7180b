// The captions readers on small sets written here (PNG through image_io's writer): COCO and
// Karpathy layouts, the resizing and normalisation, and malformed files whose messages name
// the file and the JSON path.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograd/error.h"
#include "data/captions_reader.h"
#include "data/image_resize.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"

namespace attn::data {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A w x h RGB image of one colour.
Image solid(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Image img = make_image(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) img.at(y, x, 0) = r, img.at(y, x, 1) = g, img.at(y, x, 2) = b;
  return img;
}

// Expects fn to throw attn::Error whose message holds every piece.
template <typename F>
void expect_error(F fn, const std::vector<std::string>& pieces) {
  EXPECT_TRUE(testing::ThrowsWith(fn, pieces));
}

CaptionImageOptions plain(int size) {
  CaptionImageOptions o;
  o.size = size;
  o.mean = {0, 0, 0};
  o.std = {1, 1, 1};
  return o;
}

TEST(ImageResize, AreaAveragesAndBilinearInterpolates) {
  Image img = make_image(4, 2, 1);
  const std::uint8_t v[8] = {0, 100, 200, 40, 10, 10, 10, 10};
  for (int i = 0; i < 8; ++i) img.pixels[size_t(i)] = v[i];
  const Image half = resize_area(img, 2, 1);
  EXPECT_EQ(half.pixels, (std::vector<std::uint8_t>{30, 65}));  // (0+100+10+10)/4, (200+40+20)/4
  // Three columns from four: the middle output covers [4/3, 8/3), two thirds of columns 1
  // and 2, so half weight each; the one output row averages both input rows.
  const Image third = resize_area(img, 3, 1);
  EXPECT_EQ(third.pixels[1], std::uint8_t(std::lround((100 * 0.5 + 200 * 0.5 + 10) / 2)));
  // Doubling a 2x1 ramp: pixel centres at 1/4 and 3/4 of the way.
  Image ramp = make_image(2, 1, 1);
  ramp.pixels = {0, 200};
  EXPECT_EQ(resize_bilinear(ramp, 4, 1).pixels, (std::vector<std::uint8_t>{0, 50, 150, 200}));
  EXPECT_EQ(resize_image(ramp, 4, 1).pixels, resize_bilinear(ramp, 4, 1).pixels);
  EXPECT_THROW(resize_area(ramp, 0, 1), Error);
}

TEST(ImageToTensor, NormalisesPerChannel) {
  CaptionImageOptions o;
  const Tensor t = image_to_tensor(solid(10, 6, 255, 0, 51), 4, o.mean, o.std);
  ASSERT_EQ(t.shape(), (Shape{3, 4, 4}));
  EXPECT_NEAR(t.at({0, 2, 3}), (1.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(t.at({1, 0, 0}), (0.0 - 0.456) / 0.224, 1e-5);
  EXPECT_NEAR(t.at({2, 1, 1}), (0.2 - 0.406) / 0.225, 1e-5);
}

const char* kCoco = R"({
  "images": [{"id": 7, "file_name": "a.png"}, {"id": 3, "file_name": "b.png"},
             {"id": 9, "file_name": "no_captions.png"}],
  "annotations": [{"image_id": 3, "caption": "A blue square."},
                  {"image_id": 7, "caption": "A red circle"},
                  {"image_id": 7, "caption": "Red, round."}]
})";

TEST(CocoCaptions, ReadsImagesAndGroupsCaptions) {
  TempDir dir;
  save_png(dir.path / "a.png", solid(20, 10, 255, 0, 0));
  save_png(dir.path / "b.png", solid(8, 8, 0, 0, 255));
  dir.write("captions.json", kCoco);
  const CaptionedImages d = read_coco_captions(dir.path / "captions.json", dir.path, plain(4));
  ASSERT_EQ(d.size(), 2);  // image 9 has no caption: left out (its file is never opened)
  EXPECT_EQ(d.ids, (std::vector<int64_t>{7, 3}));
  EXPECT_EQ(d.images.shape(), (Shape{2, 3, 4, 4}));
  EXPECT_NEAR(d.images.at({0, 0, 1, 1}), 1.0, 1e-6);  // image 7 is red
  EXPECT_NEAR(d.images.at({1, 2, 3, 0}), 1.0, 1e-6);  // image 3 is blue
  EXPECT_NEAR(d.images.at({1, 0, 3, 0}), 0.0, 1e-6);
  ASSERT_EQ(d.captions[0].size(), 2u);
  EXPECT_EQ(d.captions[0][1], (std::vector<std::string>{"red", ",", "round", "."}));
  EXPECT_EQ(d.raw[1][0], "A blue square.");
  EXPECT_EQ(d.splits[0], "");
}

TEST(CocoCaptions, MalformedFilesNameTheFileAndThePath) {
  TempDir dir;
  save_png(dir.path / "a.png", solid(4, 4, 1, 2, 3));
  const fs::path f = dir.path / "c.json";
  const auto read = [&] { return read_coco_captions(f, dir.path, plain(4)); };
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "a.png"}]})");
  expect_error(read, {"c.json", "annotations"});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "a.png"}],
      "annotations": [{"image_id": 1, "caption": "x"}, {"image_id": 5, "caption": "y"}]})");
  expect_error(read, {"c.json", "annotations[1].image_id", "5"});
  dir.write("c.json", R"({"images": [{"id": "1", "file_name": "a.png"}], "annotations": []})");
  expect_error(read, {"images[0].id", "string", "integer"});
  dir.write("c.json", R"({"images": [{"id": 1}], "annotations": []})");
  expect_error(read, {"images[0]", "file_name"});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "a.png"}],
      "annotations": [{"image_id": 1, "caption": 12}]})");
  expect_error(read, {"annotations[0].caption", "number"});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "missing.png"}],
      "annotations": [{"image_id": 1, "caption": "x"}]})");
  expect_error(read, {"c.json", "images[0]", "image id 1", "missing.png"});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "a.png"}, {"id": 1, "file_name":
      "a.png"}], "annotations": []})");
  expect_error(read, {"images[1].id", "earlier"});
  dir.write("c.json", R"({"images": [)");
  expect_error(read, {"c.json", "not valid JSON"});
  // A number too big for a double made the JSON library throw its own out_of_range,
  // which escaped as it was (found by tests/fuzz/fuzz_captions).
  dir.write("c.json", R"({"images": [{"id": 1e400, "file_name": "a.png"}], "annotations": []})");
  expect_error(read, {"c.json", "not valid JSON", "1e400", "double"});
  expect_error([&] { return read_karpathy_captions(f, dir.path, plain(4)); },
               {"c.json", "not valid JSON", "1e400"});
  // A name longer than the system allows made std::filesystem throw its own error, which
  // escaped as it was (found by tests/fuzz/fuzz_captions).
  dir.write("c.json", R"({"images": [{"id": 2, "file_name": ")" + std::string(5000, 'n') +
                          R"("}], "annotations": [{"image_id": 2, "caption": "x"}]})");
  expect_error(read, {"c.json", "images[0]", "image id 2", "cannot be looked up"});
  dir.write("bad.png", "not a png at all");
  dir.write("c.json", R"({"images": [{"id": 4, "file_name": "bad.png"}],
      "annotations": [{"image_id": 4, "caption": "x"}]})");
  expect_error(read, {"c.json", "image id 4", "bad.png"});
  expect_error([&] { return read_coco_captions(dir.path / "nope.json", dir.path); }, {"nope.json"});
}

const char* kKarpathy = R"({"dataset": "flickr8k", "images": [
  {"filename": "a.png", "split": "train", "imgid": 0, "sentences": [
     {"tokens": ["a", "red", "thing"], "raw": "A red thing."},
     {"raw": "Something RED!"}]},
  {"filename": "b.png", "filepath": "sub", "split": "test", "imgid": 1, "sentences": [
     {"tokens": ["blue"]}]}
]})";

TEST(KarpathyCaptions, ReadsSplitsTokensAndFilepaths) {
  TempDir dir;
  fs::create_directories(dir.path / "sub");
  save_png(dir.path / "a.png", solid(6, 6, 255, 0, 0));
  save_png(dir.path / "sub" / "b.png", solid(6, 6, 0, 0, 255));
  dir.write("k.json", kKarpathy);
  const CaptionedImages all = read_karpathy_captions(dir.path / "k.json", dir.path, plain(3));
  ASSERT_EQ(all.size(), 2);
  EXPECT_EQ(all.splits, (std::vector<std::string>{"train", "test"}));
  EXPECT_EQ(all.captions[0][0], (std::vector<std::string>{"a", "red", "thing"}));
  EXPECT_EQ(all.captions[0][1], (std::vector<std::string>{"something", "red", "!"}));
  EXPECT_EQ(all.raw[1][0], "blue");
  EXPECT_EQ(all.files[1], dir.path / "sub" / "b.png");
  CaptionImageOptions o = plain(3);
  o.split = "test";
  const CaptionedImages test = read_karpathy_captions(dir.path / "k.json", dir.path, o);
  ASSERT_EQ(test.size(), 1);
  EXPECT_EQ(test.ids, (std::vector<int64_t>{1}));
  EXPECT_NEAR(test.images.at({0, 2, 0, 0}), 1.0, 1e-6);
  o.split = "";
  o.max_images = 1;
  EXPECT_EQ(read_karpathy_captions(dir.path / "k.json", dir.path, o).size(), 1);
}

TEST(KarpathyCaptions, MalformedFilesNameTheFileAndThePath) {
  TempDir dir;
  save_png(dir.path / "a.png", solid(4, 4, 1, 2, 3));
  const auto read = [&] { return read_karpathy_captions(dir.path / "k.json", dir.path, plain(4)); };
  dir.write("k.json", R"({"images": [{"filename": "a.png", "split": "train",
      "sentences": [{"tokens": ["a", 3]}]}]})");
  expect_error(read, {"k.json", "images[0].sentences[0].tokens[1]", "number"});
  dir.write("k.json", R"({"images": [{"filename": "a.png", "sentences": []}]})");
  expect_error(read, {"images[0]", "split"});
  dir.write("k.json", R"({"images": [{"filename": "a.png", "split": "val",
      "sentences": [{"text": "x"}]}]})");
  expect_error(read, {"images[0].sentences[0]", "tokens", "raw"});
  dir.write("k.json", R"({"images": [{"filename": "a.png", "split": "val", "sentences": {}}]})");
  expect_error(read, {"images[0].sentences", "object", "array"});
  dir.write("k.json", R"({"images": [{"filename": "gone.png", "split": "val", "imgid": 12,
      "sentences": [{"raw": "x"}]}]})");
  expect_error(read, {"images[0]", "image id 12", "gone.png"});
  dir.write("k.json", R"([1, 2])");
  expect_error(read, {"k.json", "top level", "array"});
}

// The reader looks only inside the image folder the user gave: a captions file that names an
// absolute path or climbs out with ".." is refused before anything is opened, even when the
// file it names exists.
TEST(CaptionsReaders, ImageNamesMustStayInsideTheImageFolder) {
  TempDir dir;
  fs::create_directories(dir.path / "images");
  save_png(dir.path / "outside.png", solid(4, 4, 1, 2, 3));
  const fs::path f = dir.path / "c.json";
  const auto coco = [&] { return read_coco_captions(f, dir.path / "images", plain(4)); };
  const auto karpathy = [&] { return read_karpathy_captions(f, dir.path / "images", plain(4)); };
  const std::string absolute = (dir.path / "outside.png").string();
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": ")" + absolute +
                          R"("}], "annotations": [{"image_id": 1, "caption": "x"}]})");
  expect_error(coco, {"c.json", "images[0].file_name", "absolute path"});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": "../outside.png"}],
      "annotations": [{"image_id": 1, "caption": "x"}]})");
  expect_error(coco, {"c.json", "images[0].file_name", "\"..\""});
  dir.write("c.json", R"({"images": [{"id": 1, "file_name": ""}],
      "annotations": [{"image_id": 1, "caption": "x"}]})");
  expect_error(coco, {"c.json", "images[0].file_name", "empty"});
  dir.write("c.json", R"({"images": [{"filename": "outside.png", "filepath": "..",
      "split": "val", "sentences": [{"raw": "x"}]}]})");
  expect_error(karpathy, {"c.json", "images[0].filepath", "\"..\""});
  dir.write("c.json", R"({"images": [{"filename": "a/../../outside.png", "split": "val",
      "sentences": [{"raw": "x"}]}]})");
  expect_error(karpathy, {"c.json", "images[0].filename", "\"..\""});
  // A name with dots that is not "..", below the folder, is fine.
  save_png(dir.path / "images" / "a..b.png", solid(4, 4, 9, 9, 9));
  dir.write("c.json", R"({"images": [{"filename": "a..b.png", "split": "val",
      "sentences": [{"raw": "x"}]}]})");
  EXPECT_EQ(karpathy().size(), 1);
}

}  // namespace
}  // namespace attn::data
