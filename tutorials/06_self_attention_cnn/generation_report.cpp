// Tutorial 06, Part 1's outputs: samples at stages of training, both losses, gamma, where
// points of generated pictures attend, the metrics.json keys and the page's section.
#include <algorithm>
#include <cmath>

#include "autograd/autograd.h"
#include "data/caption_batch.h"
#include "self_attention_cnn.h"
#include "train/io/checkpoint.h"
#include "train/report/attention_overlay.h"
#include "train/report/figures.h"
#include "train/report/image_grid.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"

namespace fs = std::filesystem;
using attn::Tensor;
using attn::train::fmt;
using nlohmann::json;

namespace {

json spread_of(const std::vector<double>& v) {
  double mean = 0, var = 0;
  for (const double x : v) mean += x / double(v.size());
  for (const double x : v) var += (x - mean) * (x - mean);
  const double sd = v.size() > 1 ? std::sqrt(var / double(v.size() - 1)) : 0.0;
  return {{"mean", mean}, {"std", sd}, {"per_seed", v},
          {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())}};
}

template <typename F>
json over_seeds(const GenerationResults& r, const std::string& model, F value) {
  std::vector<double> v;
  for (const GanRun& run : r.runs)
    if (run.name == model) v.push_back(value(run));
  return spread_of(v);
}

const GanRun& first_run(const GenerationResults& r, const std::string& model) {
  for (const GanRun& run : r.runs)
    if (run.name == model) return run;
  throw attn::Error("no run of " + model);
}

// Means over windows of `w` steps, so a noisy GAN loss reads as a curve.
std::vector<double> window_means(const std::vector<double>& v, size_t w) {
  std::vector<double> out;
  for (size_t start = 0; start < v.size(); start += w) {
    const size_t end = std::min(v.size(), start + w);
    double s = 0;
    for (size_t i = start; i < end; ++i) s += v[i];
    out.push_back(s / double(end - start));
  }
  return out;
}

// The snapshots of one run as one grid: a row of `per_row` samples per stage of training.
void save_stages(const fs::path& file, const GanRun& run, int64_t per_row) {
  std::vector<Tensor> rows;
  for (const auto& snap : run.log.snapshots) {
    const int64_t n = std::min<int64_t>(per_row, snap.images.size(0));
    std::vector<int64_t> first(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) first[size_t(i)] = i;
    rows.push_back(attn::data::gather_images(snap.images, first));
  }
  attn::train::save_image_grid(file, attn::concat(rows, 0),
                               {.cols = int(per_row), .gap = 2, .scale = 3});
}

// A greyscale picture [1, H, W] in [-1, 1] as an RGB image, for laying colour over it.
attn::data::Image grey_to_rgb(const attn::real* px, int side) {
  std::vector<float> chw(static_cast<size_t>(3 * side * side));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < side * side; ++i) chw[size_t(c * side * side + i)] = float(px[i]);
  return attn::data::image_from_chw(chw, 3, side, side, -1.0f, 1.0f);
}

// Where points of generated pictures attend: the first seed's SAGAN generator on pictures of
// its own, row q of beta (where position q attends) over the picture for three queries.
std::vector<int> save_generated_attention(const fs::path& file, const GenerationSettings& s,
                                          const GanRun& sagan, uint64_t seed) {
  attn::train::ScopedSeed own(seed + 77);
  const attn::models::GanOutput g =
      sagan.G->sample(Tensor::randn({s.attention_images, s.z_dim}));
  const int side = int(g.output.size(2));
  const int64_t N = g.attention.size(1);
  const int map = int(std::lround(std::sqrt(double(N))));
  // The centre, a point above it and a corner of the background.
  const std::vector<int> queries = {(map / 2) * map + map / 2, (map / 4) * map + map / 2,
                                    1 * map + 1};
  std::vector<attn::train::AttentionQueries> rows;
  for (int64_t b = 0; b < s.attention_images; ++b) {
    attn::train::AttentionQueries q;
    q.picture = grey_to_rgb(g.output.data() + b * side * side, side);
    q.map.assign(g.attention.data() + b * N * N, g.attention.data() + (b + 1) * N * N);
    q.map_h = q.map_w = map;
    q.queries = queries;
    rows.push_back(std::move(q));
  }
  if (!rows.empty()) attn::train::save_attention_queries(file, rows, 6);
  return queries;
}

}  // namespace

