// Tutorial 05's outputs: figures, checkpoints, metrics.json and the report page.
#include <algorithm>
#include <iostream>

#include "captioning.h"
#include "train/io/checkpoint.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/attention_strip.h"
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
      .title("BLEU-4 by split")
      .cell_size(64)
      .row_labels(rows)
      .col_labels({"val", "novel (held out)", "crowded"})
      .value_range(0, 100)
      .show_values(true)
      .colormap(attn::data::ColorMap::kViridis)
      .save(out / (prefix + "heldout.svg"));
}

// Where `model` looked for each word of image i of `split`, as a strip: the picture, then one
// panel per generated token (<eos> included: its step had an attention map too).
attn::train::AttentionStrip strip_of(const CaptionData& d, const Contender& model,
                                     const CaptionSplit& split, int64_t i, const Generated& g,
                                     const std::string& title) {
  attn::train::AttentionStrip st;
  st.image = d.picture(split, i);
  st.words = d.vocab.decode(g.caption.tokens, /*keep_specials=*/true);
  st.alpha = g.caption.attention;
  const int f = 1 << model.model->options().channels().size();
  st.grid_h = st.image.height / f;
  st.grid_w = st.image.width / f;
  st.title = title;
  return st;
}

std::string quoted(const std::vector<std::string>& words) {
  std::string q = "\"";
  q.append(attn::data::join_tokens(words)).push_back('"');
  return q;
}

// The attention strips of the model with attention: the first `count` images of val and of
// crowded. Returns (file, caption) for the page.
std::vector<std::pair<std::string, std::string>> save_strips(const fs::path& out,
                                                             const std::string& prefix,
                                                             const CaptionData& d,
                                                             const Contender& sat,
                                                             const Scores& sc, int64_t count) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto* split : {&d.val, &d.crowded}) {
    if (split->size() == 0) continue;
    const SplitScores& scores =
        split == &d.val ? sc.val.at(sat.name) : sc.crowded.at(sat.name);
    for (int64_t i = 0; i < std::min(count, split->size()); ++i) {
      const Generated& g = scores.generated[size_t(i)];
      const std::string file =
          prefix + "strip_" + split->name + "_" + std::to_string(i + 1) + ".svg";
      const std::string caption = split->name + " image " + std::to_string(i + 1) + ": " +
                                  quoted(g.words) + " (sentence BLEU-4 " + fmt("%.1f", g.bleu4) +
                                  (g.exact ? ", a reference word for word" : "") + ")";
      attn::train::save_attention_strip(
          out / file, strip_of(d, sat, *split, i, g,
                               caption + "\nreference: " +
                                   attn::data::join_tokens(split->refs[size_t(i)][0])));
      files.emplace_back(file, caption);
    }
  }
  return files;
}

