// Fashion-MNIST composites: on a tiny IDX set the test writes (training pictures are solid
// rectangles, test pictures hollow frames, so a scene shows which split it came from), then
// on Debian's real files when they are installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/fashion_scenes.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"

namespace attn::data {
namespace {

namespace fs = std::filesystem;
using attn::testing::TempDir;

void put_u32(std::string& out, uint32_t v) {  // big-endian, as IDX stores it
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Picture i of class i % 10: a rectangle from column 4 to 14 + class, rows 3 to 25; solid
// in the training file, a 6-px frame (hollow middle) in the test file.
std::string idx_images(uint32_t count, bool hollow) {
  std::string out;
  put_u32(out, kIdxImagesMagic);
  put_u32(out, count);
  put_u32(out, 28);
  put_u32(out, 28);
  for (uint32_t i = 0; i < count; ++i) {
    const int x1 = 14 + int(i % 10);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const bool in = x >= 4 && x < x1 && y >= 3 && y < 25;
        const bool middle = x >= 10 && x < x1 - 6 && y >= 9 && y < 19;
        out.push_back(static_cast<char>(in && !(hollow && middle) ? 200 + (x + y) % 50 : 0));
      }
  }
  return out;
}

std::string idx_labels(uint32_t count) {
  std::string out;
  put_u32(out, kIdxLabelsMagic);
  put_u32(out, count);
  for (uint32_t i = 0; i < count; ++i) out.push_back(static_cast<char>(i % 10));
  return out;
}

// Loads the tiny set the test writes: 30 training and 20 test pictures.
FashionMnist tiny_fashion_mnist(const TempDir& tmp) {
  tmp.write("train-images-idx3-ubyte", idx_images(30, false));
  tmp.write("train-labels-idx1-ubyte", idx_labels(30));
  tmp.write("t10k-images-idx3-ubyte", idx_images(20, true));
  tmp.write("t10k-labels-idx1-ubyte", idx_labels(20));
  return load_fashion_mnist(tmp.path);
}

FashionScenesOptions small() {
  FashionScenesOptions o;
  o.train = 40, o.val = 10, o.novel = 20, o.crowded = 10;
  return o;
}

bool is_held(const SceneObject& ob, const FashionScenesOptions& o) {
  for (const auto& [c, s] : o.held_out)
    if (scene_colours()[size_t(ob.colour)] == c && fashion_scene_items()[size_t(ob.shape)] == s)
      return true;
  return false;
}

TEST(FashionScenes, WordsAreOneWordNounsInClassOrder) {
  EXPECT_EQ(fashion_scene_items(),
            (std::vector<std::string>{"tshirt", "trouser", "pullover", "dress", "coat", "sandal",
                                      "shirt", "sneaker", "bag", "boot"}));
  EXPECT_EQ(fashion_scene_words().shapes, fashion_scene_items());
  EXPECT_EQ(fashion_scene_words().colours, scene_colours());
  EXPECT_EQ(fashion_scene_words().sizes, scene_sizes());
}

TEST(FashionScenes, SameSeedSameScenesOtherSeedOthers) {
  TempDir tmp;
  const FashionMnist fm = tiny_fashion_mnist(tmp);
  const CaptionScenes a = make_fashion_scenes(fm, small(), 3), b = make_fashion_scenes(fm, small(), 3);
  const CaptionScenes c = make_fashion_scenes(fm, small(), 4);
  EXPECT_EQ(a.train.images.to_vector(), b.train.images.to_vector());
  EXPECT_EQ(a.crowded.images.to_vector(), b.crowded.images.to_vector());
  EXPECT_EQ(a.novel.scenes[5].captions[0].tokens, b.novel.scenes[5].captions[0].tokens);
  EXPECT_EQ(a.val.scenes[2].objects[1].box, b.val.scenes[2].objects[1].box);
  EXPECT_NE(a.train.images.to_vector(), c.train.images.to_vector());
}

TEST(FashionScenes, SplitsShapesRangesCountsAndHeldOutPairs) {
  TempDir tmp;
  const FashionMnist fm = tiny_fashion_mnist(tmp);
  const FashionScenesOptions o = small();
  const CaptionScenes d = make_fashion_scenes(fm, o, 1);
  EXPECT_EQ(d.words.shapes, fashion_scene_items());
  EXPECT_EQ(d.options.canvas, 64);
  EXPECT_EQ(d.options.held_out, o.held_out);
  EXPECT_EQ(d.train.images.shape(), (Shape{40, 3, 64, 64}));
  EXPECT_EQ(d.val.images.shape(), (Shape{10, 3, 64, 64}));
  EXPECT_EQ(d.novel.images.shape(), (Shape{20, 3, 64, 64}));
  EXPECT_EQ(d.crowded.images.shape(), (Shape{10, 3, 64, 64}));
  for (real v : d.train.images.to_vector()) {
    ASSERT_GE(v, -1.0f);
    ASSERT_LE(v, 1.0f);
  }
  std::set<size_t> counts;
  for (const Scene& s : d.train.scenes) counts.insert(s.objects.size());
  EXPECT_EQ(counts, (std::set<size_t>{2, 3}));
  for (const Scene& s : d.crowded.scenes) EXPECT_EQ(s.objects.size(), 4u);
  for (const SceneSplit* split : {&d.train, &d.val, &d.crowded})
    for (const Scene& s : split->scenes)
      for (const SceneObject& ob : s.objects) ASSERT_FALSE(is_held(ob, o));
  for (const Scene& s : d.novel.scenes) EXPECT_TRUE(is_held(s.objects[0], o));
}

// Every reference is "[there is] a <size> <colour> <item> <relation> a <size> <colour>
// <item>", true of the cells; each of its item words grounds, through the scenes' words, to
// the object it was written about, and so does the whole caption.
TEST(FashionScenes, CaptionsAreTrueAndEveryItemWordGroundsToItsObject) {
  TempDir tmp;
  const FashionMnist fm = tiny_fashion_mnist(tmp);
  const CaptionScenes d = make_fashion_scenes(fm, small(), 2);
  int item_words = 0;
  for (const SceneSplit* split : {&d.train, &d.val, &d.novel, &d.crowded})
    for (const Scene& s : split->scenes) {
      ASSERT_GE(s.captions.size(), 2u);
      for (const SceneCaption& c : s.captions) {
        const std::vector<int> grounded = ground_caption(d.words, s, c.tokens);
        ASSERT_EQ(grounded, c.object);
        std::vector<int> named;
        for (size_t t = 0; t < c.tokens.size(); ++t) {
          const auto& items = fashion_scene_items();
          const auto it = std::find(items.begin(), items.end(), c.tokens[t]);
          if (it == items.end()) continue;
          ++item_words;
          ASSERT_GE(c.object[t], 0) << c.tokens[t];
          const SceneObject& ob = s.objects[size_t(c.object[t])];
          EXPECT_EQ(ob.shape, int(it - items.begin()));
          EXPECT_EQ(grounded[t], c.object[t]);
          // The two words before the item are its size and colour.
          ASSERT_GE(t, 2u);
          EXPECT_EQ(c.tokens[t - 1], scene_colours()[size_t(ob.colour)]);
          EXPECT_EQ(c.tokens[t - 2], scene_sizes()[size_t(ob.size)]);
          named.push_back(c.object[t]);
        }
        ASSERT_EQ(named.size(), 2u);
        const SceneObject &A = s.objects[size_t(named[0])], &B = s.objects[size_t(named[1])];
        std::string joined;
        for (const auto& w : c.tokens) joined += w + " ";
        const auto says = [&joined](const char* w) { return joined.find(w) != std::string::npos; };
        EXPECT_TRUE(!says("left of") || A.col < B.col) << joined;
        EXPECT_TRUE(!says("right of") || A.col > B.col) << joined;
        EXPECT_TRUE(!says("above") || A.row < B.row) << joined;
        EXPECT_TRUE(!says("below") || A.row > B.row) << joined;
      }
    }
  EXPECT_GT(item_words, 300);
}

// The box is tight around the item's visible pixels and inside its cell; outside the boxes
// the canvas is background; training scenes show solid pictures, the others hollow ones.
TEST(FashionScenes, BoxesHoldTheItemsAndSplitsUseTheirOwnPictures) {
  TempDir tmp;
  const FashionMnist fm = tiny_fashion_mnist(tmp);
  FashionScenesOptions o = small();
  o.noise = 0;
  const CaptionScenes d = make_fashion_scenes(fm, o, 5);
  const int H = 64, W = 64, cell = 64 / 3;
  const auto brightest = [&](const real* img, int y, int x) {
    real m = -1;
    for (int c = 0; c < 3; ++c) m = std::max(m, img[(c * H + y) * W + x]);
    return m;
  };
  const real background = real((0.08 - 0.5) / 0.5);
  for (const SceneSplit* split : {&d.train, &d.val}) {
    const bool hollow = split == &d.val;
    for (int64_t i = 0; i < split->size(); ++i) {
      const real* img = split->images.data() + i * 3 * H * W;
      const Scene& s = split->scenes[size_t(i)];
      for (const SceneObject& ob : s.objects) {
        const PixelRect& b = ob.box;
        ASSERT_GT(b.area(), 0);
        EXPECT_GE(b.x0, ob.col * cell);
        EXPECT_LE(b.x1, (ob.col + 1) * cell);
        EXPECT_GE(b.y0, ob.row * cell);
        EXPECT_LE(b.y1, (ob.row + 1) * cell);
        // Tight: every edge row and column of the box holds a coloured pixel.
        bool top = false, bottom = false, left = false, right = false;
        for (int x = b.x0; x < b.x1; ++x) {
          top = top || brightest(img, b.y0, x) > background + 0.2f;
          bottom = bottom || brightest(img, b.y1 - 1, x) > background + 0.2f;
        }
        for (int y = b.y0; y < b.y1; ++y) {
          left = left || brightest(img, y, b.x0) > background + 0.2f;
          right = right || brightest(img, y, b.x1 - 1) > background + 0.2f;
        }
        EXPECT_TRUE(top && bottom && left && right);
        // The middle of a hollow frame is background, of a solid rectangle coloured. Frames
        // of narrow classes have a hole too small to survive the resizing: look at the
        // widest ones only.
        if (ob.shape >= 8 && ob.size == 1) {
          const int cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
          EXPECT_EQ(brightest(img, cy, cx) <= background + 0.05f, hollow)
              << "class " << ob.shape << " at " << cx << "," << cy;
        }
        // Large items are larger.
        if (ob.size == 1) {
          EXPECT_GE(b.y1 - b.y0, 14);
        } else {
          EXPECT_LE(b.y1 - b.y0, 11);
        }
      }
      // Outside every box, nothing is brighter than a pixel that is not visible (grey level
      // under 0.1, so tinted by under sqrt(0.1) of the brightest colour).
      const real faint = real((0.08 + std::sqrt(0.1) * (0.95 - 0.08) - 0.5) / 0.5);
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
          bool in_box = false;
          for (const SceneObject& ob : s.objects)
            in_box = in_box || (x >= ob.box.x0 && x < ob.box.x1 && y >= ob.box.y0 && y < ob.box.y1);
          if (!in_box) {
            ASSERT_LT(brightest(img, y, x), faint) << x << "," << y;
          }
        }
    }
  }
}

TEST(FashionScenes, ErrorsNameTheProblem) {
  TempDir tmp;
  const FashionMnist fm = tiny_fashion_mnist(tmp);
  const auto error_with = [&](const FashionScenesOptions& o, const std::string& words) {
    try {
      make_fashion_scenes(fm, o, 1);
      ADD_FAILURE() << "no error for " << words;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  FashionScenesOptions o = small();
  o.canvas = 60;
  error_with(o, "multiple of 8");
  o.canvas = 72;
  error_with(o, "multiple of 8 from 16 to 64");
  o = small();
  o.grid = 4;  // 16 px cells fit; 5 would not
  EXPECT_NO_THROW(make_fashion_scenes(fm, o, 1));
  o.grid = 5;
  error_with(o, "cells of 12 px");
  o = small();
  o.held_out = {{"red", "hat"}};
  error_with(o, "'hat' is not one of: tshirt, trouser");
  o.held_out = {{"purple", "bag"}};
  error_with(o, "'purple'");
  o = small();
  o.test_objects = 10;
  error_with(o, "10 objects do not fit");
  o = small();
  o.noise = -1;
  error_with(o, "noise");

  // A test file with no bag: val, novel and crowded cannot be made, train can.
  FashionMnist no_bag = fm;
  std::vector<real> labels = fm.test.labels.to_vector();
  for (real& l : labels)
    if (l == 8) l = 9;
  no_bag.test.labels = Tensor::from_vector(labels, {int64_t(labels.size())});
  o = small();
  try {
    make_fashion_scenes(no_bag, o, 1);
    ADD_FAILURE() << "no error without bags";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test pictures hold no Bag (class 8)"), std::string::npos)
        << e.what();
  }
  o.val = o.novel = o.crowded = 0;
  EXPECT_EQ(make_fashion_scenes(no_bag, o, 1).train.size(), 40);

  // Pictures that are not 28x28.
  FashionMnist odd = fm;
  odd.train.images = Tensor::zeros({30, 100});
  try {
    make_fashion_scenes(odd, small(), 1);
    ADD_FAILURE() << "no error for 10x10 pictures";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("28x28"), std::string::npos) << e.what();
  }
}

// Debian's dataset-fashion-mnist, when installed: real pictures make scenes whose captions
// ground and whose boxes have the shapes of the clothes (trousers tall, bags and sandals not).
TEST(FashionScenes, RealFashionMnistWhenInstalled) {
  const fs::path dir = kFashionMnistDebianDir;
  if (!fashion_mnist_file(dir, "train-images-idx3-ubyte") ||
      !fashion_mnist_file(dir, "t10k-images-idx3-ubyte"))
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << dir
                 << " (Debian: apt-get install dataset-fashion-mnist)";
  const FashionMnist fm = load_fashion_mnist(dir, {.train_limit = 2000, .test_limit = 1000});
  FashionScenesOptions o;
  o.train = 300, o.val = 50, o.novel = 50, o.crowded = 50;
  const CaptionScenes d = make_fashion_scenes(fm, o, 11);
  EXPECT_EQ(d.train.images.shape(), (Shape{300, 3, 64, 64}));
  double trouser_aspect = 0, wide_aspect = 0;
  int trousers = 0, wide = 0;
  for (const SceneSplit* split : {&d.train, &d.val, &d.novel, &d.crowded})
    for (const Scene& s : split->scenes) {
      for (const SceneCaption& c : s.captions) ASSERT_EQ(ground_caption(d.words, s, c.tokens), c.object);
      for (const SceneObject& ob : s.objects) {
        ASSERT_GT(ob.box.area(), 0);
        const double aspect = double(ob.box.y1 - ob.box.y0) / (ob.box.x1 - ob.box.x0);
        if (ob.shape == 1) trouser_aspect += aspect, ++trousers;
        if (ob.shape == 5 || ob.shape == 8) wide_aspect += aspect, ++wide;
      }
    }
  ASSERT_GT(trousers, 10);
  ASSERT_GT(wide, 10);
  EXPECT_GT(trouser_aspect / trousers, 1.5);
  EXPECT_LT(wide_aspect / wide, 1.0);
}

}  // namespace
}  // namespace attn::data
