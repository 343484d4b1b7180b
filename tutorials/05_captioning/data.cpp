// Tutorial 05's data: the generated scenes (the main, machine-independent experiment), and
// a captions file a user brings with --data.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "autograd/error.h"
#include "captioning.h"
#include "data/captions_reader.h"
#include "data/fashion_scenes.h"

namespace fs = std::filesystem;
using attn::data::ImageCaptions;

attn::data::Image CaptionData::picture(const CaptionSplit& split, int64_t i) const {
  const int64_t C = split.images.size(1), H = split.images.size(2), W = split.images.size(3);
  const attn::real* x = split.images.data() + i * C * H * W;
  std::vector<float> chw(static_cast<size_t>(C * H * W));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t p = 0; p < H * W; ++p)
      chw[static_cast<size_t>(c * H * W + p)] =
          static_cast<float>(x[c * H * W + p]) * scale[static_cast<size_t>(c)] +
          shift[static_cast<size_t>(c)];
  return attn::data::image_from_chw(chw, static_cast<int>(C), static_cast<int>(H),
                                    static_cast<int>(W), 0.0f, 1.0f);
}

namespace {

CaptionSplit split_of(std::string name, const attn::data::SceneSplit& scenes) {
  CaptionSplit s;
  s.name = std::move(name);
  s.images = scenes.images;
  s.scenes = scenes.scenes;
  for (const auto& scene : scenes.scenes) {
    s.refs.emplace_back();
    for (const auto& c : scene.captions) s.refs.back().push_back(c.tokens);
  }
  return s;
}

void finish(CaptionData& d, int64_t min_count) {
  d.vocab = attn::data::caption_vocab(d.train.refs, min_count);
  d.examples = attn::data::caption_examples(d.train.refs, d.vocab);
}

// Rows `which` of a reader's images and captions, as a split.
CaptionSplit take(std::string name, const attn::data::CaptionedImages& all,
                  const std::vector<int64_t>& which) {
  CaptionSplit s;
  s.name = std::move(name);
  s.images = attn::data::gather_images(all.images, which);
  for (const int64_t i : which) s.refs.push_back(all.captions[static_cast<size_t>(i)]);
  return s;
}

constexpr const char* kWhatDataHolds =
    "--data expects a folder holding one captions file, either COCO-style "
    "({\"images\": [{\"id\", \"file_name\"}], \"annotations\": [{\"image_id\", \"caption\"}]}) "
    "or Karpathy's split file (dataset_flickr8k.json and the like: {\"images\": [{\"filename\", "
    "\"split\", \"sentences\": [{\"tokens\"}]}]}), with the images beside it or in images/ "
    "(or the JSON file itself, its images beside it)";

// The JSON files of DIR (and of DIR/annotations, where COCO keeps them).
std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const fs::path& d : {dir, dir / "annotations"}) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) continue;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CaptionData scene_data(const Settings& s, uint64_t seed) {
  attn::data::CaptionScenesOptions o;
  o.canvas = s.canvas;
  o.grid = s.grid;
  o.max_objects = s.max_objects;
  o.test_objects = s.test_objects;
  o.train = s.train_scenes;
  o.val = o.novel = o.crowded = s.test_scenes;
  const attn::data::CaptionScenes scenes = attn::data::make_caption_scenes(o, seed);
  CaptionData d;
  d.name = "generated scenes (" + std::to_string(s.canvas) + " px, 2-" +
           std::to_string(s.max_objects) + " objects; crowded: " +
           std::to_string(s.test_objects) + ")";
  d.train = split_of("train", scenes.train);
  d.val = split_of("val", scenes.val);
  d.novel = split_of("novel", scenes.novel);
  d.crowded = split_of("crowded", scenes.crowded);
  d.words = scenes.words;
  finish(d, 1);
  return d;
}

