// Fashion-MNIST composites: the composer picks the objects and writes the captions, this
// file pastes a tinted picture of each item into its cell.
#include "data/fashion_scenes.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/image_resize.h"
#include "data/scene_composer.h"

namespace attn::data {

const std::vector<std::string>& fashion_scene_items() {
  static const std::vector<std::string> v{"tshirt", "trouser", "pullover", "dress", "coat",
                                          "sandal", "shirt",   "sneaker",  "bag",   "boot"};
  return v;
}

const SceneWords& fashion_scene_words() {
  static const SceneWords w{fashion_scene_items(), scene_colours(), scene_sizes()};
  return w;
}

namespace {

constexpr double kVisible = 0.1;  // the grey level (item's maximum = 1) of a visible pixel

// The side, in pixels, of an item drawn at `size` (0 small, 1 large) in a cell of `cell` px.
int item_side(int size, int cell) {
  const int large = std::min(cell - 2, kFashionMnistSide);
  return size == 0 ? (3 * large + 2) / 5 : large;
}

// One split's pictures, indexed by class.
struct Pictures {
  const real* pixels = nullptr;               // [n, 28 * 28] in [0, 1]
  std::vector<std::vector<int64_t>> by_class;  // class -> rows of that class
};

Pictures index_pictures(const FashionMnistSplit& split, const char* which, const char* needed_by) {
  constexpr int64_t kPixels = int64_t(kFashionMnistSide) * kFashionMnistSide;
  ATTN_CHECK(split.size() > 0 && split.images.defined(), "make_fashion_scenes: the ", which,
             " pictures are empty, and ", needed_by, " scenes are made from them; load some");
  ATTN_CHECK(split.images.dim() == 2 && split.images.shape()[0] == split.size() &&
                 split.images.shape()[1] == kPixels,
             "make_fashion_scenes: the ", which, " pictures must be [", split.size(), ", ",
             kPixels, "] (28x28 each), got ", split.images.shape());
  Pictures p;
  p.pixels = split.images.data();
  p.by_class.resize(kFashionMnistClasses);
  const std::vector<real> labels = split.labels.to_vector();
  for (size_t i = 0; i < labels.size(); ++i) {
    const int k = static_cast<int>(labels[i]);
    ATTN_CHECK(k >= 0 && k < kFashionMnistClasses && real(k) == labels[i],
               "make_fashion_scenes: ", which, " label ", i, " is ", labels[i],
               ", not a class id 0..9");
    p.by_class[size_t(k)].push_back(int64_t(i));
  }
  for (int k = 0; k < kFashionMnistClasses; ++k)
    ATTN_CHECK(!p.by_class[size_t(k)].empty(), "make_fashion_scenes: the ", which,
               " pictures hold no ", fashion_mnist_class_names()[size_t(k)], " (class ", k,
               "), and ", needed_by, " scenes may need one; load more of them");
  return p;
}

// Pastes the items of a composed scene into chw (3 x H x W) and sets each object's box.
class FashionPainter {
 public:
  FashionPainter(const FashionScenesOptions& o, Generator& gen) : o_(o), gen_(gen) {}

  void draw(Scene& s, const Pictures& pictures, real* chw) {
    const int H = o_.canvas, W = o_.canvas, cell = o_.canvas / o_.grid;
    std::vector<double> rgb = blank_canvas(o_.canvas);
    for (SceneObject& ob : s.objects) {
      const auto& rows = pictures.by_class[size_t(ob.shape)];
      const int64_t row = rows[size_t(gen_.randint(int64_t(rows.size())))];
      const Image item = picture(pictures.pixels + row * kFashionMnistSide * kFashionMnistSide,
                                 item_side(ob.size, cell));
      const int side = item.width;
      // Jitter the item inside its cell, keeping a pixel of margin where there is room.
      const int slack = std::max(0, (cell - side) / 2 - 1);
      const int x0 = ob.col * cell + (cell - side) / 2 + int(gen_.randint(2 * slack + 1)) - slack;
      const int y0 = ob.row * cell + (cell - side) / 2 + int(gen_.randint(2 * slack + 1)) - slack;
      int brightest = 0;
      for (uint8_t v : item.pixels) brightest = std::max<int>(brightest, v);
      PixelRect box{W, H, 0, 0};
      for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
          const double g = brightest == 0 ? 0.0 : double(item.at(y, x, 0)) / brightest;
          const double a = std::sqrt(g);
          const int X = x0 + x, Y = y0 + y;
          for (int c = 0; c < 3; ++c) {
            double& v = rgb[(size_t(c) * H + Y) * W + X];
            v = v + (kSceneRgb[size_t(ob.colour)][size_t(c)] - v) * a;
          }
          if (g >= kVisible) {
            box.x0 = std::min(box.x0, X), box.y0 = std::min(box.y0, Y);
            box.x1 = std::max(box.x1, X + 1), box.y1 = std::max(box.y1, Y + 1);
          }
        }
      // A blank picture shows nothing; its box is the square it was pasted into, so an
      // object never has an empty box.
      if (box.x1 <= box.x0) box = PixelRect{x0, y0, x0 + side, y0 + side};
      ob.box = box;
    }
    finish_canvas(rgb, o_.noise, gen_, chw);
  }

