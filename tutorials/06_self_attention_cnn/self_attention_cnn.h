#pragma once
// Tutorial 06's pieces beside main.cpp: its settings (settings.cpp) and each part of the
// experiment in its own files: Part 1, a small SAGAN (generation.cpp: the pictures, the
// judging classifier, the training and the scores; generation_report.cpp: its figures, keys
// and page section); Part 2, where convolution alone cannot reach
// (long_range.cpp: the data, the training and the measurements; long_range_report.cpp: its
// figures, its metrics.json keys and its section of the page).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/gan_images.h"
#include "data/mark_pairs.h"
#include "models/long_range_cnn.h"
#include "models/sagan.h"
#include "train/gan/gan_trainer.h"
#include "train/metrics/confident_labels.h"
#include "train/loop/train_loop.h"
#include "train/report/report.h"
#include "train/run/run_options.h"

// ---- settings.cpp ----
// Config keys (a JSON object given with --config) and their defaults, full / quick:
//   batch_size           images per Adam step                                      32
// Part 2 (mark pairs, data/mark_pairs.h; the models of models/long_range_cnn.h):
//   mark_image_size      pixels per side of the generated images                   24
//   mark_size            pixels per side of each mark                              3
//   mark_colours         palette colours the marks take (2..6)                     4
//   mark_noise           standard deviation of the background noise               0.1
//   mark_speckles        white single-pixel distractors per image                  6
//   min_distance, max_distance   Chebyshev distance between the marks, pixels      4, 20
//   bucket_width         distances per bucket of the accuracy-by-distance table    4
//   test_per_distance    held-out images at each distance (even: balanced)         200 / 60
//   cnn_channels         conv blocks (3x3, ReLU, 2x2 max pool), one per entry      [8, 32]
//   head_channels        K of the attention model's 1x1 head (the plain CNN's is
//                        widened to about the same parameter count)                32
//   long_range_steps     Adam steps per model                                      2000 / 1200
//   long_range_lr        Adam's learning rate (warm-up, cosine decay)              0.006
//   long_range_seeds     runs, with seeds --seed, --seed + 1, ...                  3 / 1
//   overlay_images       test images in the attention-over-images figure           4 / 3
struct LongRangeSettings {
  attn::data::MarkPairOptions marks;
  int bucket_width;
  int64_t test_per_distance;
  std::vector<int64_t> channels;
  int64_t head_channels, steps;
  double lr;
  int64_t seeds, overlay_images;
};

// Part 1 (a small SAGAN, models/sagan.h, trained by train/gan/gan_trainer.h):
//   dataset              "auto" (Fashion-MNIST where installed, else glyphs), "fashion_mnist"
//                        or "glyphs" (data/gan_images.h)                           "auto"
//   gan_channels         c of G and D (models/sagan.h)                             16
//   gan_z_dim            the noise z's size                                        64
//   gan_batch_size       real images per step                                      32
//   gan_steps            D steps and G steps per model and seed                    1200 / 150
//   gan_seeds            runs of both models, seeds --seed, --seed + 1, ...       3 / 1
//   gan_train_images     training pictures the GAN and the classifier see         20000 / 5000
//   gan_test_images      held-out pictures: the real side of the Fréchet distance 2000 / 1000
//   gan_samples          generated pictures per model for its scores              2000 / 500
//   classifier_steps     Adam steps of the judging classifier                     3000 / 300
//   attention_images     generated pictures in the attention-over-image figure    4 / 3
struct GenerationSettings {
  std::string dataset;
  int64_t channels, z_dim, batch_size, steps, seeds;
  int64_t train_images, test_images, samples, classifier_steps, attention_images;
};

struct Settings {
  int64_t batch_size;
  GenerationSettings generation;
  LongRangeSettings long_range;
};
Settings read_settings(const attn::train::RunOptions& opts);

// ---- generation.cpp: Part 1 ----
// One model (gan: no attention; sagan: attention in G and D) of one seed, trained and judged.
struct GanRun {
  std::string name;  // "gan", "sagan"
  uint64_t seed = 0;
  attn::train::GanLog log;
  double frechet = 0;                           // generated against the real test pictures
  attn::train::ConfidentLabelStats confident;   // the classifier on the generated pictures
  double gamma_g = 0, gamma_d = 0;              // the attention layers' final gammas (sagan)
  std::shared_ptr<attn::models::Generator> G;   // kept for the first seed's figures
};

