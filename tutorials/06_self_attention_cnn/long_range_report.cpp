// Tutorial 06, Part 2's outputs: the figures, the checkpoints, its metrics.json keys and its
// section of the page.
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "self_attention_cnn.h"
#include "train/io/checkpoint.h"
#include "train/report/attention_overlay.h"
#include "train/report/figures.h"
#include "train/report/tutorial_plots.h"
#include "train/run/text_format.h"

namespace fs = std::filesystem;
using attn::train::fmt;
using nlohmann::json;

namespace {

// The middle of a bucket "lo-hi" (or "d"), for the distance axis.
double middle_of(const std::string& bucket) {
  const size_t dash = bucket.find('-');
  if (dash == std::string::npos) return std::stod(bucket);
  return 0.5 * (std::stod(bucket.substr(0, dash)) + std::stod(bucket.substr(dash + 1)));
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

// Over the seeds: {mean, per_seed} of what `value` picks from each run.
template <typename F>
json over_seeds(const LongRangeResults& r, F value) {
  std::vector<double> v;
  for (const auto& run : r.runs) v.push_back(value(run));
  return {{"mean", mean(v)}, {"per_seed", v}, {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())}};
}

const LongRangeModel& model_of(const LongRangeRun& run, const std::string& name) {
  for (const auto& m : run.models)
    if (m.name == name) return m;
  throw attn::Error("no model named " + name);
}

json metrics_of(const LongRangeSettings& s, const LongRangeResults& r) {
  json m;
  const auto& first = r.runs.front();
  for (const auto& model : first.models) {
    for (const auto& b : r.buckets)
      m["long_range"][model.name][b] = over_seeds(r, [&](const LongRangeRun& run) {
        return model_of(run, model.name).accuracy_by_bucket.at(b);
      })["mean"];
    m["long_range_accuracy"][model.name] = over_seeds(
        r, [&](const LongRangeRun& run) { return model_of(run, model.name).accuracy; });
    m["parameters"][model.name] = model.model->num_parameters();
    m["final_loss_by_model"][model.name] = over_seeds(
        r, [&](const LongRangeRun& run) { return model_of(run, model.name).log.final_loss(); });
    m["train_seconds"][model.name] = over_seeds(
        r, [&](const LongRangeRun& run) { return model_of(run, model.name).log.seconds; });
  }
  m["attention_hit_rate"] = {
      {"cnn_self_attention",
       over_seeds(r, [](const LongRangeRun& run) { return run.hits.hit_rate; })["mean"]},
      {"chance", over_seeds(r, [](const LongRangeRun& run) { return run.hits.chance; })["mean"]},
      {"per_seed", over_seeds(r, [](const LongRangeRun& run) { return run.hits.hit_rate; })
                       ["per_seed"]},
      {"argmax_on_either_mark",
       over_seeds(r, [](const LongRangeRun& run) { return run.hits.hit_either; })["mean"]},
      {"weight_on_other_mark",
       over_seeds(r, [](const LongRangeRun& run) { return run.hits.mass_other; })["mean"]},
      {"weight_on_own_mark",
       over_seeds(r, [](const LongRangeRun& run) { return run.hits.mass_own; })["mean"]},
      {"queries_per_seed", first.hits.queries}};
  for (const auto& b : r.buckets)
    m["attention_hit_rate"]["by_distance"][b] = over_seeds(r, [&](const LongRangeRun& run) {
      return run.hits.hit_rate_by_bucket.at(b);
    })["mean"];
  // |gamma| (its sign means nothing: W_h can flip it); each seed's signed value is in
  // long_range_per_seed.
  m["gamma_final"]["cnn_self_attention"] =
      over_seeds(r, [](const LongRangeRun& run) { return std::abs(run.gamma_final); })["mean"];
  json per_seed = json::array();
  for (const auto& run : r.runs) {
    json one = {{"seed", run.seed},
                {"attention_hit_rate", run.hits.hit_rate},
                {"gamma_final", run.gamma_final}};
    for (const auto& model : run.models) {
      one["long_range"][model.name] = model.accuracy_by_bucket;
      one["accuracy"][model.name] = model.accuracy;
    }
    per_seed.push_back(one);
  }
  m["long_range_per_seed"] = per_seed;
  m["long_range_setup"] = {{"image_size", s.marks.image_size},
                           {"distance", "Chebyshev, between the marks' corners, pixels"},
                           {"receptive_field",
                            attn::models::receptive_field(first.models[0].model->options())},
                           {"seeds", r.runs.size()},
                           {"chance", 0.5},
                           {"additive_ceiling", attn::data::additive_ceiling(s.marks.colours)},
                           {"test_images_per_seed", r.test.size()}};
  return m;
}

// Accuracy against distance (the mean over seeds; each seed's own in metrics.json).
void save_accuracy(const fs::path& file, const LongRangeSettings& s, const LongRangeResults& r) {
  auto plot = attn::train::accuracy_plot(
      "Held-out accuracy by distance between the marks" +
          (r.runs.size() > 1 ? " (mean of " + std::to_string(r.runs.size()) + " seeds)"
                             : std::string()),
      "distance between the marks (pixels, Chebyshev; bucket middles)",
      "accuracy (chance 0.5)");
  std::vector<double> x;
  for (const auto& b : r.buckets) x.push_back(middle_of(b));
  for (const auto& model : r.runs.front().models) {
    std::vector<double> y;
    for (const auto& b : r.buckets) {
      std::vector<double> v;
      for (const auto& run : r.runs) v.push_back(model_of(run, model.name).accuracy_by_bucket.at(b));
      y.push_back(mean(v));
    }
    plot.add_series(model.label, x, y);
  }
  plot.add_series("chance", x, std::vector<double>(x.size(), 0.5));
  plot.add_series("best sum of one term per mark",  x,
                  std::vector<double>(x.size(), attn::data::additive_ceiling(s.marks.colours)));
  const double rf = double(attn::models::receptive_field(r.runs.front().models[0].model->options()));
  plot.add_series("receptive field - mark size (" + fmt("%g", rf - s.marks.mark_size) + " px)",
                  std::vector<double>{rf - s.marks.mark_size, rf - s.marks.mark_size},
                  std::vector<double>{0, 1});
  plot.save(file);
}

// For the first few test images (far pairs first), the picture and where the query at
// each mark attends.
std::vector<std::string> save_overlays(const fs::path& file, const LongRangeSettings& s,
                                       const LongRangeResults& r, int64_t count) {
  const auto& test = r.test;
  const int S = s.marks.image_size, half = s.marks.mark_size / 2;
  const int64_t P = int64_t{r.map_h} * r.map_w;
  // Far pairs tell the most: pick images from the farthest distances down.
  std::vector<int64_t> order(static_cast<size_t>(test.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return test.marks[size_t(a)].distance > test.marks[size_t(b)].distance;
  });
  std::vector<attn::train::AttentionQueries> rows;
  std::vector<std::string> lines;
  const attn::Tensor& maps = r.test_attention.front();
  for (int64_t k = 0; k < std::min<int64_t>(count, test.size()); ++k) {
    // Every few images apart in the ordering, so both labels and several distances show.
    const int64_t i = order[static_cast<size_t>((k * 7) % test.size())];
    const auto& p = test.marks[size_t(i)];
    attn::train::AttentionQueries q;
    const attn::real* chw = test.images.data() + i * 3 * S * S;
    q.picture = attn::data::image_from_chw(std::span<const float>(chw, size_t(3 * S * S)), 3, S,
                                           S, 0.0f, 1.0f);
    q.map.assign(maps.data() + i * P * P, maps.data() + (i + 1) * P * P);
    q.map_h = r.map_h;
    q.map_w = r.map_w;
    q.queries = {attn::train::query_at_pixel(p.y1 + half, p.x1 + half, S, S, r.map_h, r.map_w),
                 attn::train::query_at_pixel(p.y2 + half, p.x2 + half, S, S, r.map_h, r.map_w)};
    rows.push_back(std::move(q));
    lines.push_back("row " + std::to_string(k + 1) + ": d = " + std::to_string(p.distance) +
                    (p.match() ? ", same colour" : ", different colours"));
  }
  if (!rows.empty()) attn::train::save_attention_queries(file, rows, 8);
  return lines;
}

}  // namespace

