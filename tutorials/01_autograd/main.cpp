// Tutorial 01: autograd from scratch.
//
//   build/bin/01_autograd [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                         [--threads N] [--data FASHION_MNIST_DIR]
//
// Part 1: one neuron, y = tanh(w . x + b), L = (y - t)^2, built from tensors.
//   Every op records a node as it computes; L.backward() walks the nodes in
//   reverse topological order and applies the chain rule. We print each
//   gradient beside a central-difference estimate and draw the graph.
// Part 2: a two-layer perceptron written with nothing but tensors and ops:
//   its parameters are four leaf tensors, its loss is cross-entropy spelled
//   out as -mean(log_softmax(logits)[label]), and the optimizer is one line,
//   p -= lr * dL/dp. Trained on Fashion-MNIST when it is installed (or given
//   with --data), else on spirals made by code.
//
// Config keys (a JSON object given with --config) and their defaults,
// Fashion-MNIST full / quick, then toy2d full / quick:
//   dataset       "auto" | "fashion_mnist" | "toy2d"     "auto"
//   hidden        hidden units                           128 / 64,      64 / 64
//   lr            SGD step size                          0.1,           0.3
//   epochs        passes over the training set           10 / 3,        200 / 100
//   batch_size    examples per step                      64,            32
//   train_limit   training examples, -1 for all          -1 / 20000,    1500 / 600
//   test_limit    test examples, -1 for all              -1 / 2000,     600 / 300
//   toy2d_classes, toy2d_turns, toy2d_noise              3, 1.0, 0.2
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/graphviz.h"
#include "data/fashion_mnist.h"
#include "data/image_io.h"
#include "data/toy2d.h"
#include "train/report/figures.h"
#include "train/metrics/metrics.h"
#include "train/run/progress.h"
#include "train/report/report.h"
#include "train/run/run_options.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::Tensor;
using nlohmann::json;

using attn::train::fmt;
using attn::train::seconds_since;

namespace {

// ============================================================================
// Part 1: one neuron, by hand and by backward()
// ============================================================================

// Shapes: x [3], w [3], b [], t [] -> L [].
struct Neuron {
  Tensor z, y, d, L;
};

Neuron neuron_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& t) {
  Neuron n;
  n.z = (w * x).sum() + b;  // the pre-activation, w . x + b
  n.y = n.z.tanh();         // the neuron's output
  n.d = n.y - t;            // the error
  n.L = n.d * n.d;          // squared error: d is used twice, so its gradient has two parts
  return n;
}