 private:
  // One 28x28 picture as an 8-bit grey image, resized to side x side.
  static Image picture(const real* pixels, int side) {
    Image im = make_image(kFashionMnistSide, kFashionMnistSide, 1);
    for (size_t i = 0; i < im.pixels.size(); ++i)
      im.pixels[i] = static_cast<uint8_t>(std::lround(std::clamp<double>(pixels[i], 0, 1) * 255));
    return side == kFashionMnistSide ? im : resize_image(im, side, side);
  }

  const FashionScenesOptions& o_;
  Generator& gen_;
};

SceneSplit make_split(SceneComposer& composer, FashionPainter& painter, const Pictures& pictures,
                      Generator& gen, const FashionScenesOptions& o, int64_t n, int min_objects,
                      int max_objects, bool novel) {
  SceneSplit split;
  const int64_t H = o.canvas, W = o.canvas;
  split.images = Tensor::empty({n, 3, H, W});
  for (int64_t i = 0; i < n; ++i) {
    const int k = min_objects + int(gen.randint(max_objects - min_objects + 1));
    Scene s = composer.make_scene(k, novel);
    painter.draw(s, pictures, split.images.data() + i * 3 * H * W);
    split.scenes.push_back(std::move(s));
  }
  return split;
}

}  // namespace

CaptionScenes make_fashion_scenes(const FashionMnist& fm, const FashionScenesOptions& o,
                                  uint64_t seed) {
  ATTN_CHECK(o.canvas >= 16 && o.canvas <= 64 && o.canvas % 8 == 0,
             "make_fashion_scenes: canvas must be a multiple of 8 from 16 to 64 px, got ",
             o.canvas);
  ATTN_CHECK(o.grid >= 2, "make_fashion_scenes: grid must be >= 2, got ", o.grid);
  ATTN_CHECK(o.canvas / o.grid >= 16, "make_fashion_scenes: canvas ", o.canvas, " px over a ",
             o.grid, "x", o.grid, " grid gives cells of ", o.canvas / o.grid,
             " px; make cells at least 16 px (a larger canvas or a coarser grid), or the small "
             "items are too few pixels to tell apart");
  check_scene_counts(o, "make_fashion_scenes", "(colour, item)");

  Generator gen(seed);
  // The composer checks the held-out words before any picture is looked at.
  SceneComposer composer(fashion_scene_words(), o.grid, o.held_out, o.captions_per_scene,
                         "make_fashion_scenes", gen);
  Pictures train_pictures, test_pictures;
  if (o.train > 0) train_pictures = index_pictures(fm.train, "training", "train");
  if (o.val + o.novel + o.crowded > 0)
    test_pictures = index_pictures(fm.test, "test", "val, novel and crowded");
  FashionPainter painter(o, gen);

  CaptionScenes d;
  d.options.canvas = o.canvas;
  d.options.grid = o.grid;
  d.options.min_objects = o.min_objects, d.options.max_objects = o.max_objects;
  d.options.test_objects = o.test_objects;
  d.options.captions_per_scene = o.captions_per_scene;
  d.options.train = o.train, d.options.val = o.val;
  d.options.novel = o.novel, d.options.crowded = o.crowded;
  d.options.held_out = o.held_out;
  d.options.noise = o.noise;
  d.words = fashion_scene_words();
  d.train = make_split(composer, painter, train_pictures, gen, o, o.train, o.min_objects,
                       o.max_objects, false);
  d.val = make_split(composer, painter, test_pictures, gen, o, o.val, o.min_objects,
                     o.max_objects, false);
  d.novel = make_split(composer, painter, test_pictures, gen, o, o.novel, o.min_objects,
                       o.max_objects, true);
  d.crowded = make_split(composer, painter, test_pictures, gen, o, o.crowded, o.test_objects,
                         o.test_objects, false);
  return d;
}

}  // namespace attn::data
