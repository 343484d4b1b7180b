#pragma once
// Tutorial 05's pieces beside main.cpp: its settings (settings.cpp), the data it captions
// (data.cpp), the training and the evaluation of a captioner (evaluate.cpp), and its outputs
// (report.cpp).
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/caption_batch.h"
#include "data/image_io.h"
#include "data/scenes.h"
#include "data/vocab.h"
#include "models/captioner.h"
#include "train/loop/train_loop.h"
#include "train/run/run_options.h"

// ---- settings.cpp ----
// Config keys (a JSON object given with --config) and their defaults, full / quick:
//   canvas, grid           the scenes: pixels per side, grid cells per side         48, 3
//   max_objects            objects in a training (and val, novel) scene: 2..max     3
//   test_objects           objects in a crowded scene (more than training shows)    4
//   train_scenes           training scenes, 5 reference captions each               2000 / 600
//   test_scenes            scenes in each of val, novel and crowded                  300 / 100
//   epochs                 passes over the training captions                         10 / 4
//   batch_size             captions per Adam step                                    32
//   lr                     Adam's peak learning rate (warm-up, cosine decay)         0.004
//   clip                   cap on the gradients' global norm                         5
//   channels               the CNN: one conv block (3x3, BatchNorm, ReLU, 2x2 max pool)
//                          per entry; 3 blocks make a 48 px scene a 6 x 6 grid       [16, 32, 32]
//   embedding_dim, hidden_size, attention_dim    the decoder                        32, 64, 32
//   doubly_stochastic      lambda of Show, Attend and Tell's regulariser             0.01
//   compare_lambda_zero    train a second Show, Attend and Tell with lambda = 0      true
//   max_len                the longest caption decoded (tokens, <eos> included)      16
//   beam_width, beam_alpha beam search: k, and ranking by log p / |y|^alpha          3, 0.6
//   beam_images            val images decoded by beam search as well (0: none)       100 / 30
//   strips                 val and crowded images drawn word by word (attention)     4 / 2
//   failures               worst captions in the failure gallery                     6 / 4
//   explorer_images        images on the page's click-a-word explorer                8 / 4
//   fashion                a second experiment on Fashion-MNIST composites, when
//                          Debian's dataset-fashion-mnist is installed           true / false
//   fashion_train_scenes, fashion_epochs    its (smaller) run                        1000 / 200, 6 / 3
// With --data DIR (a captions JSON and its images, data.cpp says what DIR must hold):
//   data_image_size        images are resized to this many pixels per side           64
//   data_min_count         words seen fewer times become <unk>                       2
//   data_max_images        read at most this many images (0: all)                    0 / 500
//   data_val_share         share held out for evaluation when the file has no split  0.1
struct Settings {
  int canvas, grid, max_objects, test_objects;
  int64_t train_scenes, test_scenes, epochs, batch_size;
  double lr, clip;
  std::vector<int64_t> channels;
  int64_t embedding_dim, hidden_size, attention_dim;
  double doubly_stochastic;
  bool compare_lambda_zero;
  int64_t max_len, beam_width, beam_images;
  double beam_alpha;
  int64_t strips, failures, explorer_images;
  bool fashion;
  int64_t fashion_train_scenes, fashion_epochs;
  int data_image_size;
  int64_t data_min_count, data_max_images;
  double data_val_share;
};
Settings read_settings(const attn::train::RunOptions& opts);

// ---- data.cpp ----
// Images with their reference captions, and (for scenes) what is in them.
struct CaptionSplit {
  std::string name;                     // "val", "novel", "crowded"
  attn::Tensor images;                  // [N, 3, H, W], normalised
  attn::data::ImageCaptions refs;       // refs[i]: image i's reference captions, as tokens
  std::vector<attn::data::Scene> scenes;  // the objects and their boxes; empty for --data
  int64_t size() const { return static_cast<int64_t>(refs.size()); }
  bool grounded() const { return !scenes.empty(); }
};

// The attribute words of the scenes' captions, in id order (data/scenes.h).
using AttributeWords = attn::data::SceneWords;

struct CaptionData {
  std::string name;                        // what the data is, for the terminal and the page
  CaptionSplit train, val, novel, crowded;  // novel and crowded are empty for --data
  attn::data::Vocab vocab;                 // the training captions' words
  std::vector<attn::data::CaptionExample> examples;  // every training caption, as ids
  AttributeWords words;                    // scenes only
  // How a normalised image turns back into pixels: v * scale_c + shift_c in [0, 1].
  std::array<float, 3> scale{0.5f, 0.5f, 0.5f}, shift{0.5f, 0.5f, 0.5f};
  attn::data::Image picture(const CaptionSplit& split, int64_t i) const;
};

