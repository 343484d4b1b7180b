// Tutorial 05's outputs: figures, checkpoints, metrics.json and the report page.
#include <algorithm>
#include <iostream>

#include "captioning.h"
#include "train/io/checkpoint.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/figures.h"
#include "train/report/publish.h"
#include "train/report/report.h"
#include "train/report/tutorial_plots.h"
#include "train/run/text_format.h"

namespace fs = std::filesystem;
using attn::train::fmt;
using nlohmann::json;

namespace {

// The by-objects scores of val (2..max_objects) and crowded (test_objects) together.
json by_objects(const Scores& r, const std::string& name) {
  json out = r.val.at(name).by_objects;
  if (r.crowded.count(name))
    for (const auto& [n, v] : r.crowded.at(name).by_objects.items())
      if (!out.contains(n)) out[n] = v;
  return out;
}

double last_epoch(const Contender& c) {
  const size_t n = c.cross_entropy.size();
  const size_t w = std::min(n, static_cast<size_t>(std::max<int64_t>(1, c.log.steps_per_epoch)));
  return attn::train::mean_loss(c.cross_entropy, n - w, n);
}

// loss.svg, bleu_by_objects.svg, exact_by_objects.svg and heldout.svg, each name behind
// `prefix` ("fashion_" for the second experiment).
void save_curves(const fs::path& out, const std::string& prefix,
                 const std::vector<Contender>& models, const Scores& r, bool grounded) {
  auto loss = attn::train::loss_plot("Training loss (teacher forcing)", "Adam step",
                                     "cross entropy per word (regulariser not included)");
  for (const auto& c : models) attn::train::add_loss_series(loss, c.label, c.cross_entropy);
  loss.save(out / (prefix + "loss.svg"));
  if (!grounded) return;
  attn::train::LinePlot bleu;
  bleu.title("BLEU-4 by objects in the scene (val; the largest: crowded)")
      .x_label("objects in the scene")
      .y_label("corpus BLEU-4 (0-100)")
      .y_range(0, 100);
  auto exact = attn::train::accuracy_plot("Exact match by objects in the scene",
                                          "objects in the scene",
                                          "share of images captioned like a reference");
  for (const auto& c : models) {
    std::vector<double> n, b, e;
    const json by = by_objects(r, c.name);
    for (const auto& [k, v] : by.items()) {
      n.push_back(std::stod(k));
      b.push_back(v["bleu4"].get<double>());
      e.push_back(v["exact"].get<double>());
    }
    bleu.add_series(c.label, n, b);
    exact.add_series(c.label, n, e);
  }
  bleu.save(out / (prefix + "bleu_by_objects.svg"));
  exact.save(out / (prefix + "exact_by_objects.svg"));
  // BLEU-4 on seen combinations, held-out ones and crowded scenes, one row per model.
  std::vector<double> values;
  std::vector<std::string> rows;
  for (const auto& c : models) {
    rows.push_back(c.name);
    values.push_back(r.val.at(c.name).bleu[3]);
    values.push_back(r.novel.at(c.name).bleu[3]);
    values.push_back(r.crowded.at(c.name).bleu[3]);
  }
  attn::train::HeatMap(values, static_cast<int>(rows.size()), 3)
      .title("BLEU-4: seen combinations, held-out combinations, more objects")
      .row_labels(rows)
      .col_labels({"val", "novel (held out)", "crowded"})
      .value_range(0, 100)
      .show_values(true)
      .colormap(attn::data::ColorMap::kViridis)
      .save(out / (prefix + "heldout.svg"));
}

// The scores every experiment reports, in the keys metrics.json promises.
json scores_json(const CaptionData& d, const std::vector<Contender>& models, const Scores& r) {
  const bool grounded = d.val.grounded();
  json m;
  for (const auto& c : models) {
    const SplitScores& v = r.val.at(c.name);
    m["bleu"][c.name] = {{"1", v.bleu[0]}, {"2", v.bleu[1]}, {"3", v.bleu[2]}, {"4", v.bleu[3]}};
    m["exact"][c.name] = v.exact;
    m["failures"][c.name] = v.failures;
    m["final_cross_entropy"][c.name] = last_epoch(c);
    m["steps"][c.name] = c.log.steps();
    m["train_seconds"][c.name] = c.log.seconds;
    m["train_cpu_seconds"][c.name] = c.log.cpu_seconds;
    m["parameters"][c.name] = c.model->num_parameters();
    if (!grounded) continue;
    m["attribute_accuracy"][c.name] = v.attributes;
    m["by_objects"][c.name] = by_objects(r, c.name);
    m["heldout_combinations"][c.name] = {{"bleu4", r.novel.at(c.name).bleu[3]},
                                         {"exact", r.novel.at(c.name).exact}};
    m["failures_crowded"][c.name] = r.crowded.at(c.name).failures;
    if (!v.correctness.is_null()) {
      m["attention_correctness"][c.name] = v.correctness;
      m["attention_correctness_crowded"][c.name] = r.crowded.at(c.name).correctness;
    }
  }
  if (!grounded) m["attention_correctness"] = "skipped: the captions of --data have no boxes";
  for (const auto& c : models)
    if (c.attention) {
      const SplitScores& v = r.val.at(c.name);
      m["doubly_stochastic"][c.name] = {
          {"lambda", c.lambda},
          {"bleu4", v.bleu[3]},
          {"exact", v.exact},
          {"attention_correctness", v.correctness.is_null() ? json() : v.correctness["score"]}};
    }
  if (!r.beam.empty()) m["beam"] = r.beam;
  m["final_loss"] = models[1].log.final_loss();
  m["data"] = d.name;
  m["train_images"] = d.train.size();
  m["train_captions"] = d.examples.size();
  m["vocabulary"] = d.vocab.size();
  return m;
}

json metrics_of(const attn::train::RunOptions& opts, const Settings& s, const CaptionData& d,
                const std::vector<Contender>& models, const Results& r) {
  json m = scores_json(d, models, r.scores);
  m["max_len"] = s.max_len;
  if (r.fashion.data)
    m["fashion"] = scores_json(*r.fashion.data, r.fashion.models, r.fashion.scores);
  attn::train::record_run(m, opts, r.start);
  return m;
}

void write_page(const attn::train::RunOptions& opts, const Settings& s, const CaptionData& d,
                const std::vector<Contender>& models, const Results& r) {
  const bool grounded = d.val.grounded();
  const Scores& sc = r.scores;
  attn::train::Report report("05 · Image captioning");
  report.paragraph(
      "Two captioners on the same data (" + d.name +
      "), trained the same steps on the same batches. Both read the image with the same CNN, "
      "whose last feature map is a grid of L regions, each a D-vector `a_i`. Show and Tell "
      "averages the grid into one vector and gives it to the LSTM before the first word: the "
      "pooled vector is a bottleneck again, and where each object is gets averaged away. "
      "Show, Attend and Tell keeps the grid: at every word it scores each region against its "
      "state, `alpha_t = softmax_i(v^T tanh(W h_{t-1} + U a_i))`, and reads "
      "`z_t = beta_t sum_i alpha_ti a_i`, so it can look at the object it is naming.");
  json shown;
  for (const auto& c : models) {
    shown[c.name + ".bleu4"] = sc.val.at(c.name).bleu[3];
    shown[c.name + ".exact"] = sc.val.at(c.name).exact;
    if (grounded) {
      shown[c.name + ".novel_bleu4"] = sc.novel.at(c.name).bleu[3];
      shown[c.name + ".crowded_bleu4"] = sc.crowded.at(c.name).bleu[3];
      if (!sc.val.at(c.name).correctness.is_null())
        shown[c.name + ".attention_correctness"] = sc.val.at(c.name).correctness["score"];
    }
  }
  report.metrics(shown, "Held-out scores (greedy decoding; BLEU on the 0-100 scale)");
  if (grounded) {
    report.figure("bleu_by_objects.svg",
                  "Corpus BLEU-4 by the number of objects in the scene. Training scenes hold 2-" +
                      std::to_string(s.max_objects) + " objects; the last point is the crowded "
                      "split (" + std::to_string(s.test_objects) + ").");
    report.figure("exact_by_objects.svg", "Exact match (the caption equals one of the "
                                          "references) by the number of objects.");
    report.figure("heldout.svg",
                  "BLEU-4 on val (combinations seen in training), novel (every scene holds a "
                  "colour-shape combination never seen, e.g. a red triangle) and crowded.");
  } else {
    report.paragraph("These captions come without boxes, so attention correctness and the "
                     "attribute checks (which need to know what is in the picture) are skipped.");
  }
  report.figure("loss.svg", "Training cross entropy per word, window means, log scale.");
  for (const auto& c : models) report.link(c.name + ".safetensors", "the trained " + c.label);
  report.link("vocab.txt", "the vocabulary, one token per line");
  report.link("metrics.json", "every number of this run");
  attn::train::publish(report, opts);
}

}  // namespace

void write_outputs(const attn::train::RunOptions& opts, const Settings& s, const CaptionData& d,
                   const std::vector<Contender>& models, const Results& r) {
  const fs::path& out = opts.out_dir;
  for (const auto& c : models)
    attn::train::save_checkpoint(
        *c.model, out / (c.name + ".safetensors"),
        {{"model", c.name == "show_tell" ? "ShowAndTell" : "ShowAttendAndTell"},
         {"doubly_stochastic", fmt("%g", c.model->options().doubly_stochastic())},
         {"embedding_dim", std::to_string(s.embedding_dim)},
         {"hidden_size", std::to_string(s.hidden_size)}});
  d.vocab.save(out / "vocab.txt");
  save_curves(out, "", models, r.scores, d.val.grounded());
  if (r.fashion.data)
    save_curves(out, "fashion_", r.fashion.models, r.fashion.scores, true);
  attn::train::write_metrics(out, metrics_of(opts, s, d, models, r));
  write_page(opts, s, d, models, r);
}