void write_long_range(const attn::train::RunOptions& opts, const Settings& set,
                      const LongRangeResults& r, json& metrics, attn::train::Report& page) {
  const LongRangeSettings& s = set.long_range;
  const fs::path& out = opts.out_dir;
  const LongRangeRun& first = r.runs.front();
  for (const auto& m : first.models)
    attn::train::save_checkpoint(
        *m.model, out / (m.name + ".safetensors"),
        {{"model", m.name}, {"seed", std::to_string(first.seed)},
         {"head_channels", std::to_string(m.model->options().head_channels())}});
  save_accuracy(out / "long_range_accuracy.svg", s, r);
  auto loss = attn::train::loss_plot("Training loss (seed " + std::to_string(first.seed) + ")",
                                     "Adam step", "binary cross entropy");
  for (const auto& m : first.models) attn::train::add_loss_series(loss, m.label, m.log.losses);
  loss.save(out / "long_range_loss.svg");
  const auto overlay_lines = save_overlays(out / "long_range_attention.png", s, r,
                                           s.overlay_images);
  const json m = metrics_of(s, r);
  metrics.merge_patch(m);  // Part 1 has keys in gamma_final too

  page.heading("Part 2: where convolution alone cannot reach");
  page.paragraph(
      "Two marks in a " + std::to_string(s.marks.image_size) + " x " +
      std::to_string(s.marks.image_size) + " image, " + std::to_string(s.marks.min_distance) +
      " to " + std::to_string(s.marks.max_distance) +
      " pixels apart (Chebyshev): do they have the same colour? The CNN's last map sees "
      "windows of " + std::to_string(m["long_range_setup"]["receptive_field"].get<int64_t>()) +
      " pixels and averages them, so when no window holds both marks its logit is a sum of one "
      "term per mark, and no such sum says \"same\" for every pair of colours: the best one "
      "reaches " + fmt("%.3f", attn::data::additive_ceiling(s.marks.colours)) +
      " (say \"same\" only when both colours are among half of the palette), not 1. The same CNN with one SAGAN self-attention layer on that map lets each "
      "mark's position read the other's, whatever the distance. Both: the same steps, the same "
      "batches, about the same parameters (" + std::to_string(m["parameters"]["cnn"].get<int64_t>()) +
      " and " + std::to_string(m["parameters"]["cnn_self_attention"].get<int64_t>()) + ").");
  json shown;
  for (const auto& model : first.models)
    shown[model.name + ".accuracy"] = m["long_range_accuracy"][model.name]["mean"];
  shown["attention_hit_rate"] = m["attention_hit_rate"]["cnn_self_attention"];
  shown["attention_hit_rate_chance"] = m["attention_hit_rate"]["chance"];
  shown["gamma_final"] = m["gamma_final"]["cnn_self_attention"];
  page.metrics(shown, "Held-out accuracy and where the attention looked" +
                          (r.runs.size() > 1 ? " (means over " + std::to_string(r.runs.size()) +
                                                   " seeds)"
                                             : std::string()));
  page.figure("long_range_accuracy.svg",
              "Accuracy against the distance between the marks. The vertical line: the "
              "receptive field less a mark's size, the farthest two whole marks can be and "
              "still share a window.");
  std::string caption =
      "Where the query at each mark attends (row q of the N x N map, reshaped to the " +
      std::to_string(r.map_h) + " x " + std::to_string(r.map_w) +
      " grid and laid over the image; the query's own region outlined in cyan). Per row: the "
      "image, the query at mark 1, the query at mark 2.";
  for (const auto& l : overlay_lines) caption += " " + l + ";";
  if (!overlay_lines.empty()) page.figure("long_range_attention.png", caption);
  page.figure("long_range_loss.svg", "Training loss per step (window means), log scale.");
  for (const auto& model : first.models)
    page.link(model.name + ".safetensors", "the trained " + model.label + " (seed " +
                                               std::to_string(first.seed) + ")");
}
