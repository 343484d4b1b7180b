// Tutorial 04's outputs: checkpoints, figures, heat maps, metrics.json and the report page.
#include "train/report/report.h"

#include <algorithm>

#include "autograd/autograd.h"
#include "data/tagging_batch.h"
#include "self_attention.h"
#include "train/io/checkpoint.h"
#include "train/loop/train_loop.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/figures.h"
#include "train/report/publish.h"
#include "train/report/tutorial_plots.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::Tensor;
using attn::data::SeqPair;
using nlohmann::json;

namespace {

void save_curves(const fs::path& out, const TestSet& test_set, const std::vector<Contender>& models,
                 const json& majority) {
  auto loss =
      attn::train::loss_plot("Training loss (cross-entropy per token)", "Adam step", "loss");
  for (const auto& c : models) attn::train::add_loss_series(loss, c.label, c.log.losses);
  loss.save(out / "loss.svg");
  for (const std::string kind : {"exact", "token"}) {
    attn::train::LinePlot plot = attn::train::accuracy_plot(
        kind == "exact" ? "Exact match: every label of the string right" : "Per-token accuracy",
        "string length n", "accuracy on held-out strings");
    auto add = [&](const std::string& label, auto&& value_at) {
      std::vector<double> xs, ys;
      for (const auto& [length, _] : test_set) {
        xs.push_back(static_cast<double>(length));
        ys.push_back(value_at(std::to_string(length)));
      }
      plot.add_series(label, xs, ys);
    };
    for (const auto& c : models)
      add(c.label, [&](const std::string& n) { return c.by_length[n][kind].get<double>(); });
    if (kind == "token")
      add("always the majority label",
          [&](const std::string& n) { return majority[n].get<double>(); });
    plot.save(out / ("accuracy_" + kind + ".svg"));
  }
}

// Test strings worth drawing: of a middle length, with at least two letters that repeat and
// some that do not, so both kinds of row are in the picture.
std::vector<SeqPair> heatmap_examples(const TestSet& test_set, const Settings& s, int64_t one_id) {
  const int64_t n = std::min<int64_t>(s.max_len, std::max<int64_t>(s.min_len, 12));
  std::vector<SeqPair> out;
  for (const auto& p : test_set.at(n)) {
    if (static_cast<int64_t>(out.size()) == s.heatmaps) break;
    const auto ones = std::count(p.tgt.begin(), p.tgt.end(), one_id);
    if (ones >= 4 && ones <= n - 3) out.push_back(p);
  }
  return out;
}

// Rows: the query positions, labelled "letter:label"; columns: the keys, the letters.
attn::train::HeatMap attention_map(const Tensor& weights, int64_t b, int64_t head, int64_t n,
                                   const std::vector<std::string>& row_labels,
                                   const std::vector<std::string>& col_labels) {
  const int64_t heads = weights.size(1);
  std::vector<double> v(static_cast<size_t>(n * n));
  const attn::real* w = weights.data() + ((b * heads + head) * n) * n;
  for (int64_t i = 0; i < n * n; ++i) v[static_cast<size_t>(i)] = w[i];
  attn::train::HeatMap map(std::move(v), static_cast<int>(n), static_cast<int>(n));
  map.row_labels(row_labels).col_labels(col_labels).value_range(0, 1);
  return map;
}

// The n x n maps of the lecture's head and of every Transformer head on a few test strings:
// attention_K_lstm.svg and attention_K_transformer.svg. Returns the strings drawn.
json save_heat_maps(const fs::path& out, const Settings& s, const attn::data::SeqTask& task,
                    const TestSet& test_set, const std::vector<Contender>& models) {
  const attn::data::Vocab& src_vocab = task.src_vocab();
  const attn::data::Vocab& tgt_vocab = task.tgt_vocab();
  const std::vector<SeqPair> examples = heatmap_examples(test_set, s, tgt_vocab.lookup("1"));
  json strings = json::array();
  if (examples.empty()) return strings;
  attn::NoGradGuard no_grad;
  const auto b = attn::data::to_tagging_batch(examples, attn::data::collate(examples));
  const int64_t n = b.tokens.size(1);
  const auto lecture = models[1].forward(b.tokens, b.lengths);
  const auto transformer = models[2].forward(b.tokens, b.lengths);
  const Tensor lecture_pred = lecture.logits.argmax(2), tf_pred = transformer.logits.argmax(2);
  for (size_t k = 0; k < examples.size(); ++k) {
    const auto bk = static_cast<int64_t>(k);
    const std::vector<std::string> letters = src_vocab.decode(examples[k].src);
    const std::vector<std::string> labels = tgt_vocab.decode(examples[k].tgt);
    std::vector<std::string> rows;
    for (size_t i = 0; i < letters.size(); ++i) rows.push_back(letters[i] + ":" + labels[i]);
    strings.push_back(attn::data::join_tokens(letters));
    auto right = [&](const Tensor& pred) {
      int64_t r = 0;
      for (int64_t i = 0; i < n; ++i) r += pred.data()[bk * n + i] == b.targets.data()[bk * n + i];
      return std::to_string(r) + "/" + std::to_string(n) + " labels right";
    };
    const std::string stem = "attention_" + std::to_string(k + 1);
    attention_map(lecture.attention[0], bk, 0, n, rows, letters)
        .title("BiLSTM + self-attention: softmax(QK^T/sqrt(d_k)), " + std::to_string(n) + " x " +
               std::to_string(n) + "; " + right(lecture_pred))
        .x_label("key position j (the letter looked at)")
        .y_label("query position i (letter:true label)")
        .save(out / (stem + "_lstm.svg"));
    attn::train::HeatMapGrid grid(static_cast<int>(s.heads));
    grid.title("Transformer encoder, every head of every layer (" + right(tf_pred) + ")");
    for (size_t l = 0; l < transformer.attention.size(); ++l)
      for (int64_t h = 0; h < s.heads; ++h)
        grid.add(attention_map(transformer.attention[l], bk, h, n, rows, letters)
                     .title("layer " + std::to_string(l + 1) + ", head " + std::to_string(h + 1))
                     .colorbar(false));
    grid.save(out / (stem + "_transformer.svg"));
  }
  return strings;
}

json metrics_of(const attn::train::RunOptions& opts, const Settings& s,
                const std::vector<Contender>& models, const json& heatmap_strings,
                const Results& r) {
  json metrics, by_length, per_model;
  for (const auto& c : models) {
    by_length[c.name] = c.by_length;
    per_model[c.name] = {{"final_loss", c.log.final_loss()},
                         {"steps", s.steps},
                         {"seconds", c.log.seconds},
                         {"cpu_seconds", c.log.cpu_seconds},
                         {"parameters", c.module->num_parameters()},
                         {"exact", c.exact},
                         {"token", c.token}};
  }
  metrics["task"] = "repeats";
  metrics["accuracy_by_length"] = by_length;
  metrics["majority_token_accuracy_by_length"] = r.majority_by_length;
  metrics["models"] = per_model;
  // The lecture's model is the subject of this tutorial: its loss is the run's final_loss.
  metrics["final_loss"] = models[1].log.final_loss();
  metrics["steps"] = s.steps;
  metrics["gain_exact"] = models[1].exact - models[0].exact;
  metrics["gain_token"] = models[1].token - models[0].token;
  metrics["attention_mass"] = r.attention_mass;
  metrics["heatmap_strings"] = heatmap_strings;
  metrics["train_lengths"] = {s.min_len, s.max_len};
  metrics["test_lengths"] = {s.min_len, s.test_max_len};
  metrics["share_of_ones"] = r.share_of_ones;
  attn::train::record_run(metrics, opts, r.start);
  return metrics;
}

void write_page(const attn::train::RunOptions& opts, const Settings& s,
                const attn::data::SeqTask& task, const std::vector<Contender>& models,
                const json& heatmap_strings) {
  attn::train::Report report("04 · Self-attention");
  report.paragraph(
      "The task: label each letter 1 if it occurs elsewhere in its string, else 0. No position "
      "can answer from itself: it must compare itself with every other position. " +
      task.describe());
  report.paragraph(
      "Three models, trained the same number of Adam steps on the same batches: a BiLSTM alone; "
      "the same BiLSTM with the lecture's single self-attention head over its outputs X "
      "(`Q = X W^Q`, `K = X W^K`, `V = X W^V`, `Z = softmax(Q K^T / sqrt(d_k)) V`, and the "
      "classifier reads `[X | Z]`); and a Transformer encoder (embeddings plus sinusoidal "
      "positions, " +
      std::to_string(s.layers) + " layers of " + std::to_string(s.heads) +
      " heads). `Q K^T` is n x n, n the string's length: one score for every pair of positions, "
      "whatever d_k is. So every position reaches every other in one step, and the cost grows "
      "with n^2.");
  json shown;
  for (const auto& c : models) {
    shown[c.name + ".exact"] = c.exact;
    shown[c.name + ".token"] = c.token;
    shown[c.name + ".final_loss"] = c.log.final_loss();
    shown[c.name + ".seconds"] = c.log.seconds;
  }
  shown["steps"] = s.steps;
  report.metrics(shown, "Held-out accuracy over all lengths");
  report.figure("accuracy_exact.svg",
                "Exact match by string length: the share of held-out strings whose every label "
                "is right. Longer strings hold more letters to compare.");
  report.figure("accuracy_token.svg",
                "Per-token accuracy by length, with the accuracy of always answering the "
                "majority label (the share of repeated letters grows with n).");
  report.figure("loss.svg", "Training loss per step (window means), log scale.");
  for (size_t k = 0; k < heatmap_strings.size(); ++k) {
    const std::string stem = "attention_" + std::to_string(k + 1);
    report.figure(stem + "_lstm.svg",
                  "The lecture's single head on \"" + heatmap_strings[k].get<std::string>() +
                      "\": row i is where position i looked (it sums to 1). Rows are labelled "
                      "letter:true label. A repeated letter looks at its twin.");
    report.figure(stem + "_transformer.svg",
                  "The same string in the Transformer: one n x n map per head and layer.");
  }
  for (const auto& c : models) report.link(c.name + ".safetensors", "the trained " + c.label);
  report.link("metrics.json", "every number of this run (accuracy_by_length per model)");
  attn::train::publish(report, opts);
}

}  // namespace

void write_outputs(const attn::train::RunOptions& opts, const Settings& s,
                   const attn::data::SeqTask& task, const TestSet& test_set,
                   const std::vector<Contender>& models, const Results& r) {
  const fs::path& out = opts.out_dir;
  for (const auto& c : models)
    attn::train::save_checkpoint(*c.module, out / (c.name + ".safetensors"),
                                 {{"model", c.name}, {"steps", std::to_string(s.steps)}});
  save_curves(out, test_set, models, r.majority_by_length);
  const json heatmap_strings = save_heat_maps(out, s, task, test_set, models);
  attn::train::write_metrics(out, metrics_of(opts, s, models, heatmap_strings, r));
  write_page(opts, s, task, models, heatmap_strings);
}
