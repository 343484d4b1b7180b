// Tutorial 01's outputs: the figures of part 2, metrics.json and the report page.
#include "train/report/report.h"

#include <algorithm>

#include "autograd/autograd.h"
#include "autograd_tutorial.h"
#include "data/image_io.h"
#include "train/loop/loss_curve.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/figures.h"
#include "train/report/publish.h"
#include "train/report/tutorial_plots.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::Tensor;
using attn::train::fmt;
using nlohmann::json;

namespace {

// A distinct colour per class (up to 10), readable on white.
attn::data::Rgb class_colour(int c) {
  static const attn::data::Rgb palette[] = {
      {31, 119, 180}, {230, 85, 13},   {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return palette[c % 10];
}

// The plane [-1.2, 1.2]^2 coloured by the predicted class, with the test points on top.
void decision_boundary_png(const Mlp& m, const Dataset& ds, const fs::path& path) {
  const int side = 360;
  const double lo = -1.2, hi = 1.2;
  auto to_plane = [&](int px) { return lo + (hi - lo) * (px + 0.5) / side; };
  std::vector<attn::real> grid;
  grid.reserve(2 * side * side);
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      grid.push_back(static_cast<attn::real>(to_plane(c)));
      grid.push_back(static_cast<attn::real>(-to_plane(r)));  // row 0 is the top: y = hi
    }
  Tensor pred;
  {
    attn::NoGradGuard no_grad;
    pred = mlp_forward(m, Tensor::from_vector(grid, {side * side, 2})).argmax(1);
  }
  attn::data::Image img = attn::data::make_image(side, side, 3);
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      const auto col = class_colour(static_cast<int>(pred.data()[r * side + c]));
      // A pale tint of the class colour for the region.
      img.at(r, c, 0) = static_cast<uint8_t>(255 - (255 - col.r) * 0.35);
      img.at(r, c, 1) = static_cast<uint8_t>(255 - (255 - col.g) * 0.35);
      img.at(r, c, 2) = static_cast<uint8_t>(255 - (255 - col.b) * 0.35);
    }
  for (int64_t i = 0; i < ds.x_test.size(0); ++i) {
    const double x = ds.x_test.data()[2 * i], y = ds.x_test.data()[2 * i + 1];
    const int cx = static_cast<int>((x - lo) / (hi - lo) * side);
    const int cy = static_cast<int>((hi - y) / (hi - lo) * side);
    const auto col = class_colour(static_cast<int>(ds.y_test.data()[i]));
    for (int dy = -3; dy <= 3; ++dy)
      for (int dx = -3; dx <= 3; ++dx) {
        const int rr = cy + dy, cc = cx + dx, d2 = dx * dx + dy * dy;
        if (rr < 0 || rr >= side || cc < 0 || cc >= side || d2 > 10) continue;
        const bool rim = d2 > 5;  // a dark outline keeps a point visible on its own region
        img.at(rr, cc, 0) = rim ? 20 : col.r;
        img.at(rr, cc, 1) = rim ? 20 : col.g;
        img.at(rr, cc, 2) = rim ? 20 : col.b;
      }
  }
  attn::data::save_png(path, img);
}

// Test images with their predicted and true class: the first `first` ones
// (mostly right) and then the first `wrong` mistakes, which teach more.
std::vector<std::pair<fs::path, std::string>> example_pngs(const Dataset& ds,
                                                           const std::vector<int>& predictions,
                                                           const fs::path& out_dir, int first,
                                                           int wrong) {
  fs::create_directories(out_dir / "examples");
  const int64_t n = ds.x_test.size(0);
  std::vector<int64_t> picked;
  for (int64_t i = 0; i < n && i < first; ++i) picked.push_back(i);
  for (int64_t i = first; i < n && wrong > 0; ++i)
    if (predictions[i] != static_cast<int>(ds.y_test.data()[i])) {
      picked.push_back(i);
      --wrong;
    }
  std::vector<std::pair<fs::path, std::string>> out;
  const std::vector<attn::real> pixels = ds.x_test.to_vector();
  for (const int64_t i : picked) {
    std::vector<float> chw(pixels.begin() + i * 784, pixels.begin() + (i + 1) * 784);
    const auto img = attn::data::upscale_nearest(attn::data::image_from_chw(chw, 1, 28, 28), 4);
    const fs::path rel = fs::path("examples") / ("test_" + std::to_string(i) + ".png");
    attn::data::save_png(out_dir / rel, img);
    const int truth = static_cast<int>(ds.y_test.data()[i]);
    const int pred = predictions[i];
    std::string label = ds.class_names[pred];
    label += pred == truth ? " \u2713" : " \u2717 (is " + ds.class_names[truth] + ")";
    out.emplace_back(rel, label);
  }
  return out;
}

// Per-step losses (window means, at most ~400 points) and epoch means; accuracy per epoch,
// epoch 0 being the untrained network (about chance).
void save_curves(const fs::path& out, const Dataset& ds, const Results& r) {
  const attn::train::Curve steps = attn::train::window_means(r.step_losses, 400);
  std::vector<double> ex, ey;
  for (const auto& e : r.epochs) {
    ex.push_back(static_cast<double>(e.epoch * r.steps_per_epoch));
    ey.push_back(e.train_loss);
  }
  attn::train::loss_plot("Training loss (cross-entropy)", "SGD step", "loss")
      .add_series(
          steps.window > 1 ? "mean over " + std::to_string(steps.window) + " steps" : "per step",
          steps.x, steps.y)
      .add_series("epoch mean", ex, ey)
      .save(out / "loss.svg");
  std::vector<double> ep{0}, te{r.initial_test_accuracy}, tr{r.initial_train_accuracy},
      chance{1.0 / ds.classes};
  for (const auto& e : r.epochs) {
    ep.push_back(static_cast<double>(e.epoch));
    te.push_back(e.test_accuracy);
    tr.push_back(e.train_accuracy);
    chance.push_back(1.0 / ds.classes);
  }
  attn::train::accuracy_plot("Accuracy after each epoch", "epoch", "accuracy")
      .add_series("test", ep, te)
      .add_series("train", ep, tr)
      .add_series("chance", ep, chance)
      .save(out / "accuracy.svg");
}

json metrics_of(const attn::train::RunOptions& opts, const Dataset& ds, const Results& r) {
  json curve = json::array();
  for (const auto& e : r.epochs)
    curve.push_back({{"epoch", e.epoch},
                     {"train_loss", e.train_loss},
                     {"train_accuracy", e.train_accuracy},
                     {"test_accuracy", e.test_accuracy},
                     {"seconds", e.seconds}});
  json m;
  m["neuron"] = r.neuron;
  m["dataset"] = ds.name;
  m["final_loss"] = r.epochs.back().train_loss;
  m["test_accuracy"] = r.test_accuracy;
  m["chance_accuracy"] = 1.0 / ds.classes;
  m["initial_test_accuracy"] = r.initial_test_accuracy;
  m["steps"] = r.steps;
  m["train_seconds"] = r.train_seconds;
  m["train_examples"] = ds.x_train.size(0);
  m["test_examples"] = ds.x_test.size(0);
  m["epochs"] = curve;
  attn::train::record_run(m, opts, r.start);
  return m;
}

void write_page(const attn::train::RunOptions& opts, const Dataset& ds, const Results& r,
                const std::vector<std::pair<fs::path, std::string>>& examples) {
  const bool toy = ds.name == "toy2d";
  attn::train::Report report("01 · Autograd from scratch");
  report.paragraph(
      "Part 1 builds one neuron, `y = tanh(w·x + b)` with loss `L = (y - t)^2`, from tensors. "
      "Each op records a node as it computes, so the graph below exists before anyone asks for a "
      "gradient. `L.backward()` visits the nodes in reverse topological order (a node only after "
      "every node that uses its output) and applies the chain rule; the gradient of `d = y - t`, "
      "used twice in `d * d`, is the sum of both uses. The terminal output compares every "
      "gradient with a central-difference estimate.");
  if (r.neuron["graph_svg"].get<bool>())
    report.figure("graph.svg",
                  "The neuron's graph: boxes are ops, ellipses are leaves with their gradients. "
                  "Edges point the way the forward pass ran; backward() walks them the other way.");
  report.paragraph(
      "Part 2 trains a two-layer perceptron written with nothing but tensors and ops: four leaf "
      "tensors `W1, b1, W2, b2`, cross-entropy spelled out as `-mean(log_softmax(logits)[label])`, "
      "and SGD as one line per parameter, `p -= lr * p.grad`, followed by `zero_grad()` because "
      "gradients accumulate. Dataset: " +
      ds.why +
      " The loss falls quickly at first and then slowly; test accuracy rises far above chance (" +
      fmt("%.2f", 1.0 / ds.classes) + ").");
  report.metrics({{"dataset", ds.name},
                  {"test_accuracy", r.test_accuracy},
                  {"final_loss", r.epochs.back().train_loss},
                  {"steps", r.steps},
                  {"train_seconds", r.train_seconds},
                  {"train_examples", ds.x_train.size(0)},
                  {"neuron_max_rel_error", r.neuron["max_rel_error"]}});
  report.figure("loss.svg", "Training loss per SGD step (window means) and per epoch, log scale.");
  report.figure("accuracy.svg",
                "Accuracy after each epoch on the held-out test set and on training examples. "
                "A growing gap between the two would mean memorising rather than learning.");
  if (toy) {
    report.figure("decision_boundary.png",
                  "What the MLP learned: the plane coloured by its predicted class, with the "
                  "test points (dark rims) on top. A straight line could not separate the arms.");
  } else {
    report.figure_row(examples,
                      "The first eight test images, then the first four mistakes, each with the "
                      "predicted class (\u2713 right; \u2717 wrong, with the true class).");
  }
  if (r.mlp_graph_svg)
    report.figure("mlp_graph.svg",
                  "The graph of one training step: the whole network and its loss are this small "
                  "graph of ops, built anew for every batch.");
  report.link("metrics.json", "every number of this run, the per-epoch curve included");
  report.link("graph.dot", "the neuron's graph as Graphviz source");
  report.link("mlp_graph.dot", "the training step's graph as Graphviz source");
  report.paragraph(
      "No checkpoint is written here: the MLP is four loose tensors. From tutorial 02 on, models "
      "are Modules and every run saves model.safetensors.");
  attn::train::publish(report, opts);
}

}  // namespace

void write_outputs(const attn::train::RunOptions& opts, const Dataset& ds, const Mlp& m,
                   const Results& r) {
  const fs::path& out = opts.out_dir;
  save_curves(out, ds, r);
  std::vector<std::pair<fs::path, std::string>> examples;
  if (ds.name == "toy2d") {
    decision_boundary_png(m, ds, out / "decision_boundary.png");
  } else {
    examples = example_pngs(ds, r.predictions, out, 8, 4);
  }
  attn::train::write_metrics(out, metrics_of(opts, ds, r));
  write_page(opts, ds, r, examples);
}