json part1_neuron(const fs::path& out_dir) {
  std::cout << "\n=== Part 1: one neuron, y = tanh(w . x + b), L = (y - t)^2 ===\n\n";
  // Leaves: tensors made by us, not by an op. Only w and b require grad: x
  // and t are data, so backward() computes no gradient for them.
  Tensor x = Tensor::from_vector({0.5f, -1.5f, 2.0f}, {3}).set_name("x");
  Tensor w = Tensor::from_vector({0.3f, -0.2f, 0.1f}, {3}, /*requires_grad=*/true).set_name("w");
  Tensor b = Tensor::scalar(0.1f, /*requires_grad=*/true).set_name("b");
  Tensor t = Tensor::scalar(0.8f).set_name("t");

  Neuron n = neuron_forward(x, w, b, t);
  n.z.set_name("z");
  n.y.set_name("y");
  n.d.set_name("d");
  n.d.retain_grad();  // keep dL/dd, a non-leaf's gradient, to look at it
  std::cout << "forward:  z = w . x + b = " << n.z.item() << ",  y = tanh(z) = " << n.y.item()
            << ",  d = y - t = " << n.d.item() << ",  L = d * d = " << n.L.item() << "\n";
  std::cout << "the graph was recorded while computing: L was made by '" << n.L.grad_fn()->op()
            << "', whose inputs were made by '" << n.L.grad_fn()->inputs()[0].grad_fn()->op()
            << "', ...\n\n";

  // retain_graph: keep what each node saved, so the graph can be drawn with
  // its gradients and walked a second time below.
  n.L.backward(/*retain_graph=*/true);

  // The chain rule by hand, link by link, from the loss back to w and b.
  const double y = n.y.item(), d = n.d.item();
  const double dL_dd = 2 * d;                // L = d^2
  const double dL_dz = dL_dd * (1 - y * y);  // dd/dy = 1, dy/dz = 1 - tanh^2
  std::cout << "by hand: dL/dd = 2d = " << dL_dd << " (backward() has " << n.d.grad().item()
            << ": the two uses of d in d * d each sent d, and they were summed)\n";
  std::cout << "         dL/dz = dL/dd * (1 - y^2) = " << dL_dz
            << ";  dL/dw_i = dL/dz * x_i;  dL/db = dL/dz\n\n";

  // Central differences: nudge one parameter by +-eps, run the forward pass
  // again, and take the slope. Two errors pull in opposite directions: the
  // formula's, O(eps^2), and float rounding of L (~1e-7 relative) divided by
  // eps. eps = 1e-3 keeps both near 1e-5 here.
  const double eps = 1e-3;
  auto loss_at = [&]() {
    attn::NoGradGuard no_grad;  // plain evaluation: record nothing
    return static_cast<double>(neuron_forward(x, w, b, t).L.item());
  };
  auto central_difference = [&](Tensor& p, int64_t i) {
    attn::real* v = p.data();
    const attn::real orig = v[i];
    v[i] = static_cast<attn::real>(orig + eps);
    const double up = loss_at();
    v[i] = static_cast<attn::real>(orig - eps);
    const double down = loss_at();
    v[i] = orig;
    return (up - down) / (2 * eps);
  };

  json rows = json::array();
  double max_rel = 0;
  std::printf("  %-6s %14s %14s %14s %12s\n", "param", "backward()", "by hand", "numeric",
              "rel. error");
  auto row = [&](const char* name, Tensor& p, int64_t i, double by_hand) {
    const double analytic = p.grad().data()[i];
    const double numeric = central_difference(p, i);
    const double rel =
        std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), 1e-12});
    max_rel = std::max(max_rel, rel);
    std::printf("  %-6s %14.7f %14.7f %14.7f %12.2e\n", name, analytic, by_hand, numeric, rel);
    rows.push_back(
        {{"param", name}, {"backward", analytic}, {"by_hand", by_hand}, {"numeric", numeric}});
  };
  const char* wn[] = {"w[0]", "w[1]", "w[2]"};
  for (int64_t i = 0; i < 3; ++i) row(wn[i], w, i, dL_dz * x.data()[i]);
  row("b", b, 0, dL_dz);
  std::cout << "\nbackward() agrees with the numeric slope to " << fmt("%.1e", max_rel)
            << " (relative): the limit of float. tests/gradcheck runs the same check in double\n"
            << "precision, where a correct backward agrees to ~1e-9 and a wrong one cannot hide.\n";

  // Gradients accumulate: a second backward() adds to .grad. This is what
  // makes "used twice" work, and why training zeroes .grad every step.
  const double before = w.grad().data()[0];
  n.L.backward(/*retain_graph=*/true);
  std::cout << "\na second L.backward() without zero_grad(): dL/dw[0] went from " << before
            << " to " << w.grad().data()[0] << " (doubled: .grad accumulates)\n";
  w.zero_grad();
  b.zero_grad();
  n.d.zero_grad();
  n.L.backward(/*retain_graph=*/true);  // once more from zero, so the picture shows one pass

  const fs::path dot = out_dir / "graph.dot";
  const bool svg = attn::write_dot(n.L, dot.string(), /*render_svg=*/true);
  std::cout << "the graph: " << dot.string()
            << (svg ? " and graph.svg" : " (install graphviz for graph.svg)") << "\n";
  return {{"gradients", rows}, {"max_rel_error", max_rel}, {"eps", eps}, {"graph_svg", svg}};
}

