#pragma once
// Training a classifier on labelled inputs with Adam and cross entropy, and reusing one that an
// earlier run saved when (and only when) it is provably the same: same layers, same data,
// same training settings.
//
//   models::ImageClassifier net;
//   const auto logits = [&](const Tensor& x) { return net(x); };
//   train::ClassifierFit fit = train::fit_or_reuse_classifier(
//       net, logits, data.train.images, data.train.labels,
//       {.steps = 1500, .batch_size = 64, .lr = 2e-3, .seed = 7},
//       out_dir / "classifier.safetensors", {{"architecture", net.architecture()}});
//   fit.reused;     // true: the weights came from the file, no step was run
//   fit.note;       // one line for the log: what was loaded, or why it was trained
//
// Batches: epochs over the N inputs, each in a new random order from Generator(seed), the
// last batch of an epoch the remainder. Each step: the mean cross entropy of the batch's
// logits against its labels, backward, one Adam step (train_loop.h). model.train() while
// training, model.eval() after.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "train/io/safetensors.h"
#include "train/loop/train_loop.h"

namespace attn::train {

// inputs [B, ...] -> logits [B, K]: how to run the classifier (any model's forward).
using LogitsFn = std::function<Tensor(const Tensor&)>;

struct ClassifierFitOptions {
  int64_t steps = 1000;              // Adam steps, >= 1
  int64_t batch_size = 64;           // >= 1 (at most N is used)
  double lr = 1e-3;                  // Adam's learning rate, > 0
  uint64_t seed = 0;                 // the batches' order
  std::string label = "classifier";  // the progress bar's label
};

// Trains `model` (whose parameters Adam updates) on inputs [N, ...] and labels [N] (class ids
// 0..K-1 as whole numbers). Throws attn::Error for mismatched counts, N < 1, or options out
// of range.
TrainLog fit_classifier(nn::Module& model, const LogitsFn& logits, const Tensor& inputs,
                        const Tensor& labels, const ClassifierFitOptions& options);

// A fingerprint of tensors' shapes and values (64-bit FNV-1a, as 16 hex digits): equal
// data gives equal strings, and a changed pixel or label a different one.
std::string content_fingerprint(const std::vector<Tensor>& tensors);

// What identifies a trained classifier beyond its layers: the data it saw and how it was
// trained. Keys "data" (content_fingerprint of inputs and labels) and "training" (the options).
Metadata training_identity(const Tensor& inputs, const Tensor& labels,
                           const ClassifierFitOptions& options);

// Loads the checkpoint at `path` into model only when the file's metadata holds every entry
// of `identity` with the same value and the weights fit the model exactly (names and shapes,
// train/io/checkpoint.h). Returns nullopt when loaded, else the reason it was not (no file,
// the first differing entry, the loader's message); the model is unchanged then.
std::optional<std::string> load_checkpoint_if_same(nn::Module& model,
                                                   const std::filesystem::path& path,
                                                   const Metadata& identity);

struct ClassifierFit {
  bool reused = false;  // loaded from the checkpoint, not trained
  std::string note;     // one line: "reused ..." or "trained (...)"
  TrainLog log;         // empty when reused
};

// load_checkpoint_if_same with `identity` plus training_identity(...); when that fails,
// fit_classifier and save the result to `path` (its folder is created) under the same
// identity, so the next run with the same data and settings reuses it. An empty path: always
// train, save nothing.
ClassifierFit fit_or_reuse_classifier(nn::Module& model, const LogitsFn& logits,
                                      const Tensor& inputs, const Tensor& labels,
                                      const ClassifierFitOptions& options,
                                      const std::filesystem::path& path, Metadata identity);

}  // namespace attn::train
