#pragma once
// Tutorial 01's pieces beside main.cpp: the settings (settings.cpp), the data and scoring on
// it (data.cpp), and the outputs (report.cpp). The perceptron itself is in main.cpp.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "data/toy2d.h"
#include "train/run/run_options.h"

// ---- main.cpp: the perceptron, four leaf tensors ----
// Shapes: W1 [D, H], b1 [H], W2 [H, C], b2 [C].
struct Mlp {
  attn::Tensor W1, b1, W2, b2;
  std::vector<attn::Tensor*> parameters() { return {&W1, &b1, &W2, &b2}; }
};
// x [B, D] -> logits [B, C]
attn::Tensor mlp_forward(const Mlp& m, const attn::Tensor& x);

// ---- settings.cpp ----
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
struct Settings {
  std::optional<std::filesystem::path> fashion_mnist_dir;  // set: Fashion-MNIST; empty: toy2d
  std::string dataset_choice;                              // "auto" | "fashion_mnist" | "toy2d"
  int64_t hidden, epochs, batch_size, train_limit, test_limit;
  double lr;
  attn::data::SpiralOptions spirals;
};
Settings read_settings(const attn::train::RunOptions& opts);

// ---- data.cpp ----
struct Dataset {
  std::string name;  // "fashion_mnist" or "toy2d"
  attn::Tensor x_train, y_train, x_test, y_test;
  int64_t features = 0;
  int classes = 0;
  std::vector<std::string> class_names;
  std::string why;  // how it was chosen, for the report
};
Dataset load_dataset(const Settings& s, uint64_t seed);
// Rows order[start..end) of x: one minibatch.
attn::Tensor rows_of(const attn::Tensor& x, const std::vector<int64_t>& order, int64_t start,
                     int64_t end);
// Accuracy of the perceptron on (x, y), in chunks, with grad mode off; the predicted
// classes are appended to `predictions` when given.
double accuracy(const Mlp& m, const attn::Tensor& x, const attn::Tensor& y,
                std::vector<int>* predictions);

// ---- report.cpp ----
struct EpochRecord {
  int64_t epoch;
  double train_loss, test_accuracy, train_accuracy, seconds;
};
// What part 2 measured.
struct Results {
  nlohmann::json neuron;  // part 1's numbers
  std::vector<double> step_losses;
  std::vector<EpochRecord> epochs;
  int64_t steps = 0, steps_per_epoch = 0;
  double initial_test_accuracy = 0, initial_train_accuracy = 0, test_accuracy = 0;
  std::vector<int> predictions;  // on the test set, after training
  double train_seconds = 0;
  bool mlp_graph_svg = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};
// loss.svg, accuracy.svg, decision_boundary.png or examples/*.png, metrics.json and
// index.html in opts.out_dir.
void write_outputs(const attn::train::RunOptions& opts, const Dataset& ds, const Mlp& m,
                   const Results& r);
