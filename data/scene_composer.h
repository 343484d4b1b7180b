#pragma once
// What every maker of captioned scenes shares, whatever it draws: which objects a
// scene holds, in which grid cells, and the reference captions about them. The
// generated scenes (data/scenes.h) paint shapes where it puts them; the Fashion-MNIST
// composites (data/fashion_scenes.h) paste clothes there. Both then fill each
// object's box.
//
//   SceneComposer composer(words, grid, held_out, captions_per_scene, "my_scenes", gen);
//   Scene s = composer.make_scene(3, /*novel=*/false);   // objects and captions, boxes empty
//
// Objects: n distinct grid cells drawn uniformly; each object's shape and colour drawn
// uniformly among the combinations that are not held out (or, for the first object of a
// novel scene, among the held-out ones), its size uniformly; no two objects of a scene
// are identical, so "the small red circle" always names one of them.
//
// Captions, each about an ordered pair (A, B) of different objects:
//   [there is] a <size A> <colour A> <shape A> <relation> a <size B> <colour B> <shape B>
// with relation in {left of, right of, above, below}, true of their cells (when both
// row and column differ, one of the two true relations is drawn). Up to
// captions_per_scene different ones; every token knows the object it names.
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/scenes.h"

namespace attn::data {

class SceneComposer {
 public:
  // held_out: (colour, shape) word pairs never drawn outside novel scenes. Throws
  // attn::Error, naming `maker`, for a held-out word not in `words`, held-out pairs that
  // cover every combination, or empty word lists.
  SceneComposer(SceneWords words, int grid,
                const std::vector<std::pair<std::string, std::string>>& held_out,
                int captions_per_scene, std::string maker, Generator& gen);

  // n objects in distinct cells (n <= grid * grid), and their captions; the boxes are
  // left empty for the caller's drawing. novel: the first object is a held-out
  // combination (there must be one), otherwise none is.
  Scene make_scene(int n, bool novel);

  bool is_held(int colour, int shape) const;
  const SceneWords& words() const { return words_; }

 private:
  void write_captions(Scene& s);
  int index_of(const std::vector<std::string>& names, const std::string& name,
               const char* what) const;

  SceneWords words_;
  int grid_;
  int captions_per_scene_;
  std::string maker_;
  Generator& gen_;
  std::vector<std::pair<int, int>> held_pairs_;  // (colour id, shape id)
  std::vector<bool> held_;                       // [colour * shapes + shape]
};

// The palette both kinds of scene paint with, so a "red" looks alike in both: RGB in [0, 1]
// of each colour id (red, green, blue, yellow), and of the background.
inline constexpr std::array<std::array<double, 3>, 4> kSceneRgb{
    {{0.90, 0.15, 0.15}, {0.15, 0.80, 0.20}, {0.20, 0.30, 0.95}, {0.95, 0.85, 0.10}}};
inline constexpr std::array<double, 3> kSceneBackground{0.08, 0.08, 0.08};

// A side x side canvas, channels first (3 x side x side), filled with the background.
std::vector<double> blank_canvas(int side);
// The painted canvas into chw: Gaussian noise of std `noise` added, clamped to [0, 1], and
// stored as (v - 0.5) / 0.5, so the image spans [-1, 1].
void finish_canvas(const std::vector<double>& rgb, double noise, Generator& gen, real* chw);

// The checks of the options every scene maker shares (object counts, captions, split
// sizes, noise, held-out pairs), with `op` naming the maker in the messages and `pair`
// the held-out pair's kind, e.g. "(colour, shape)". O: CaptionScenesOptions or
// FashionScenesOptions; each maker checks its canvas and grid itself.
template <typename O>
void check_scene_counts(const O& o, const char* op, const char* pair) {
  ATTN_CHECK(o.min_objects >= 2 && o.min_objects <= o.max_objects, op,
             ": need 2 <= min_objects <= max_objects, got ", o.min_objects, " and ",
             o.max_objects);
  ATTN_CHECK(o.test_objects >= 2, op, ": test_objects must be >= 2, got ", o.test_objects);
  ATTN_CHECK(std::max(o.max_objects, o.test_objects) <= o.grid * o.grid, op, ": ",
             std::max(o.max_objects, o.test_objects), " objects do not fit in distinct cells of a ",
             o.grid, "x", o.grid, " grid");
  ATTN_CHECK(o.captions_per_scene >= 1, op, ": captions_per_scene must be >= 1");
  ATTN_CHECK(o.train >= 0 && o.val >= 0 && o.novel >= 0 && o.crowded >= 0, op,
             ": scene counts must be >= 0");
  ATTN_CHECK(o.noise >= 0, op, ": noise must be >= 0, got ", o.noise);
  ATTN_CHECK(o.novel == 0 || !o.held_out.empty(), op,
             ": novel scenes need at least one held-out ", pair, " pair");
}

}  // namespace attn::data