void write_generation(const attn::train::RunOptions& opts, const Settings& set,
                      const GenerationResults& r, json& metrics, attn::train::Report& page) {
  const GenerationSettings& s = set.generation;
  const fs::path& out = opts.out_dir;
  const GanRun& gan = first_run(r, "gan");
  const GanRun& sagan = first_run(r, "sagan");

  // ---- metrics.json ----
  json m;
  for (const std::string model : {"gan", "sagan"}) {
    m["frechet_distance"][model] =
        over_seeds(r, model, [](const GanRun& run) { return run.frechet; });
    m["generated_labels"][model] = {
        {"confident_fraction",
         over_seeds(r, model, [](const GanRun& run) { return run.confident.confident_fraction; })},
        {"label_entropy",
         over_seeds(r, model, [](const GanRun& run) { return run.confident.label_entropy; })},
        {"classes_covered", over_seeds(r, model, [](const GanRun& run) {
           return double(run.confident.classes_covered);
         })}};
    m["gan_train_seconds"][model] =
        over_seeds(r, model, [](const GanRun& run) { return run.log.seconds; });
  }
  m["frechet_distance"]["real_floor"] = r.real_floor;
  m["generated_labels"]["real_test"] = {
      {"confident_fraction", r.real_confident.confident_fraction},
      {"label_entropy", r.real_confident.label_entropy},
      {"classes_covered", r.real_confident.classes_covered}};
  // |gamma|: its sign carries no meaning (W_h can flip it), so signed values of different
  // seeds would cancel in a mean; each seed's signed value is kept beside it.
  m["gamma_final"]["sagan"] =
      over_seeds(r, "sagan", [](const GanRun& run) { return std::abs(run.gamma_g); })["mean"];
  m["gamma_final"]["sagan_discriminator"] =
      over_seeds(r, "sagan", [](const GanRun& run) { return std::abs(run.gamma_d); })["mean"];
  m["gamma_final_per_seed"]["sagan"] =
      over_seeds(r, "sagan", [](const GanRun& run) { return run.gamma_g; })["per_seed"];
  m["gamma_final_per_seed"]["sagan_discriminator"] =
      over_seeds(r, "sagan", [](const GanRun& run) { return run.gamma_d; })["per_seed"];
  m["gan_setup"] = {{"pictures", r.data.source},
                    {"classifier_accuracy", r.classifier_accuracy},
                    {"classifier", r.classifier_note},
                    {"steps", s.steps},
                    {"batch_size", s.batch_size},
                    {"seeds", s.seeds},
                    {"samples_scored", s.samples},
                    {"parameters_G",
                     {{"gan", gan.G->num_parameters()}, {"sagan", sagan.G->num_parameters()}}}};
  metrics.merge_patch(m);

  // ---- figures ----
  save_stages(out / "gan_samples.png", gan, 8);
  save_stages(out / "sagan_samples.png", sagan, 8);
  {
    std::vector<int64_t> first(size_t(std::min<int64_t>(32, r.data.test.images.size(0))));
    for (size_t i = 0; i < first.size(); ++i) first[i] = int64_t(i);
    attn::train::save_image_grid(out / "real_samples.png",
                                 attn::data::gather_images(r.data.test.images, first),
                                 {.cols = 8, .gap = 2, .scale = 3});
  }
  const size_t w = std::max<size_t>(1, size_t(s.steps) / 60);
  auto losses = attn::train::LinePlot()
                    .title("Hinge losses (seed " + std::to_string(gan.seed) + ", means of " +
                           std::to_string(w) + " steps)")
                    .x_label("step (/" + std::to_string(w) + ")")
                    .y_label("loss");
  for (const GanRun* run : {&gan, &sagan}) {
    losses.add_series(run->name + " D", window_means(run->log.d_loss, w));
    losses.add_series(run->name + " G", window_means(run->log.g_loss, w));
  }
  losses.save(out / "gan_losses.svg");
  auto gamma = attn::train::LinePlot()
                   .title("SAGAN's gamma over training (seed " + std::to_string(sagan.seed) + ")")
                   .x_label("step")
                   .y_label("gamma");
  for (const auto& [name, values] : sagan.log.gammas) gamma.add_series(name, values);
  gamma.save(out / "sagan_gamma.svg");
  const std::vector<int> queries =
      save_generated_attention(out / "sagan_attention.png", s, sagan, opts.seed);
  attn::train::save_checkpoint(*sagan.G, out / "sagan_generator.safetensors",
                               {{"model", "sagan"}, {"seed", std::to_string(sagan.seed)}});

  // ---- the page ----
  page.heading("Part 1: a small SAGAN");
  page.paragraph(
      "A generator G turns noise z into " + std::string(r.data.source == "glyphs"
                                                            ? "glyph pictures"
                                                            : "Fashion-MNIST pictures") +
      "; a discriminator D scores real against generated. Both in SAGAN's recipe: spectral "
      "norm on every weight, the hinge loss, Adam(0, 0.9), 1e-4 for G and 4e-4 for D. The "
      "sagan model has one self-attention layer at the 14 x 14 map of each network; the gan "
      "model is the same without it. Same draws, same batches, " + std::to_string(s.steps) +
      " steps. " + r.data.why);
  json shown = {{"frechet_distance.gan", m["frechet_distance"]["gan"]["mean"]},
                {"frechet_distance.sagan", m["frechet_distance"]["sagan"]["mean"]},
                {"frechet_distance.real_floor", r.real_floor},
                {"confident_labels.gan", m["generated_labels"]["gan"]["confident_fraction"]["mean"]},
                {"confident_labels.sagan",
                 m["generated_labels"]["sagan"]["confident_fraction"]["mean"]},
                {"gamma_final.sagan", m["gamma_final"]["sagan"]},
                {"classifier_accuracy", r.classifier_accuracy}};
  page.metrics(shown, "Fréchet distance in the judging classifier's feature space (lower is "
                      "better; real against real is the floor)" +
                          (s.seeds > 1 ? ", means over " + std::to_string(s.seeds) + " seeds"
                                       : std::string()));
  const std::string stages = "rows: after 0, " + std::to_string(s.steps / 4) + ", " +
                             std::to_string(s.steps / 2) + " and " + std::to_string(s.steps) +
                             " steps, the same z in every row";
  page.figure("gan_samples.png", "gan: samples of the fixed z; " + stages + ".");
  page.figure("sagan_samples.png", "sagan: the same z; " + stages + ".");
  page.figure("real_samples.png", "Real held-out pictures, for comparison.");
  page.figure("gan_losses.svg", "D's and G's hinge losses.");
  page.figure("sagan_gamma.svg",
              "gamma of the attention layers of G and D: 0 at the start (the layer is the "
              "identity); how far it moves is how much the networks chose to use it.");
  std::string where = "Where points of generated pictures attend: per row, the picture, then "
                      "row q of G's attention map (where q attends) laid over it for q at ";
  const int map = int(2 * sagan.G->options().base_size());
  for (size_t i = 0; i < queries.size(); ++i) {
    where += (i ? ", " : "") + std::string("(") + std::to_string(queries[i] / map) + ", " +
             std::to_string(queries[i] % map) + ")";
  }
  page.figure("sagan_attention.png", where + " of the " + std::to_string(map) + " x " + std::to_string(map) +
                                    " map (outlined in cyan).");
}
