#include "train/loop/fit_classifier.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "layers/losses.h"
#include "train/io/checkpoint.h"
#include "train/optim/adam.h"

namespace attn::train {

namespace fs = std::filesystem;

TrainLog fit_classifier(nn::Module& model, const LogitsFn& logits, const Tensor& inputs,
                        const Tensor& labels, const ClassifierFitOptions& o) {
  ATTN_CHECK(inputs.defined() && labels.defined() && inputs.dim() >= 1 && labels.dim() == 1 &&
                 inputs.size(0) == labels.size(0) && labels.size(0) >= 1,
             "fit_classifier: expected inputs [N, ...] and labels [N] with N >= 1; got inputs ",
             inputs.defined() ? shape_str(inputs.shape()) : std::string("none"), " and labels ",
             labels.defined() ? shape_str(labels.shape()) : std::string("none"));
  ATTN_CHECK(o.steps >= 1 && o.batch_size >= 1 && o.lr > 0 && std::isfinite(o.lr),
             "fit_classifier: need steps >= 1, batch_size >= 1 and lr > 0; got ", o.steps, ", ",
             o.batch_size, ", ", o.lr);
  const int64_t N = labels.size(0), B = std::min(o.batch_size, N);
  Generator gen(o.seed);
  std::vector<real> order(static_cast<size_t>(N));
  int64_t pos = N;  // past the end: the first step shuffles
  auto next_batch = [&] {
    if (pos >= N) {  // a new epoch in a new order (Fisher-Yates)
      for (int64_t i = 0; i < N; ++i) order[static_cast<size_t>(i)] = static_cast<real>(i);
      for (int64_t i = N - 1; i > 0; --i)
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(gen.randint(i + 1))]);
      pos = 0;
    }
    const int64_t end = std::min(N, pos + B);
    const Tensor idx = Tensor::from_vector(
        std::vector<real>(order.begin() + pos, order.begin() + end), {end - pos});
    pos = end;
    return idx;
  };
  optim::Adam adam(model.parameters(), {.lr = o.lr});
  model.train();
  const TrainLog log = train_loop(
      adam, {.steps = o.steps, .steps_per_epoch = (N + B - 1) / B, .label = o.label}, [&] {
        const Tensor idx = next_batch();
        return nn::cross_entropy(logits(index_select(inputs, 0, idx)),
                                 index_select(labels, 0, idx));
      });
  model.eval();
  return log;
}

std::string content_fingerprint(const std::vector<Tensor>& tensors) {
  // FNV-1a taken a 32-bit word at a time rather than a byte (four times fewer dependent
  // multiplies: Fashion-MNIST's 47 million pixels in a fraction of a second), which is all a
  // fingerprint against accidents needs.
  uint64_t h = 14695981039346656037ull;                                  // FNV-1a's offset basis
  auto mix = [&](uint32_t word) { h = (h ^ word) * 1099511628211ull; };  // FNV prime
  for (const Tensor& t : tensors) {
    ATTN_CHECK(t.defined(), "content_fingerprint: an undefined tensor");
    mix(static_cast<uint32_t>(t.dim()));
    for (int64_t d : t.shape()) {
      mix(static_cast<uint32_t>(d));
      mix(static_cast<uint32_t>(static_cast<uint64_t>(d) >> 32));
    }
    // Values as float, so the float and double builds agree on data read from the same file.
    const real* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) mix(std::bit_cast<uint32_t>(static_cast<float>(p[i])));
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

Metadata training_identity(const Tensor& inputs, const Tensor& labels,
                           const ClassifierFitOptions& o) {
  std::ostringstream training;
  training.precision(17);
  training << "adam lr=" << o.lr << " steps=" << o.steps << " batch=" << o.batch_size
           << " seed=" << o.seed;
  return {{"data", content_fingerprint({inputs, labels})}, {"training", training.str()}};
}

std::optional<std::string> load_checkpoint_if_same(nn::Module& model, const fs::path& path,
                                                   const Metadata& identity) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return "no checkpoint at " + path.string();
  try {
    Metadata found;
    load_safetensors(path, &found);
    for (const auto& [key, want] : identity) {
      const auto it = found.find(key);
      if (it == found.end())
        return path.string() + " does not record '" + key + "' (it was saved by something else)";
      if (it->second != want)
        return path.string() + " has " + key + " '" + it->second + "', this run has '" + want + "'";
    }
    load_checkpoint(model, path);  // strict: every name and shape, or nothing is copied
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

ClassifierFit fit_or_reuse_classifier(nn::Module& model, const LogitsFn& logits,
                                      const Tensor& inputs, const Tensor& labels,
                                      const ClassifierFitOptions& options, const fs::path& path,
                                      Metadata identity) {
  for (auto& [key, value] : training_identity(inputs, labels, options)) identity[key] = value;
  ClassifierFit fit;
  std::string why = "no checkpoint path given";
  if (!path.empty()) {
    const auto mismatch = load_checkpoint_if_same(model, path, identity);
    if (!mismatch) {
      model.eval();
      fit.reused = true;
      fit.note = "reused the classifier in " + path.string() + " (same layers, data and training)";
      return fit;
    }
    why = *mismatch;
  }
  fit.log = fit_classifier(model, logits, inputs, labels, options);
  fit.note = "trained (" + why + ")";
  if (!path.empty()) {
    std::error_code ec;  // a folder that cannot be made: save_checkpoint's error names it
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    save_checkpoint(model, path, identity);
  }
  return fit;
}

}  // namespace attn::train