struct GenerationResults {
  attn::data::GanImages data;
  std::string classifier_note;     // trained or reused, and why
  double classifier_accuracy = 0;  // on the real test pictures
  double real_floor = 0;           // Fréchet distance, real train against real test
  attn::train::ConfidentLabelStats real_confident;  // the classifier on real test pictures
  std::vector<GanRun> runs;        // per seed: gan, sagan
};

// The lecture's point for generation: G's and D's shapes, and the attention layer at G's
// larger map, untrained (gamma = 0: the identity) with how widely one query spreads.
void show_generation_idea(const GenerationSettings& s, uint64_t seed);

// Part 1: the pictures, the judging classifier (trained, or reused from out_dir), then for
// each seed the GAN and the SAGAN from the same draws on the same batches, each judged by the
// Fréchet distance in the classifier's feature space and its confident labels.
GenerationResults run_generation(const attn::train::RunOptions& opts, const Settings& s);

// ---- generation_report.cpp ----
// Part 1's figures (samples at stages of training, both losses, gamma, attention over
// generated pictures), its metrics.json keys (frechet_distance, gamma_final.sagan, ...) and
// its section of the page.
void write_generation(const attn::train::RunOptions& opts, const Settings& s,
                      const GenerationResults& r, nlohmann::json& metrics,
                      attn::train::Report& page);

// ---- long_range.cpp: Part 2 ----
// The two models' options: the CNN with attention, and the plain CNN widened to about its
// parameter count (models::plain_twin).
attn::models::LongRangeCnnOptions attention_model_options(const LongRangeSettings& s);

// One model of one seed's run, trained and measured.
struct LongRangeModel {
  std::string name;   // "cnn", "cnn_self_attention"
  std::string label;  // for figures
  std::unique_ptr<attn::models::LongRangeCnn> model;
  attn::train::TrainLog log;
  std::map<std::string, double> accuracy_by_bucket;  // "4-7" -> held-out accuracy
  double accuracy = 0;                               // over every held-out image
};

// How often the attention of a query at one mark peaks at the other mark.
struct HitRate {
  double hit_rate = 0;  // share of queries whose row argmax lies on the other mark
  double hit_either = 0;  // ... on either mark (its own or the other)
  double chance = 0;    // the same for a uniformly random position
  double mass_other = 0, mass_own = 0;  // mean attention weight on the other / own mark
  double mass_chance = 0;               // mean share of the positions the other mark covers
  int64_t queries = 0;
  std::map<std::string, double> hit_rate_by_bucket;
};

struct LongRangeRun {
  uint64_t seed = 0;
  std::vector<LongRangeModel> models;  // cnn, cnn_self_attention
  HitRate hits;
  double gamma_final = 0;
};

struct LongRangeResults {
  std::vector<std::string> buckets;  // "4-7", "8-11", ...
  std::vector<LongRangeRun> runs;    // one per seed
  attn::data::MarkPairSet test;      // the held-out images of the first seed
  std::vector<attn::Tensor> test_attention;  // first seed: [N_test, P, P] maps
  int map_h = 0, map_w = 0;
};

// The bucket of distance d: "lo-hi" with buckets of s.bucket_width from min_distance.
std::string bucket_of(const LongRangeSettings& s, int d);

// The lecture's point on one image: the receptive field against the marks' distance, and the
// untrained attention layer (gamma = 0, so the identity) with where the query at one mark
// looks. Prints; draws from its own seed.
void show_long_range_idea(const LongRangeSettings& s, uint64_t seed);

// Part 2: for each seed, both models made from the same initial draws, trained on the same
// batches for s.steps, then measured on the held-out images by distance; the attention
// model's hit rate and gamma. Prints as it goes.
LongRangeResults run_long_range(const Settings& s, uint64_t seed);

// ---- long_range_report.cpp ----
// Part 2's figures (long_range_accuracy.svg, long_range_loss.svg, long_range_attention.png),
// checkpoints (cnn.safetensors, cnn_self_attention.safetensors), its metrics.json keys
// (long_range, long_range_per_seed, attention_hit_rate, gamma_final, ...) and its section of
// the page.
void write_long_range(const attn::train::RunOptions& opts, const Settings& s,
                      const LongRangeResults& r, nlohmann::json& metrics,
                      attn::train::Report& page);
