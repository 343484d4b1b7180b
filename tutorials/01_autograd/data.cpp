// Tutorial 01's data (Fashion-MNIST when installed, else spirals made by code), its
// minibatches, and the perceptron's accuracy on it.
#include <algorithm>
#include <iostream>

#include "autograd/autograd.h"
#include "autograd_tutorial.h"
#include "data/fashion_mnist.h"

namespace fs = std::filesystem;
using attn::Tensor;

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