// ============================================================================
// Part 2: a two-layer perceptron from tensors and ops
// ============================================================================

struct Dataset {
  std::string name;  // "fashion_mnist" or "toy2d"
  Tensor x_train, y_train, x_test, y_test;
  int64_t features = 0;
  int classes = 0;
  std::vector<std::string> class_names;
  std::string why;  // how it was chosen, for the report
};

// The parameters: four leaves. Shapes: W1 [D, H], b1 [H], W2 [H, C], b2 [C].
struct Mlp {
  Tensor W1, b1, W2, b2;
  std::vector<Tensor*> parameters() { return {&W1, &b1, &W2, &b2}; }
};

Mlp make_mlp(int64_t D, int64_t H, int64_t C) {
  // Random weights break the symmetry between hidden units (all-equal weights
  // would get equal gradients and stay equal). Scale sqrt(2 / fan_in) keeps
  // the variance of relu activations steady from layer to layer (He et al. 2015).
  Mlp m;
  m.W1 = (Tensor::randn({D, H}) * std::sqrt(2.0f / D)).detach().requires_grad_().set_name("W1");
  m.b1 = Tensor::zeros({H}, true).set_name("b1");
  m.W2 = (Tensor::randn({H, C}) * std::sqrt(1.0f / H)).detach().requires_grad_().set_name("W2");
  m.b2 = Tensor::zeros({C}, true).set_name("b2");
  return m;
}

// x [B, D] -> logits [B, C]
Tensor mlp_forward(const Mlp& m, const Tensor& x) {
  Tensor h = attn::relu(attn::matmul(x, m.W1) + m.b1);  // [B, H]; b1 broadcasts over B
  return attn::matmul(h, m.W2) + m.b2;                  // [B, C]
}

// Cross-entropy from ops: logits [B, C], labels [B] -> [].
//   log p(label) = log_softmax(logits)[label];  L = -mean over the batch.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  Tensor log_p = attn::log_softmax(logits, 1);            // [B, C]
  Tensor index = labels.unsqueeze(1).set_name("labels");  // [B, 1]
  Tensor picked = attn::gather(log_p, 1, index);          // [B, 1]: log p of the true class
  return -picked.mean();
}

// Accuracy and predictions, in chunks, with grad mode off.
double accuracy(const Mlp& m, const Tensor& x, const Tensor& y, std::vector<int>* predictions) {
  attn::NoGradGuard no_grad;
  const int64_t n = x.size(0);
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += 2048) {
    const int64_t end = std::min(n, start + 2048);
    Tensor pred = mlp_forward(m, x.slice(0, start, end)).argmax(1);  // [chunk]
    for (int64_t i = 0; i < end - start; ++i) {
      const int p = static_cast<int>(pred.data()[i]);
      correct += p == static_cast<int>(y.data()[start + i]);
      if (predictions) predictions->push_back(p);
    }
  }
  return n ? static_cast<double>(correct) / n : 0.0;
}

Tensor rows_of(const Tensor& x, const std::vector<int64_t>& order, int64_t start, int64_t end) {
  std::vector<attn::real> idx(order.begin() + start, order.begin() + end);
  return attn::index_select(x, 0, Tensor::from_vector(idx, {end - start}));
}

