// Tutorial 06: self-attention in convolutional networks (Zhang et al. 2018, SAGAN).
//
//   build/bin/06_self_attention_cnn [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                                   [--threads N]
//
// A convolution sees a small neighbourhood: a stack of them sees a window (its receptive
// field) that grows a few pixels per layer. A self-attention layer over a feature map x
// [B, C, H, W] lets every position read every other in one step (layers/self_attention_2d.h):
//     f(x) = W_f x,  g(x) = W_g x,  h(x) = W_h x          (1x1 convolutions)
//     beta_ji = softmax_i(f(x_i)^T g(x_j))                  where position j attends
//     o_j = sum_i beta_ji h(x_i),   y = gamma o + x         (gamma starts at 0)
// and SAGAN puts it into the convolutional networks of a GAN.
//
// Part 1, generation: a small SAGAN (models/sagan.h) against the same GAN without the
// attention layers, trained on Fashion-MNIST (or glyphs made by code where it is absent) with
// spectral norm, the hinge loss and two learning rates, for several seeds; judged by the
// Fréchet distance in the feature space of a small classifier the run trains itself, beside
// the real-against-real floor. The run opens with the networks' shapes and the untrained
// attention layer (gamma = 0: the identity).
//
// Part 2, where convolution alone cannot reach: two coloured marks at a chosen distance in an
// image, labelled by whether they have the same colour (data/mark_pairs.h). A CNN whose
// receptive field is smaller than most of the distances, and the same CNN with one
// self-attention layer, about the same parameter count, the same steps and batches
// (models/long_range_cnn.h). The run opens with the idea on one image (the receptive field
// against the distance; the untrained layer is the identity), then trains both and measures
// held-out accuracy against the distance, and how often the attention of a query at one mark
// peaks at the other.
//
// The files: main.cpp (this); self_attention_cnn.h (the declarations and the config keys);
// settings.cpp; generation.cpp (Part 1: the pictures, the judge, the training, the scores);
// generation_report.cpp (Part 1's figures, keys and page section); long_range.cpp (Part 2: the idea, the training, the measurements);
// long_range_report.cpp (Part 2's figures, metrics.json keys and page section).
#include <iostream>

#include "self_attention_cnn.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/publish.h"
#include "train/run/guarded_main.h"
#include "train/run/tutorial_start.h"

namespace {

// What --help says under the usage line.
constexpr const char* kAbout =
    "Self-attention in convolutional networks (SAGAN's layer). A small SAGAN against the same "
    "GAN without attention, judged by the Fréchet distance in a classifier's feature space. "
    "Where convolution alone cannot "
    "reach: two marks far apart in an image, the same colour or not; a CNN whose receptive "
    "field is smaller than the distance against the same CNN with one self-attention layer: "
    "accuracy against distance, and where the attention looks.";

int run(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  const auto opts = attn::train::start_tutorial(argc, argv, "06_self_attention_cnn",
                                                "self-attention in CNNs", kAbout);
  const Settings s = read_settings(opts);
  nlohmann::json metrics;
  attn::train::Report page("06 · Self-attention in CNNs");
  page.paragraph(
      "A convolution sees a small neighbourhood; a stack of them sees a window that grows a "
      "few pixels per layer. A self-attention layer over a feature map (SAGAN, Zhang et al. "
      "2018) lets every position read every other in one step: `beta_ji = softmax_i(f(x_i)^T "
      "g(x_j))`, `o_j = sum_i beta_ji h(x_i)`, `y = gamma o + x`, with gamma starting at 0 so "
      "the layer starts as the identity.");

  // ---- Part 1: self-attention in a GAN (SAGAN) ----
  show_generation_idea(s.generation, opts.seed);
  const GenerationResults generation = run_generation(opts, s);
  write_generation(opts, s, generation, metrics, page);

  // ---- Part 2: where convolution alone cannot reach ----
  show_long_range_idea(s.long_range, opts.seed);
  const LongRangeResults long_range = run_long_range(s, opts.seed);
  write_long_range(opts, s, long_range, metrics, page);
  metrics["final_loss"] = long_range.runs.front().models.back().log.final_loss();

  attn::train::record_run(metrics, opts, start);
  attn::train::write_metrics(opts.out_dir, metrics);
  page.link("metrics.json", "every number of this run");
  attn::train::publish(page, opts);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
