// Choosing a scene's objects and writing the captions about them.
#include "data/scene_composer.h"

#include <algorithm>

#include "autograd/error.h"

namespace attn::data {

SceneComposer::SceneComposer(SceneWords words, int grid,
                             const std::vector<std::pair<std::string, std::string>>& held_out,
                             int captions_per_scene, std::string maker, Generator& gen)
    : words_(std::move(words)),
      grid_(grid),
      captions_per_scene_(captions_per_scene),
      maker_(std::move(maker)),
      gen_(gen) {
  ATTN_CHECK(!words_.shapes.empty() && !words_.colours.empty() && !words_.sizes.empty(), maker_,
             ": every attribute needs at least one word");
  const size_t n_shapes = words_.shapes.size();
  held_.assign(words_.colours.size() * n_shapes, false);
  for (const auto& [colour, shape] : held_out) {
    const int c = index_of(words_.colours, colour, "colour");
    const int s = index_of(words_.shapes, shape, "shape");
    held_pairs_.emplace_back(c, s);
    held_[size_t(c) * n_shapes + size_t(s)] = true;
  }
  ATTN_CHECK(std::count(held_.begin(), held_.end(), false) > 0, maker_,
             ": the held-out pairs cover every (colour, shape) combination; "
             "nothing is left to train on");
}

int SceneComposer::index_of(const std::vector<std::string>& names, const std::string& name,
                            const char* what) const {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    fail(maker_, ": held-out ", what, " '", name, "' is not one of: ", all);
  }
  return static_cast<int>(it - names.begin());
}

bool SceneComposer::is_held(int colour, int shape) const {
  return held_[size_t(colour) * words_.shapes.size() + size_t(shape)];
}

Scene SceneComposer::make_scene(int n, bool novel) {
  ATTN_CHECK(n >= 2 && n <= grid_ * grid_, maker_, ": ", n,
             " objects do not fit in distinct cells of a ", grid_, "x", grid_, " grid");
  ATTN_CHECK(!novel || !held_pairs_.empty(), maker_,
             ": a novel scene needs at least one held-out (colour, shape) pair");
  Scene s;
  std::vector<int64_t> cells(size_t(grid_) * grid_);
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = int64_t(i);
  // A partial Fisher-Yates: the first n cells are a uniform draw without replacement.
  for (int i = 0; i < n; ++i) {
    const int64_t j = i + gen_.randint(int64_t(cells.size()) - i);
    std::swap(cells[size_t(i)], cells[size_t(j)]);
  }
  const int64_t n_colours = int64_t(words_.colours.size()), n_shapes = int64_t(words_.shapes.size());
  for (int i = 0; i < n; ++i) {
    SceneObject ob;
    for (;;) {
      if (novel && i == 0) {
        const auto& pair = held_pairs_[size_t(gen_.randint(int64_t(held_pairs_.size())))];
        ob.colour = pair.first;
        ob.shape = pair.second;
      } else {
        ob.colour = int(gen_.randint(n_colours));
        ob.shape = int(gen_.randint(n_shapes));
        if (!novel && is_held(ob.colour, ob.shape)) continue;
      }
      ob.size = int(gen_.randint(int64_t(words_.sizes.size())));
      // Two identical objects would make "the red circle" ambiguous: draw again.
      const bool twin = std::any_of(s.objects.begin(), s.objects.end(), [&](const SceneObject& p) {
        return p.shape == ob.shape && p.colour == ob.colour && p.size == ob.size;
      });
      if (!twin) break;
    }
    ob.row = int(cells[size_t(i)] / grid_);
    ob.col = int(cells[size_t(i)] % grid_);
    s.objects.push_back(ob);
  }
  write_captions(s);
  return s;
}

void SceneComposer::write_captions(Scene& s) {
  const int n = int(s.objects.size());
  // Draws repeat captions already written; 40 tries per wanted caption is plenty to find
  // the different ones a scene has (a pair of objects gives at least 2 per relation).
  for (int attempt = 0;
       attempt < 40 * captions_per_scene_ && int(s.captions.size()) < captions_per_scene_;
       ++attempt) {
    const int a = int(gen_.randint(n));
    int b = int(gen_.randint(n - 1));
    if (b >= a) ++b;
    const SceneObject &A = s.objects[size_t(a)], &B = s.objects[size_t(b)];
    std::vector<std::vector<std::string>> relations;
    if (A.col < B.col) relations.push_back({"left", "of"});
    if (A.col > B.col) relations.push_back({"right", "of"});
    if (A.row < B.row) relations.push_back({"above"});
    if (A.row > B.row) relations.push_back({"below"});
    const auto& rel = relations[size_t(gen_.randint(int64_t(relations.size())))];
    SceneCaption c;
    const auto put = [&c](const std::string& w, int object) {
      c.tokens.push_back(w);
      c.object.push_back(object);
    };
    if (gen_.randint(2) == 1) put("there", -1), put("is", -1);
    put("a", -1);
    for (const auto& w : object_phrase(words_, A)) put(w, a);
    for (const auto& w : rel) put(w, -1);
    put("a", -1);
    for (const auto& w : object_phrase(words_, B)) put(w, b);
    const bool seen = std::any_of(s.captions.begin(), s.captions.end(),
                                  [&](const SceneCaption& d) { return d.tokens == c.tokens; });
    if (!seen) s.captions.push_back(std::move(c));
  }
}

std::vector<double> blank_canvas(int side) {
  const size_t plane = size_t(side) * size_t(side);
  std::vector<double> rgb(3 * plane);
  for (size_t c = 0; c < 3; ++c)
    std::fill(rgb.begin() + c * plane, rgb.begin() + (c + 1) * plane, kSceneBackground[c]);
  return rgb;
}

void finish_canvas(const std::vector<double>& rgb, double noise, Generator& gen, real* chw) {
  for (size_t i = 0; i < rgb.size(); ++i) {
    const double v = std::clamp(rgb[i] + noise * gen.normal(), 0.0, 1.0);
    chw[i] = static_cast<real>((v - 0.5) / 0.5);
  }
}

}  // namespace attn::data