// Everything the config decides, read before any work so that a typo in the
// config file stops the run at once.
struct Settings {
  std::optional<fs::path> fashion_mnist_dir;  // set: Fashion-MNIST; empty: toy2d
  std::string dataset_choice;                 // "auto" | "fashion_mnist" | "toy2d"
  int64_t hidden, epochs, batch_size, train_limit, test_limit;
  double lr;
  attn::data::SpiralOptions spirals;
};

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  Settings s;
  s.dataset_choice = cfg.get("dataset", "auto");
  const std::string& choice = s.dataset_choice;
  if (choice != "auto" && choice != "fashion_mnist" && choice != "toy2d") {
    attn::fail("config: dataset is \"", choice, "\", expected \"auto\", \"fashion_mnist\" or ",
               "\"toy2d\"");
  }
  if (choice != "toy2d") {
    s.fashion_mnist_dir = attn::data::find_fashion_mnist(
        opts.data_path.empty() ? std::nullopt
                               : std::optional<std::string>(opts.data_path.string()));
    if (!s.fashion_mnist_dir && choice == "fashion_mnist") {
      attn::fail("dataset \"fashion_mnist\": not found at ", attn::data::kFashionMnistDebianDir,
                 "; install Debian's dataset-fashion-mnist or pass --data DIR");
    }
  } else if (!opts.data_path.empty()) {
    std::cout << "note: dataset is \"toy2d\", so --data " << opts.data_path << " is not used\n";
  }
  const bool toy = !s.fashion_mnist_dir;
  const bool q = opts.quick;
  s.hidden = cfg.get<int64_t>("hidden", toy ? 64 : (q ? 64 : 128));
  s.lr = cfg.get("lr", toy ? 0.3 : 0.1);
  s.epochs = cfg.get<int64_t>("epochs", toy ? (q ? 100 : 200) : (q ? 3 : 10));
  s.batch_size = cfg.get<int64_t>("batch_size", toy ? 32 : 64);
  s.train_limit = cfg.get<int64_t>("train_limit", toy ? (q ? 600 : 1500) : (q ? 20000 : -1));
  s.test_limit = cfg.get<int64_t>("test_limit", toy ? (q ? 300 : 600) : (q ? 2000 : -1));
  s.spirals.classes = cfg.get("toy2d_classes", 3);
  s.spirals.turns = cfg.get("toy2d_turns", 1.0);
  s.spirals.noise = cfg.get("toy2d_noise", 0.2);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.hidden >= 1 && s.epochs >= 1 && s.batch_size >= 1 && s.lr > 0,
             "config: hidden, epochs and batch_size must be >= 1 and lr > 0; got hidden ", s.hidden,
             ", epochs ", s.epochs, ", batch_size ", s.batch_size, ", lr ", s.lr);
  if (toy) {
    ATTN_CHECK(s.train_limit >= 2 * s.spirals.classes && s.test_limit >= 2 * s.spirals.classes,
               "config: toy2d needs train_limit and test_limit of at least 2 per class, got ",
               s.train_limit, " and ", s.test_limit);
  }
  return s;
}

Dataset load_dataset(const Settings& s, uint64_t seed) {
  Dataset ds;
  if (s.fashion_mnist_dir) {
    const fs::path& dir = *s.fashion_mnist_dir;
    std::cout << "reading Fashion-MNIST from " << dir.string() << "\n";
    auto fm = attn::data::load_fashion_mnist(dir, {s.train_limit, s.test_limit});
    ds.name = "fashion_mnist";
    ds.why = "Fashion-MNIST, read from " + dir.string() + ".";
    ds.x_train = fm.train.images;
    ds.y_train = fm.train.labels;
    ds.x_test = fm.test.images;
    ds.y_test = fm.test.labels;
    ds.classes = attn::data::kFashionMnistClasses;
    const auto& names = attn::data::fashion_mnist_class_names();
    ds.class_names.assign(names.begin(), names.end());
  } else {
    if (s.dataset_choice == "auto") {
      std::cout << "Fashion-MNIST is not installed (apt install dataset-fashion-mnist, or --data "
                   "DIR): training on spirals made by code\n";
    }
    // Two draws from different seeds: the test points are new points.
    attn::data::SpiralOptions so = s.spirals;
    so.points_per_class = s.train_limit / so.classes;
    auto train = attn::data::make_spirals(so, seed * 2 + 1);
    so.points_per_class = s.test_limit / so.classes;
    auto test = attn::data::make_spirals(so, seed * 2 + 2);
    ds.name = "toy2d";
    ds.why = s.dataset_choice == "auto"
                 ? "spirals made by code (Fashion-MNIST was not found)."
                 : "spirals made by code (\"dataset\": \"toy2d\" in the config).";
    ds.x_train = train.points;
    ds.y_train = train.labels;
    ds.x_test = test.points;
    ds.y_test = test.labels;
    ds.classes = so.classes;
    for (int c = 0; c < so.classes; ++c) ds.class_names.push_back("arm " + std::to_string(c));
  }
  ds.features = ds.x_train.size(1);
  return ds;
}

