// Fuzzes the captions reader (data/captions_reader.h): the input is the captions JSON, read
// in both layouts (COCO and Karpathy's splits) against a small image folder the harness
// writes once: a.png (RGB), b.png (grey), sub/c.png (RGBA, for Karpathy's "filepath") and
// bad.png (not an image). The seed corpus names these files, so mutations reach the image
// loading, the resizing and the normalisation, not only the JSON checks.
// The input's length picks the options a run uses (split, max_images), so the corpus
// covers them without a format of its own.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/captions_reader.h"
#include "data/image_io.h"
#include "fuzz/fuzz_target.h"

namespace {

namespace fs = std::filesystem;

// A w x h image whose pixels vary, so the resizing has something to average.
attn::data::Image pattern(int w, int h, int channels) {
  attn::data::Image im = attn::data::make_image(w, h, channels);
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = std::uint8_t(i * 37 % 256);
  return im;
}

// The folder of images, written once per process beside the harness's input files.
fs::path image_folder() {
  static const fs::path dir = [] {
    const auto put = [](const attn::data::Image& im, const std::string& name) {
      const std::vector<std::uint8_t> png = attn::data::encode_png(im);
      return attn::fuzz::as_file(png, name);
    };
    const fs::path root = put(pattern(5, 4, 3), "a.png").parent_path();
    put(pattern(3, 3, 1), "b.png");
    fs::create_directories(root / "sub");
    put(pattern(6, 2, 4), "sub/c.png");
    const std::string junk = "not an image";
    attn::fuzz::as_file({reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()},
                        "bad.png");
    return root;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path images = image_folder();
  const fs::path json = attn::fuzz::as_file({data, size}, "captions.json");
  attn::data::CaptionImageOptions o;
  o.size = 4;
  o.max_images = int64_t(size % 3);               // 0 = all
  o.split = size % 2 == 1 ? "train" : "";         // Karpathy only
  const auto check = [](const attn::data::CaptionedImages& d) {
    // Everything the reader returns describes the same images.
    const auto n = size_t(d.size());
    if (d.captions.size() != n || d.raw.size() != n || d.ids.size() != n ||
        d.splits.size() != n || d.images.shape()[0] != d.size())
      std::abort();
    for (size_t i = 0; i < n; ++i)
      if (d.captions[i].empty() || d.captions[i].size() != d.raw[i].size()) std::abort();
  };
  attn::fuzz::expect_clean([&] { check(attn::data::read_coco_captions(json, images, o)); });
  attn::fuzz::expect_clean([&] { check(attn::data::read_karpathy_captions(json, images, o)); });
  return 0;
}
