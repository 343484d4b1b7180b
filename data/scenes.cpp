// Captioned scenes: draw the objects, then write captions about pairs of them.
#include "data/scenes.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/scene_composer.h"

namespace attn::data {

const std::vector<std::string>& scene_shapes() {
  static const std::vector<std::string> v{"circle", "square", "triangle"};
  return v;
}
const std::vector<std::string>& scene_colours() {
  static const std::vector<std::string> v{"red", "green", "blue", "yellow"};
  return v;
}
const std::vector<std::string>& scene_sizes() {
  static const std::vector<std::string> v{"small", "large"};
  return v;
}

const SceneWords& generated_scene_words() {
  static const SceneWords w{scene_shapes(), scene_colours(), scene_sizes()};
  return w;
}

std::vector<std::string> object_phrase(const SceneWords& words, const SceneObject& o) {
  const auto word = [](const std::vector<std::string>& names, int id, const char* what) {
    ATTN_CHECK(id >= 0 && size_t(id) < names.size(), "object_phrase: ", what, " id ", id,
               " is outside the ", names.size(), " words of the scenes");
    return names[size_t(id)];
  };
  return {word(words.sizes, o.size, "size"), word(words.colours, o.colour, "colour"),
          word(words.shapes, o.shape, "shape")};
}

std::vector<std::string> object_phrase(const SceneObject& o) {
  return object_phrase(generated_scene_words(), o);
}

std::vector<int> ground_caption(const SceneWords& words, const Scene& scene,
                                const std::vector<std::string>& tokens) {
  const auto id = [](const std::vector<std::string>& names, const std::string& w) {
    const auto it = std::find(names.begin(), names.end(), w);
    return it == names.end() ? -1 : int(it - names.begin());
  };
  std::vector<int> object(tokens.size(), -1);
  size_t start = 0;  // first token of the current run of size/colour words
  int size = -1, colour = -1;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const int s = id(words.sizes, tokens[t]), c = id(words.colours, tokens[t]);
    const int shape = id(words.shapes, tokens[t]);
    if (s >= 0 || c >= 0) {
      if (size < 0 && colour < 0) start = t;
      if (s >= 0) size = s;
      if (c >= 0) colour = c;
      continue;
    }
    if (shape >= 0) {
      if (size < 0 && colour < 0) start = t;
      int found = -1, matches = 0;
      for (size_t k = 0; k < scene.objects.size(); ++k) {
        const SceneObject& o = scene.objects[k];
        if (o.shape == shape && (size < 0 || o.size == size) && (colour < 0 || o.colour == colour))
          found = int(k), ++matches;
      }
      if (matches == 1)
        for (size_t u = start; u <= t; ++u) object[u] = found;
    }
    size = colour = -1;  // any other word ends the phrase
  }
  return object;
}

std::vector<int> ground_caption(const Scene& scene, const std::vector<std::string>& tokens) {
  return ground_caption(generated_scene_words(), scene, tokens);
}

namespace {

// Half the side of an object's drawing, in pixels, for a grid cell of `cell` px.
int half_extent(int size, int cell) {
  return size == 0 ? cell / 5 : (2 * cell) / 5;
}

// Is pixel (x, y) inside the shape centred at (cx, cy) with half extent r?
bool inside(int shape, int x, int y, int cx, int cy, int r) {
  const int dx = x - cx, dy = y - cy;
  switch (shape) {
    case 0:  // circle
      return dx * dx + dy * dy <= r * r + r;
    case 1:  // square
      return std::abs(dx) <= r && std::abs(dy) <= r;
    default: {  // triangle, apex up: the half width grows from 0 at the top to r at the bottom
      if (dy < -r || dy > r) return false;
      const double half_width = double(dy + r) / 2.0;
      return std::abs(dx) <= half_width;
    }
  }
}

// Paints the composer's scenes as coloured shapes.
class ScenePainter {
 public:
  ScenePainter(const CaptionScenesOptions& o, Generator& gen) : o_(o), gen_(gen) {}

  // Paints the scene into chw (3 x H x W, already sized) and sets each object's box.
  void draw(Scene& s, real* chw) {
    const int H = o_.canvas, W = o_.canvas, cell = o_.canvas / o_.grid;
    std::vector<double> rgb = blank_canvas(o_.canvas);
    for (SceneObject& ob : s.objects) {
      const int r = half_extent(ob.size, cell);
      // Jitter the centre inside the cell, keeping a pixel of margin.
      const int slack = std::max(0, cell / 2 - r - 1);
      const int cx = ob.col * cell + cell / 2 + int(gen_.randint(2 * slack + 1)) - slack;
      const int cy = ob.row * cell + cell / 2 + int(gen_.randint(2 * slack + 1)) - slack;
      PixelRect box{W, H, 0, 0};
      for (int y = std::max(0, cy - r); y <= std::min(H - 1, cy + r); ++y)
        for (int x = std::max(0, cx - r); x <= std::min(W - 1, cx + r); ++x) {
          if (!inside(ob.shape, x, y, cx, cy, r)) continue;
          for (int c = 0; c < 3; ++c)
            rgb[(size_t(c) * H + y) * W + x] = kSceneRgb[size_t(ob.colour)][size_t(c)];
          box.x0 = std::min(box.x0, x), box.y0 = std::min(box.y0, y);
          box.x1 = std::max(box.x1, x + 1), box.y1 = std::max(box.y1, y + 1);
        }
      ob.box = box;
    }
    finish_canvas(rgb, o_.noise, gen_, chw);
  }

 private:
  const CaptionScenesOptions& o_;
  Generator& gen_;
};

SceneSplit make_split(SceneComposer& composer, ScenePainter& painter, Generator& gen,
                      const CaptionScenesOptions& o, int64_t n, int min_objects, int max_objects,
                      bool novel) {
  SceneSplit split;
  const int64_t H = o.canvas, W = o.canvas;
  split.images = Tensor::empty({n, 3, H, W});
  for (int64_t i = 0; i < n; ++i) {
    const int k = min_objects + int(gen.randint(max_objects - min_objects + 1));
    Scene s = composer.make_scene(k, novel);
    painter.draw(s, split.images.data() + i * 3 * H * W);
    split.scenes.push_back(std::move(s));
  }
  return split;
}

}  // namespace

CaptionScenes make_caption_scenes(const CaptionScenesOptions& o, uint64_t seed) {
  ATTN_CHECK(o.grid >= 2, "make_caption_scenes: grid must be >= 2, got ", o.grid);
  ATTN_CHECK(o.canvas / o.grid >= 12, "make_caption_scenes: canvas ", o.canvas, " px over a ",
             o.grid, "x", o.grid, " grid gives cells of ", o.canvas / o.grid,
             " px; make cells at least 12 px (a larger canvas or a coarser grid)");
  check_scene_counts(o, "make_caption_scenes", "(colour, shape)");

  Generator gen(seed);
  SceneComposer composer(generated_scene_words(), o.grid, o.held_out, o.captions_per_scene,
                         "make_caption_scenes", gen);
  ScenePainter painter(o, gen);
  CaptionScenes d;
  d.options = o;
  d.words = generated_scene_words();
  d.train = make_split(composer, painter, gen, o, o.train, o.min_objects, o.max_objects, false);
  d.val = make_split(composer, painter, gen, o, o.val, o.min_objects, o.max_objects, false);
  d.novel = make_split(composer, painter, gen, o, o.novel, o.min_objects, o.max_objects, true);
  d.crowded =
      make_split(composer, painter, gen, o, o.crowded, o.test_objects, o.test_objects, false);
  return d;
}

}  // namespace attn::data