// The generated scenes of data/scenes.h with the settings' sizes and `seed`.
CaptionData scene_data(const Settings& s, uint64_t seed);
// Fashion-MNIST composites (data/fashion_scenes.h), when installed; nullptr otherwise.
std::unique_ptr<CaptionData> fashion_data(const Settings& s, const attn::train::RunOptions& opts);
// --data DIR: a COCO-style captions JSON or a Karpathy-split JSON, with its images.
CaptionData user_data(const Settings& s, const attn::train::RunOptions& opts);

// ---- evaluate.cpp ----
// A captioner, how it was trained, and its name in metrics.json.
struct Contender {
  std::string name;   // "show_tell", "show_attend_tell", "lambda_0"
  std::string label;  // for figures
  bool attention = true;
  double lambda = 0;  // the doubly stochastic regulariser's weight
  std::unique_ptr<attn::models::Captioner> model;  // made by train_and_evaluate
  attn::train::TrainLog log;          // the loss trained on (with the regulariser)
  std::vector<double> cross_entropy;  // per step, the cross entropy alone
};

// The captioner of the settings: attention or not, and lambda.
attn::models::CaptionerOptions captioner_options(const Settings& s, int64_t vocab, bool attention,
                                                 double lambda);

// Trains `c.model` on d.examples: `epochs` passes, Adam with warm-up and cosine decay, the
// same batches for every model given the same seed.
void fit(Contender& c, const CaptionData& d, int64_t epochs, const Settings& s, uint64_t seed);

// One image's generated caption beside what it should have said.
struct Generated {
  attn::models::Caption caption;
  std::vector<std::string> words;  // the caption's words, <eos> dropped
  double bleu4 = 0;                // sentence BLEU-4 against the image's references
  bool exact = false;              // equals one of the references
};

// What a model wrote for one split, and its scores.
struct SplitScores {
  std::vector<Generated> generated;  // one per image
  std::array<double, 4> bleu{};      // corpus BLEU-1..4, 0..100
  double exact = 0;                  // share of images captioned exactly like a reference
  nlohmann::json by_objects;         // {n_objects: {bleu4, exact, images}} (scenes only)
  nlohmann::json attributes;         // {shape, colour, size, place}: share right (scenes only)
  nlohmann::json failures;           // counts of each kind of failure
  nlohmann::json correctness;        // {score, uniform, words} (attention, scenes only)
};

// Greedy decoding of every image of `split` and its scores.
SplitScores evaluate(const Contender& c, const CaptionData& d, const CaptionSplit& split,
                     const Settings& s);
// BLEU and exact match of beam search (width, alpha of the settings) on the first
// `images` images of `split`.
nlohmann::json beam_scores(const Contender& c, const CaptionData& d, const CaptionSplit& split,
                           int64_t images, const Settings& s);

// The kinds of failure the lecture's slide shows, checked automatically on one caption:
//   repeated_word   a word written twice in a row, or the same object named twice
//   absent          a phrase naming an object the scene does not have
//   never_stopped   no <eos> before max_len
//   wrong_place     a relation ("left of", "above") that is false of the two objects named
//   looked_away     (attention) a shape word whose attention falls more on another object
//                   than on the one it names
std::vector<std::string> failure_kinds(const Generated& g, const AttributeWords& words,
                                       const attn::data::Scene* scene, int grid_h, int grid_w,
                                       int image_h, int image_w);

// Every model's scores on every split, by model name (novel and crowded: scenes only).
struct Scores {
  std::map<std::string, SplitScores> val, novel, crowded;
  std::map<std::string, nlohmann::json> beam;  // greedy vs beam on the first val images
};

// The experiment: each model made from the same initial draws (seed + 1), trained on the
// same batches (seed + 101) for `epochs`, then decoded greedily on every split, and with
// beam search on the first s.beam_images val images when `beam`.
Scores train_and_evaluate(std::vector<Contender>& models, const CaptionData& d,
                          const Settings& s, int64_t epochs, uint64_t seed, bool beam);

// ---- report.cpp ----
// The second experiment, on Fashion-MNIST composites (empty when not run).
struct FashionRun {
  std::unique_ptr<CaptionData> data;
  std::vector<Contender> models;
  Scores scores;
};

struct Results {
  Scores scores;
  FashionRun fashion;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

// loss.svg, bleu_by_objects.svg, exact_by_objects.svg, heldout.svg (and fashion_*), the
// attention strips (strip_val_K.svg, strip_crowded_K.svg), the failure gallery
// (failures.svg), the explorer's pictures (explorer/), the checkpoints, vocab.txt,
// metrics.json and index.html (with the click-a-word explorer) in opts.out_dir.
void write_outputs(const attn::train::RunOptions& opts, const Settings& s, const CaptionData& d,
                   const std::vector<Contender>& models, const Results& r);