// ---- figures of part 2 --------------------------------------------------------

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

struct EpochRecord {
  int64_t epoch;
  double train_loss, test_accuracy, train_accuracy, seconds;
};

int run(int argc, char** argv) {
  const auto opts = attn::train::parse_run_options(
      argc, argv, "01_autograd",
      "Autograd from scratch: a neuron's gradients checked by hand, then an MLP written with "
      "tensors and ops, trained by SGD on Fashion-MNIST (or spirals made by code).",
      attn::train::DataOption::kAccepted);
  const auto t_start = std::chrono::steady_clock::now();
  attn::manual_seed(opts.seed);
  std::cout << "attnlab tutorial 01: autograd from scratch" << (opts.quick ? " (quick run)" : "")
            << "\noutput: " << opts.out_dir.string() << "\n";

  const Settings hp = read_settings(opts);

  json metrics;
  metrics["neuron"] = part1_neuron(opts.out_dir);

  // ---- part 2: data ----
  std::cout << "\n=== Part 2: a two-layer perceptron from tensors and ops ===\n\n";
  const Dataset ds = load_dataset(hp, opts.seed);
  const bool toy = ds.name == "toy2d";

  const int64_t N = ds.x_train.size(0);
  std::cout << "dataset " << ds.name << ": " << N << " training and " << ds.x_test.size(0)
            << " test examples, " << ds.features << " features, " << ds.classes << " classes\n";
  std::cout << "model: x [B," << ds.features << "] -> relu(x W1 + b1) [B," << hp.hidden
            << "] -> logits [B," << ds.classes << "];  SGD lr " << hp.lr << ", batch "
            << hp.batch_size << ", " << hp.epochs << " epochs\n";

  Mlp m = make_mlp(ds.features, hp.hidden, ds.classes);
  // Training accuracy is measured on (at most) the first 10,000 examples:
  // enough to see a gap open between training and test data.
  const int64_t n_eval = std::min<int64_t>(ds.x_train.size(0), 10000);
  const Tensor x_train_eval = ds.x_train.slice(0, 0, n_eval);
  const Tensor y_train_eval = ds.y_train.slice(0, 0, n_eval);
  const double initial_test_acc = accuracy(m, ds.x_test, ds.y_test, nullptr);
  const double initial_train_acc = accuracy(m, x_train_eval, y_train_eval, nullptr);
  std::cout << "before training: test accuracy " << fmt("%.3f", initial_test_acc) << " (chance is "
            << fmt("%.3f", 1.0 / ds.classes) << ")\n\n";

  // ---- part 2: the training loop ----
  const int64_t steps_per_epoch = (N + hp.batch_size - 1) / hp.batch_size;
  const int64_t total_steps = steps_per_epoch * hp.epochs;
  attn::Generator shuffler(opts.seed + 17);
  std::vector<int64_t> order(N);
  for (int64_t i = 0; i < N; ++i) order[i] = i;
  std::vector<double> step_losses;
  std::vector<EpochRecord> epochs;
  bool graph_drawn = false, mlp_graph_svg = false;
  const auto t_train = std::chrono::steady_clock::now();
  attn::train::ProgressBar bar(total_steps, {.label = "train"});
  int64_t step = 0;
  double last_test_acc = 0;
  for (int64_t epoch = 1; epoch <= hp.epochs; ++epoch) {
    // A new order every epoch (Fisher-Yates), so batches differ between epochs.
    for (int64_t i = N - 1; i > 0; --i) std::swap(order[i], order[shuffler.randint(i + 1)]);
    double epoch_loss = 0;
    for (int64_t start = 0; start < N; start += hp.batch_size) {
      const int64_t end = std::min(N, start + hp.batch_size);
      Tensor x = rows_of(ds.x_train, order, start, end).set_name("x");  // [B, D]
      Tensor y = rows_of(ds.y_train, order, start, end).set_name("y");  // [B]

      Tensor loss = cross_entropy(mlp_forward(m, x), y);  // builds the graph
      const bool draw = !graph_drawn;
      loss.backward(/*retain_graph=*/draw);  // fills W1.grad() ... b2.grad()
      if (draw) {
        mlp_graph_svg = attn::write_dot(loss, (opts.out_dir / "mlp_graph.dot").string(), true);
        graph_drawn = true;
      }

      {  // SGD, written out: p <- p - lr * dL/dp, then forget the gradient.
        attn::NoGradGuard no_grad;
        for (Tensor* p : m.parameters()) {
          p->copy_(*p - static_cast<attn::real>(hp.lr) * p->grad());
          p->zero_grad();
        }
      }

      const double l = loss.item();
      step_losses.push_back(l);
      epoch_loss += l * (end - start);
      ++step;
      bar.update(step, l,
                 "epoch " + std::to_string(epoch) + "/" + std::to_string(hp.epochs) +
                     (epoch > 1 ? "  test acc " + fmt("%.3f", last_test_acc) : ""));
    }
    EpochRecord rec;
    rec.epoch = epoch;
    rec.train_loss = epoch_loss / N;
    rec.test_accuracy = last_test_acc = accuracy(m, ds.x_test, ds.y_test, nullptr);
    rec.train_accuracy = accuracy(m, x_train_eval, y_train_eval, nullptr);
    rec.seconds = seconds_since(t_train);
    epochs.push_back(rec);
  }
  bar.finish();
  const double train_seconds = seconds_since(t_train);

  std::cout << "\n  epoch   train loss   train acc   test acc   seconds\n";
  for (const auto& e : epochs)
    std::printf("  %5lld   %10.4f   %9.3f   %8.3f   %7.1f\n", static_cast<long long>(e.epoch),
                e.train_loss, e.train_accuracy, e.test_accuracy, e.seconds);

  std::vector<int> predictions;
  const double test_acc = accuracy(m, ds.x_test, ds.y_test, &predictions);
  std::cout << "\nfinal test accuracy " << fmt("%.4f", test_acc) << " (chance "
            << fmt("%.3f", 1.0 / ds.classes) << ") after " << step << " SGD steps in "
            << fmt("%.1f", train_seconds) << " s\n";

  // ---- figures ----
  const fs::path& out = opts.out_dir;
  {
    // Per-step losses are noisy: plot the mean over windows, at most ~400 points.
    const int64_t window = std::max<int64_t>(1, static_cast<int64_t>(step_losses.size()) / 400);
    std::vector<double> xs, ys;
    for (size_t s = 0; s < step_losses.size(); s += window) {
      const size_t e = std::min(step_losses.size(), s + window);
      double sum = 0;
      for (size_t k = s; k < e; ++k) sum += step_losses[k];
      xs.push_back(static_cast<double>(e));
      ys.push_back(sum / (e - s));
    }
    std::vector<double> ex, ey;
    for (const auto& e : epochs) {
      ex.push_back(static_cast<double>(e.epoch * steps_per_epoch));
      ey.push_back(e.train_loss);
    }
    attn::train::LinePlot()
        .title("Training loss (cross-entropy)")
        .x_label("SGD step")
        .y_label("loss")
        .log_y()
        .markers(false)
        .add_series(window > 1 ? "mean over " + std::to_string(window) + " steps" : "per step", xs,
                    ys)
        .add_series("epoch mean", ex, ey)
        .save(out / "loss.svg");
    // Epoch 0 is the untrained network: about chance.
    std::vector<double> ep{0}, te{initial_test_acc}, tr{initial_train_acc},
        chance{1.0 / ds.classes};
    for (const auto& e : epochs) {
      ep.push_back(static_cast<double>(e.epoch));
      te.push_back(e.test_accuracy);
      tr.push_back(e.train_accuracy);
      chance.push_back(1.0 / ds.classes);
    }
    attn::train::LinePlot()
        .title("Accuracy after each epoch")
        .x_label("epoch")
        .y_label("accuracy")
        .y_range(0, 1)
        .add_series("test", ep, te)
        .add_series("train", ep, tr)
        .add_series("chance", ep, chance)
        .save(out / "accuracy.svg");
  }
  std::vector<std::pair<fs::path, std::string>> examples;
  if (toy) {
    decision_boundary_png(m, ds, out / "decision_boundary.png");
  } else {
    examples = example_pngs(ds, predictions, out, 8, 4);
  }

  // ---- metrics.json ----
  json curve = json::array();
  for (const auto& e : epochs)
    curve.push_back({{"epoch", e.epoch},
                     {"train_loss", e.train_loss},
                     {"train_accuracy", e.train_accuracy},
                     {"test_accuracy", e.test_accuracy},
                     {"seconds", e.seconds}});
  metrics["dataset"] = ds.name;
  metrics["final_loss"] = epochs.back().train_loss;
  metrics["test_accuracy"] = test_acc;
  metrics["chance_accuracy"] = 1.0 / ds.classes;
  metrics["initial_test_accuracy"] = initial_test_acc;
  metrics["steps"] = step;
  metrics["train_seconds"] = train_seconds;
  metrics["seconds"] = seconds_since(t_start);
  metrics["train_examples"] = N;
  metrics["test_examples"] = ds.x_test.size(0);
  metrics["epochs"] = curve;
  metrics["quick"] = opts.quick;
  metrics["seed"] = opts.seed;
  metrics["threads"] = opts.threads;
  metrics["config"] = opts.config.effective();
  attn::train::write_metrics(out, metrics);

  // ---- index.html ----
  attn::train::Report report("01 · Autograd from scratch");
  report.paragraph(
      "Part 1 builds one neuron, `y = tanh(w·x + b)` with loss `L = (y - t)^2`, from tensors. "
      "Each op records a node as it computes, so the graph below exists before anyone asks for a "
      "gradient. `L.backward()` visits the nodes in reverse topological order (a node only after "
      "every node that uses its output) and applies the chain rule; the gradient of `d = y - t`, "
      "used twice in `d * d`, is the sum of both uses. The terminal output compares every "
      "gradient with a central-difference estimate.");
  if (metrics["neuron"]["graph_svg"].get<bool>())
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
                  {"test_accuracy", test_acc},
                  {"final_loss", epochs.back().train_loss},
                  {"steps", step},
                  {"train_seconds", train_seconds},
                  {"train_examples", N},
                  {"neuron_max_rel_error", metrics["neuron"]["max_rel_error"]}});
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
  if (mlp_graph_svg)
    report.figure("mlp_graph.svg",
                  "The graph of one training step: the whole network and its loss are this small "
                  "graph of ops, built anew for every batch.");
  report.link("metrics.json", "every number of this run, the per-epoch curve included");
  report.link("graph.dot", "the neuron's graph as Graphviz source");
  report.link("mlp_graph.dot", "the training step's graph as Graphviz source");
  report.paragraph(
      "No checkpoint is written here: the MLP is four loose tensors. From tutorial 02 on, models "
      "are Modules and every run saves model.safetensors.");
  report.run_info(opts);
  const fs::path page = report.save(out);
  std::cout << "open " << page.string() << " in a browser\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
