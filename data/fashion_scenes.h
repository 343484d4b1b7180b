#pragma once
// Captioned scenes made of real pictures: Fashion-MNIST items (data/fashion_mnist.h)
// pasted into distinct cells of a coarse grid, each tinted in a colour and drawn small or
// large, with captions in the grammar of the generated scenes (data/scenes.h):
//
//   "a small red trouser left of a large blue sneaker"
//   "there is a large blue sneaker right of a small red trouser"
//
// The items' class names become one-word nouns (fashion_scene_items()), so every
// object is a size, a colour and an item, and the same code handles both kinds of
// scene: SceneObject::shape is the Fashion-MNIST class id, CaptionScenes::words holds
// these words, ground_caption(d.words, scene, tokens) links a written caption to the
// objects, and each object's box (the tight box of the item's visible pixels) scores
// attention.
//
// Splits, as for the generated scenes:
//   train     from the training images; never a held-out (colour, item) pair
//   val       from the test images (items the model never saw), same distribution
//   novel     from the test images, each with a held-out pair (by default no red
//             trouser and no blue sneaker is ever seen in training)
//   crowded   from the test images, test_objects objects each
//
// How an item is drawn: its 28x28 grey picture is resized (area filter down, bilinear
// up) to the size's side, large = the cell less 2 px (at most 28, the pictures' own
// size), small = 3/5 of that; its grey level g, scaled so the item's brightest pixel is 1,
// blends the background into the colour by sqrt(g). The square root keeps the texture
// yet lifts the dark items (a black coat is mostly g ~ 0.2) to where their colour shows.
// Visible pixels are those with g >= 0.1. Then Gaussian pixel noise, as for the scenes.
//
// Images: [N, 3, H, W], each colour value v in [0, 1] stored as (v - 0.5) / 0.5.
//
//   auto dir = data::find_fashion_mnist(std::nullopt);
//   data::FashionMnist fm = data::load_fashion_mnist(*dir);
//   data::CaptionScenes d = data::make_fashion_scenes(fm, {}, /*seed=*/1);
//   d.train.images;                        // [2000, 3, 64, 64]
//   d.train.scenes[0].captions[0].tokens;  // {"a", "small", "red", "coat", "above", ...}
//
// The same images, options and seed give the same scenes on every platform.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/fashion_mnist.h"
#include "data/scenes.h"

namespace attn::data {

// The nouns for classes 0..9: tshirt, trouser, pullover, dress, coat, sandal, shirt,
// sneaker, bag, boot.
const std::vector<std::string>& fashion_scene_items();
// The composites' words: the items as shapes, the colours and sizes of the generated scenes.
const SceneWords& fashion_scene_words();

// The fields of CaptionScenesOptions, with the composites' own defaults and limits.
struct FashionScenesOptions {
  int canvas = 64;                       // H = W, pixels: divisible by 8, at most 64
  int grid = 3;                          // cells of canvas / grid px, at least 16
  int min_objects = 2, max_objects = 3;  // train, val and novel
  int test_objects = 4;                  // crowded
  int captions_per_scene = 5;
  int64_t train = 2000, val = 200, novel = 200, crowded = 200;  // scenes per split
  // (colour, item) names never drawn in train, val or crowded; each novel scene has one.
  std::vector<std::pair<std::string, std::string>> held_out = {{"red", "trouser"},
                                                               {"blue", "sneaker"}};
  double noise = 0.02;  // std of the Gaussian pixel noise, on the [0, 1] scale
};

// Composes the four splits. The result's options hold the same settings as a
// CaptionScenesOptions, and its words are fashion_scene_words().
// Throws attn::Error for: a canvas not divisible by 8 or over 64, cells under 16 px,
// fewer than 2 objects or more than the grid's cells, a held-out word that is not a
// colour or item, held-out pairs covering every combination, negative counts or noise,
// pictures that are not 28x28, or a split whose pictures lack a class its scenes need
// (the message names the split and the class: load more of it).
CaptionScenes make_fashion_scenes(const FashionMnist& fm, const FashionScenesOptions& options,
                                  uint64_t seed);

}  // namespace attn::data
