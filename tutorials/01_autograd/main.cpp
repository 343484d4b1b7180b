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
// The files: main.cpp (this: both parts); autograd_tutorial.h (the declarations and the
// config keys); settings.cpp; data.cpp (the datasets, minibatches, accuracy); report.cpp
// (figures, metrics.json, index.html).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/graphviz.h"
#include "autograd_tutorial.h"
#include "train/run/guarded_main.h"
#include "train/run/progress.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"
#include "train/run/tutorial_start.h"

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

}  // namespace

// x [B, D] -> logits [B, C]
Tensor mlp_forward(const Mlp& m, const Tensor& x) {
  Tensor h = attn::relu(attn::matmul(x, m.W1) + m.b1);  // [B, H]; b1 broadcasts over B
  return attn::matmul(h, m.W2) + m.b2;                  // [B, C]
}

namespace {

// Cross-entropy from ops: logits [B, C], labels [B] -> [].
//   log p(label) = log_softmax(logits)[label];  L = -mean over the batch.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  Tensor log_p = attn::log_softmax(logits, 1);            // [B, C]
  Tensor index = labels.unsqueeze(1).set_name("labels");  // [B, 1]
  Tensor picked = attn::gather(log_p, 1, index);          // [B, 1]: log p of the true class
  return -picked.mean();
}

// ---- the training loop, written out ----

// What --help says under the usage line.
constexpr const char* kAbout =
    "Autograd from scratch: a neuron's gradients checked by hand, then an MLP written with "
    "tensors and ops, trained by SGD on Fashion-MNIST (or spirals made by code).";

int run(int argc, char** argv) {
  Results r;  // its clock starts now
  const auto opts =
      attn::train::start_tutorial(argc, argv, "01_autograd", "autograd from scratch", kAbout,
                                   attn::train::DataOption::kAccepted);
  const Settings hp = read_settings(opts);
  r.neuron = part1_neuron(opts.out_dir);

  std::cout << "\n=== Part 2: a two-layer perceptron from tensors and ops ===\n\n";
  const Dataset ds = load_dataset(hp, opts.seed);
  const int64_t N = ds.x_train.size(0);
  std::cout << "dataset " << ds.name << ": " << N << " training and " << ds.x_test.size(0)
            << " test examples, " << ds.features << " features, " << ds.classes << " classes\n";
  std::cout << "model: x [B," << ds.features << "] -> relu(x W1 + b1) [B," << hp.hidden
            << "] -> logits [B," << ds.classes << "];  SGD lr " << hp.lr << ", batch "
            << hp.batch_size << ", " << hp.epochs << " epochs\n";
  Mlp m = make_mlp(ds.features, hp.hidden, ds.classes);
  // Training accuracy is measured on (at most) the first 10,000 examples:
  // enough to see a gap open between training and test data.
  const int64_t n_eval = std::min<int64_t>(N, 10000);
  const Tensor x_train_eval = ds.x_train.slice(0, 0, n_eval);
  const Tensor y_train_eval = ds.y_train.slice(0, 0, n_eval);
  r.initial_test_accuracy = accuracy(m, ds.x_test, ds.y_test, nullptr);
  r.initial_train_accuracy = accuracy(m, x_train_eval, y_train_eval, nullptr);
  std::cout << "before training: test accuracy " << fmt("%.3f", r.initial_test_accuracy)
            << " (chance is " << fmt("%.3f", 1.0 / ds.classes) << ")\n\n";

  r.steps_per_epoch = (N + hp.batch_size - 1) / hp.batch_size;
  attn::Generator shuffler(opts.seed + 17);
  std::vector<int64_t> order(N);
  for (int64_t i = 0; i < N; ++i) order[i] = i;
  bool graph_drawn = false;
  const auto t_train = std::chrono::steady_clock::now();
  attn::train::ProgressBar bar(r.steps_per_epoch * hp.epochs, {.label = "train"});
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
        r.mlp_graph_svg = attn::write_dot(loss, (opts.out_dir / "mlp_graph.dot").string(), true);
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
      r.step_losses.push_back(l);
      epoch_loss += l * (end - start);
      bar.update(++r.steps, l,
                 "epoch " + std::to_string(epoch) + "/" + std::to_string(hp.epochs) +
                     (epoch > 1 ? "  test acc " + fmt("%.3f", last_test_acc) : ""));
    }
    last_test_acc = accuracy(m, ds.x_test, ds.y_test, nullptr);
    r.epochs.push_back({epoch, epoch_loss / N, last_test_acc,
                        accuracy(m, x_train_eval, y_train_eval, nullptr), seconds_since(t_train)});
  }
  bar.finish();
  r.train_seconds = seconds_since(t_train);

  std::cout << "\n  epoch   train loss   train acc   test acc   seconds\n";
  for (const auto& e : r.epochs)
    std::printf("  %5lld   %10.4f   %9.3f   %8.3f   %7.1f\n", static_cast<long long>(e.epoch),
                e.train_loss, e.train_accuracy, e.test_accuracy, e.seconds);
  r.test_accuracy = accuracy(m, ds.x_test, ds.y_test, &r.predictions);
  std::cout << "\nfinal test accuracy " << fmt("%.4f", r.test_accuracy) << " (chance "
            << fmt("%.3f", 1.0 / ds.classes) << ") after " << r.steps << " SGD steps in "
            << fmt("%.1f", r.train_seconds) << " s\n";

  write_outputs(opts, ds, m, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