std::unique_ptr<CaptionData> fashion_data(const Settings& s, const attn::train::RunOptions& opts) {
  if (!s.fashion || !opts.data_path.empty()) return nullptr;
  const auto dir = attn::data::find_fashion_mnist(std::nullopt);
  if (!dir) {
    std::cout << "\nFashion-MNIST is not installed (Debian's dataset-fashion-mnist, at "
              << attn::data::kFashionMnistDebianDir << "): the second experiment is skipped\n";
    return nullptr;
  }
  // A tenth of the pictures is plenty for a few thousand scenes of 2-4 items.
  const attn::data::FashionMnist fm =
      attn::data::load_fashion_mnist(*dir, {.train_limit = 6000, .test_limit = 2000});
  attn::data::FashionScenesOptions o;
  o.max_objects = s.max_objects;
  o.test_objects = s.test_objects;
  o.train = s.fashion_train_scenes;
  o.val = o.novel = o.crowded = std::min<int64_t>(s.test_scenes, 200);
  const attn::data::CaptionScenes scenes =
      attn::data::make_fashion_scenes(fm, o, opts.seed * 7 + 6);
  auto d = std::make_unique<CaptionData>();
  d->name = "Fashion-MNIST composites (" + std::to_string(o.canvas) + " px, items from " +
            dir->string() + ")";
  d->train = split_of("train", scenes.train);
  d->val = split_of("val", scenes.val);
  d->novel = split_of("novel", scenes.novel);
  d->crowded = split_of("crowded", scenes.crowded);
  d->words = scenes.words;
  finish(*d, 1);
  return d;
}

CaptionData user_data(const Settings& s, const attn::train::RunOptions& opts) {
  const fs::path given = opts.data_path;
  std::error_code ec;
  std::vector<fs::path> candidates =
      fs::is_directory(given, ec) ? json_files(given) : std::vector<fs::path>{given};
  ATTN_CHECK(!candidates.empty(), "--data '", given.string(), "': no .json file there. ",
             kWhatDataHolds);
  // The captions file: the first JSON whose top level has "annotations" (COCO) or whose
  // images carry "sentences" (Karpathy).
  fs::path file;
  bool coco = false;
  for (const fs::path& f : candidates) {
    std::ifstream in(f, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      if (candidates.size() == 1)
        attn::fail(f.string(), ": not valid JSON. ", kWhatDataHolds);
      continue;
    }
    if (!j.is_object() || !j.contains("images")) continue;
    if (j.contains("annotations")) {
      file = f, coco = true;
      break;
    }
    if (j["images"].is_array() && !j["images"].empty() && j["images"][0].is_object() &&
        j["images"][0].contains("sentences")) {
      file = f;
      break;
    }
  }
  ATTN_CHECK(!file.empty(), "--data '", given.string(), "': no captions file found among ",
             candidates.size(), " JSON file(s). ", kWhatDataHolds);
  const fs::path base = file.parent_path().filename() == "annotations"
                            ? file.parent_path().parent_path()
                            : file.parent_path();
  const fs::path image_dir = fs::is_directory(base / "images", ec) ? base / "images" : base;
  attn::data::CaptionImageOptions o;
  o.size = s.data_image_size;
  o.max_images = s.data_max_images;
  std::cout << "reading " << (coco ? "COCO-style" : "Karpathy-split") << " captions "
            << file.string() << ", images from " << image_dir.string() << "\n";
  const attn::data::CaptionedImages all = coco ? attn::data::read_coco_captions(file, image_dir, o)
                                               : attn::data::read_karpathy_captions(file,
                                                                                    image_dir, o);
  ATTN_CHECK(all.size() >= 2, file.string(), ": ", all.size(),
             " captioned image(s); training and evaluation need at least 2");
  // Karpathy's split when the file gives one (train and restval train, val and test
  // evaluate); otherwise the last data_val_share of the images.
  std::vector<int64_t> train, val;
  for (int64_t i = 0; i < all.size(); ++i) {
    const std::string& sp = all.splits[static_cast<size_t>(i)];
    if (sp == "val" || sp == "test") val.push_back(i);
    else if (!sp.empty()) train.push_back(i);
  }
  if (train.empty() || val.empty()) {
    train.clear(), val.clear();
    const int64_t n_val = std::clamp<int64_t>(
        static_cast<int64_t>(s.data_val_share * static_cast<double>(all.size()) + 0.5), 1,
        all.size() - 1);
    for (int64_t i = 0; i < all.size(); ++i) (i < all.size() - n_val ? train : val).push_back(i);
  }
  CaptionData d;
  d.name = "captions from " + file.filename().string() + " (" + std::to_string(all.size()) +
           " images, " + std::to_string(s.data_image_size) + " px)";
  d.train = take("train", all, train);
  d.val = take("val", all, val);
  d.scale = o.std;
  d.shift = o.mean;
  finish(d, s.data_min_count);
  ATTN_CHECK(d.vocab.size() > attn::data::kNumSpecials, "--data: no word of the training "
             "captions is seen data_min_count = ", s.data_min_count, " times; lower it");
  return d;
}
