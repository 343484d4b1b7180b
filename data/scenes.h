#pragma once
// Captioned scenes made by code: the default data of the captioning tutorial.
// Each scene is a small canvas with 2-3 objects (shape x colour x size) placed
// in distinct cells of a coarse grid, and several reference captions that say
// what is where:
//
//   "a small red circle left of a large blue square"
//   "there is a large blue square right of a small red circle"
//
// Every caption token knows which object it names (the size, colour and shape
// words of a noun phrase name that object; "a", "left", "of" name none), and
// every object knows its bounding box, so attention can be scored word by word
// (train/metrics/attention_correctness.h).
//
// Four splits, all drawn from one seed:
//   train     2..max_objects objects, never a held-out combination (by default
//             no red triangle and no blue circle appears in training)
//   val       the same distribution as train
//   novel     every scene holds at least one held-out combination: can the
//             model name a red triangle it has only seen as red things and triangles?
//   crowded   test_objects objects (more than training ever shows), no held-out
//             combination: does attention still find the object it names?
//
// Images: [N, 3, H, W] floats, each colour value v in [0, 1] stored as
// (v - 0.5) / 0.5, so the canvas spans [-1, 1] (image_from_chw(..., -1, 1)
// turns one back into pixels).
//
//   data::CaptionScenes d = data::make_caption_scenes({}, /*seed=*/1);
//   d.train.images;                         // [N, 3, 48, 48]
//   d.train.scenes[0].captions[0].tokens;   // {"a", "small", "red", "circle", ...}
//   d.train.scenes[0].captions[0].object;   // {-1, 0, 0, 0, -1, -1, -1, 1, 1, 1}
//
// The same options and seed give the same scenes on every platform
// (attn::Generator), independent of the global generator's state.
//
// Other pictures can be scenes too (data/fashion_scenes.h composes Fashion-MNIST
// items): a SceneObject's shape, colour and size are ids into that dataset's own
// SceneWords, which CaptionScenes::words carries, so code that grounds captions
// with ground_caption(d.words, scene, tokens) works on every kind of scene.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace attn::data {

// The attribute vocabularies, in id order.
const std::vector<std::string>& scene_shapes();   // circle, square, triangle
const std::vector<std::string>& scene_colours();  // red, green, blue, yellow
const std::vector<std::string>& scene_sizes();    // small, large

// The attribute words of one kind of scene, in id order: SceneObject's shape, colour and
// size index them.
struct SceneWords {
  std::vector<std::string> shapes, colours, sizes;
};

// The words of the generated scenes: scene_shapes(), scene_colours(), scene_sizes().
const SceneWords& generated_scene_words();

// A pixel rectangle, half-open: columns x0..x1-1, rows y0..y1-1.
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int area() const { return (x1 - x0) * (y1 - y0); }
  friend bool operator==(const PixelRect&, const PixelRect&) = default;
};

struct SceneObject {
  int shape = 0, colour = 0, size = 0;  // ids into the scenes' SceneWords
  int row = 0, col = 0;                 // its grid cell
  PixelRect box;                        // the pixels its drawing covers (tight)
};

struct SceneCaption {
  std::vector<std::string> tokens;  // lower case, no <bos>/<eos>
  std::vector<int> object;          // per token: the index of the object it names, or -1
};

struct Scene {
  std::vector<SceneObject> objects;
  std::vector<SceneCaption> captions;  // the references, all different
};

struct SceneSplit {
  Tensor images;  // [N, 3, H, W], values in [-1, 1]
  std::vector<Scene> scenes;
  int64_t size() const { return static_cast<int64_t>(scenes.size()); }
};

struct CaptionScenesOptions {
  int canvas = 48;                       // H = W, pixels
  int grid = 3;                          // objects sit in distinct cells of a grid x grid layout
  int min_objects = 2, max_objects = 3;  // train, val and novel
  int test_objects = 4;                  // crowded
  int captions_per_scene = 5;
  int64_t train = 2000, val = 200, novel = 200, crowded = 200;  // scenes per split
  // (colour, shape) names never drawn in train or val; each novel scene has one.
  std::vector<std::pair<std::string, std::string>> held_out = {{"red", "triangle"},
                                                               {"blue", "circle"}};
  double noise = 0.02;  // std of the Gaussian pixel noise, on the [0, 1] scale
};

struct CaptionScenes {
  SceneSplit train, val, novel, crowded;
  CaptionScenesOptions options;
  SceneWords words;  // what the objects' ids mean: generated_scene_words() here
};

// Throws attn::Error for a canvas too small for its grid (cells under 12 px), fewer
// than 2 objects, more objects than grid cells, a held-out name that is not an
// attribute, held-out pairs covering every combination, or counts < 0.
CaptionScenes make_caption_scenes(const CaptionScenesOptions& options, uint64_t seed);

// The phrase naming an object in the scenes' words, e.g. {"small", "red", "circle"}.
// Throws attn::Error for an id outside the word lists.
std::vector<std::string> object_phrase(const SceneWords& words, const SceneObject& object);
// The same in the generated scenes' words.
std::vector<std::string> object_phrase(const SceneObject& object);

// Grounds a caption a model wrote: per token, the index of the scene's object it names, or
// -1. A noun phrase is a run of size/colour words ending in a shape word; it names the
// object with exactly those attributes (a scene holds no two identical objects), and when
// the phrase leaves size or colour out, the one object that fits, if only one does. A
// phrase that fits no object (the model named something absent) or several stays -1, so
// attention correctness is measured only where the word is about something in the picture.
std::vector<int> ground_caption(const SceneWords& words, const Scene& scene,
                                const std::vector<std::string>& tokens);
// The same in the generated scenes' words.
std::vector<int> ground_caption(const Scene& scene, const std::vector<std::string>& tokens);

}  // namespace attn::data