// The failure gallery: the `count` captions of the model with attention with the lowest
// sentence BLEU-4 over val, novel and crowded, each with where it looked and what the
// automatic checks found. Returns one line per caption.
json save_failure_gallery(const fs::path& file, const CaptionData& d, const Contender& sat,
                          const Scores& sc, int64_t count) {
  struct Pick {
    const CaptionSplit* split;
    const SplitScores* scores;
    int64_t i;
  };
  std::vector<Pick> all;
  for (const auto& [split, scores] :
       {std::pair{&d.val, &sc.val}, std::pair{&d.novel, &sc.novel},
        std::pair{&d.crowded, &sc.crowded}})
    if (scores->count(sat.name))
      for (int64_t i = 0; i < split->size(); ++i) all.push_back({split, &scores->at(sat.name), i});
  std::stable_sort(all.begin(), all.end(), [](const Pick& a, const Pick& b) {
    return a.scores->generated[size_t(a.i)].bleu4 < b.scores->generated[size_t(b.i)].bleu4;
  });
  all.resize(std::min<size_t>(all.size(), static_cast<size_t>(count)));
  std::vector<attn::train::AttentionStrip> strips;
  json lines = json::array();
  for (const Pick& p : all) {
    const Generated& g = p.scores->generated[size_t(p.i)];
    const attn::data::Scene* scene = p.split->grounded() ? &p.split->scenes[size_t(p.i)] : nullptr;
    const int H = static_cast<int>(p.split->images.size(2));
    const int W = static_cast<int>(p.split->images.size(3));
    const int f = 1 << sat.model->options().channels().size();
    const auto kinds = failure_kinds(g, d.words, scene, H / f, W / f, H, W);
    std::string found;
    for (const auto& k : kinds) found += (found.empty() ? "" : ", ") + k;
    const std::string line = p.split->name + " image " + std::to_string(p.i + 1) + ": " +
                             quoted(g.words) + " (sentence BLEU-4 " + fmt("%.1f", g.bleu4) +
                             "; checks: " + (found.empty() ? "none" : found) + ")";
    strips.push_back(strip_of(d, sat, *p.split, p.i, g,
                              line + "\nreference: " +
                                  attn::data::join_tokens(p.split->refs[size_t(p.i)][0])));
    lines.push_back(line);
  }
  if (!strips.empty()) attn::train::save_attention_gallery(file, strips);
  return lines;
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

// The pictures of a run, for the page.
struct Pictures {
  std::vector<std::pair<std::string, std::string>> strips, fashion_strips;  // file, caption
  json gallery;                                                             // one line each
  std::vector<attn::train::ExplorerItem> explorer;  // the click-a-word pictures
};

// The pictures of the click-a-word explorer: the first val and crowded images in turn,
// `count` in all, with the words the model with attention wrote; files in <out>/explorer/.
std::vector<attn::train::ExplorerItem> save_explorer(const fs::path& out, const CaptionData& d,
                                                     const Contender& sat, const Scores& sc,
                                                     int64_t count) {
  std::vector<attn::train::ExplorerItem> items;
  for (int64_t k = 0; k < count; ++k) {
    const bool crowded = d.crowded.size() > 0 && k % 2 == 1;
    const CaptionSplit& split = crowded ? d.crowded : d.val;
    const int64_t i = d.crowded.size() > 0 ? k / 2 : k;
    if (i >= split.size()) break;
    const Generated& g = (crowded ? sc.crowded : sc.val).at(sat.name).generated[size_t(i)];
    const std::string label = split.name + " image " + std::to_string(i + 1) + ": " +
                              quoted(g.words) + " (sentence BLEU-4 " + fmt("%.1f", g.bleu4) + ")";
    items.push_back(attn::train::save_explorer_images(
        out / "explorer", split.name + "_" + std::to_string(i + 1),
        strip_of(d, sat, split, i, g, label)));
  }
  return items;
}

void write_page(const attn::train::RunOptions& opts, const Settings& s, const CaptionData& d,
                const std::vector<Contender>& models, const Results& r, const Pictures& pics) {
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
  if (!pics.strips.empty()) {
    report.heading("Where Show, Attend and Tell looked, word by word");
    report.paragraph("The picture, then one panel per generated token with that step's "
                     "attention alpha_t over the grid of regions, upsampled and laid over the "
                     "picture (the brightest region is where the word looked most).");
    for (const auto& [file, caption] : pics.strips) report.figure(file, caption);
  }
  if (!pics.explorer.empty())
    report.caption_explorer(pics.explorer,
                            "Click a word of Show, Attend and Tell's caption to see where it "
                            "looked while writing it (<eos> included); click it again for the "
                            "plain picture.");
  if (!pics.gallery.empty()) {
    report.heading("Failures");
    report.figure("failures.svg",
                  "The " + std::to_string(pics.gallery.size()) +
                      " captions of Show, Attend and Tell with the lowest sentence BLEU-4 (val, "
                      "novel and crowded), each with where it looked and what the automatic "
                      "checks found: repeated_word, absent (names something the picture does "
                      "not have), wrong_place (a false relation), looked_away (a shape word's "
                      "attention more on another object than on the one named), never_stopped.");
  }
  report.figure("loss.svg", "Training cross entropy per word, window means, log scale.");
  if (r.fashion.data) {
    report.heading("Second experiment: " + r.fashion.data->name);
    json f;
    for (const auto& c : r.fashion.models) {
      f[c.name + ".bleu4"] = r.fashion.scores.val.at(c.name).bleu[3];
      f[c.name + ".novel_bleu4"] = r.fashion.scores.novel.at(c.name).bleu[3];
      f[c.name + ".crowded_bleu4"] = r.fashion.scores.crowded.at(c.name).bleu[3];
      if (!r.fashion.scores.val.at(c.name).correctness.is_null())
        f[c.name + ".attention_correctness"] =
            r.fashion.scores.val.at(c.name).correctness["score"];
    }
    report.metrics(f, "Fashion-MNIST composites (greedy decoding)");
    report.figure("fashion_bleu_by_objects.svg", "BLEU-4 by objects in the scene.");
    for (const auto& [file, caption] : pics.fashion_strips) report.figure(file, caption);
  }
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
  Pictures pics;
  const Contender& sat = models[1];
  pics.strips = save_strips(out, "", d, sat, r.scores, s.strips);
  pics.explorer = save_explorer(out, d, sat, r.scores, s.explorer_images);
  pics.gallery = s.failures > 0
                     ? save_failure_gallery(out / "failures.svg", d, sat, r.scores, s.failures)
                     : json::array();
  if (r.fashion.data) {
    save_curves(out, "fashion_", r.fashion.models, r.fashion.scores, true);
    pics.fashion_strips = save_strips(out, "fashion_", *r.fashion.data, r.fashion.models[1],
                                      r.fashion.scores, std::min<int64_t>(s.strips, 2));
  }
  json m = metrics_of(opts, s, d, models, r);
  m["failure_gallery"] = pics.gallery;
  for (const auto& [file, caption] : pics.strips) m["strips"].push_back(file);
  attn::train::write_metrics(out, m);
  write_page(opts, s, d, models, r, pics);
}
