// Optimizers against torch.optim: SGD (plain, momentum with dampening and
// weight decay, nesterov) and Adam / AdamW take three steps on the parameters
// and gradients of tests/data/parity/optim.json (written by
// tests/fixtures/make_optim_fixtures.py with torch 1.13), and must land on
// the same float32 numbers after every step. Then the rules torch keeps that
// a learner relies on: skipped parameters, errors, handles.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "train/optim/adam.h"
#include "train/optim/sgd.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::as_reals;
using testing::read_test_json;

std::unique_ptr<optim::Optimizer> make_optimizer(const json& c, std::vector<Tensor> params) {
  const std::string kind = c["optimizer"];
  const json& o = c["options"];
  if (kind == "SGD")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{.lr = o["lr"],
                                  .momentum = o.value("momentum", 0.0),
                                  .dampening = o.value("dampening", 0.0),
                                  .weight_decay = o.value("weight_decay", 0.0),
                                  .nesterov = o.value("nesterov", false)});
  if (kind == "Adam")
    return std::make_unique<optim::Adam>(
        params, optim::AdamOptions{.lr = o["lr"],
                                   .beta1 = o["beta1"],
                                   .beta2 = o["beta2"],
                                   .eps = o["eps"],
                                   .weight_decay = o.value("weight_decay", 0.0)});
  if (kind == "AdamW")
    return std::make_unique<optim::AdamW>(params,
                                          optim::AdamWOptions{.lr = o["lr"],
                                                              .beta1 = o["beta1"],
                                                              .beta2 = o["beta2"],
                                                              .eps = o["eps"],
                                                              .weight_decay = o["weight_decay"]});
  throw std::runtime_error("optim.json names an unknown optimizer " + kind);
}

// float32 against float32 after up to three updates: a few ulps of
// difference in rounding order, nothing more.
constexpr double kRtol = 1e-5, kAtol = 2e-6;

TEST(OptimParity, EveryCaseMatchesTorchAfterEachStep) {
  const json fx = read_test_json("parity/optim.json");
  const json& shapes = fx["shapes"];
  ASSERT_GE(fx["cases"].size(), 6u);
  for (const json& c : fx["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<Tensor> params;
    for (size_t i = 0; i < shapes.size(); ++i)
      params.push_back(Tensor::from_vector(as_reals(fx["init"][i]), shapes[i].get<Shape>(),
                                           /*requires_grad=*/true));
    auto opt = make_optimizer(c, params);
    for (size_t k = 0; k < fx["grads"].size(); ++k) {
      SCOPED_TRACE("after step " + std::to_string(k + 1));
      for (size_t i = 0; i < params.size(); ++i) {
        const json& g = fx["grads"][k][i];
        params[i].set_grad(g.is_null() ? Tensor()
                                       : Tensor::from_vector(as_reals(g), params[i].shape()));
      }
      opt->step();
      for (size_t i = 0; i < params.size(); ++i) {
        SCOPED_TRACE("parameter " + std::to_string(i));
        EXPECT_TRUE(AllClose(params[i].to_vector(), as_reals(c["after"][k][i]), kRtol, kAtol));
      }
    }
  }
}

// The fixture must exercise what it claims: a parameter without a gradient
// at some step (which torch skips, and which must not advance Adam's t).
TEST(OptimParity, FixtureSkipsAParameterAtSomeStep) {
  const json fx = read_test_json("parity/optim.json");
  bool some_null = false;
  for (const json& step : fx["grads"])
    for (const json& g : step) some_null = some_null || g.is_null();
  EXPECT_TRUE(some_null);
}

TEST(Adam, StepCountAdvancesOnlyWithAGradient) {
  Tensor a = Tensor::ones({3}, true), b = Tensor::ones({2}, true);
  optim::Adam opt({a, b}, {.lr = 0.1});
  a.set_grad(Tensor::ones({3}));
  opt.step();
  opt.step();
  EXPECT_EQ(opt.step_count(0), 2);
  EXPECT_EQ(opt.step_count(1), 0);
  for (real v : b.to_vector()) EXPECT_EQ(v, 1);  // untouched
}

// The register-wide path and the one-lane tail agree with a plain double
// reference of the same formulas, on sizes around every register width.
TEST(Adam, VectorPathAndTailMatchAScalarReference) {
  for (int64_t n : {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    const double lr = 0.01, b1 = 0.85, b2 = 0.995, eps = 1e-7, wd = 0.03;
    Tensor p = Tensor::randn({n}, true);
    std::vector<double> ref(p.data(), p.data() + n), m(n, 0), v(n, 0);
    optim::AdamW opt({p}, {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
    for (int t = 1; t <= 4; ++t) {
      Tensor g = Tensor::randn({n});
      p.set_grad(g);
      opt.step();
      for (int64_t i = 0; i < n; ++i) {
        ref[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g.data()[i];
        v[i] = b2 * v[i] + (1 - b2) * g.data()[i] * g.data()[i];
        const double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
        ref[i] -= lr * mhat / (std::sqrt(vhat) + eps);
      }
    }
    EXPECT_TRUE(AllClose(p.to_vector(), std::vector<real>(ref.begin(), ref.end()), 1e-5, 1e-6));
  }
}

TEST(Optimizer, UpdatesThroughTheCallersHandlesAndStaysALeaf) {
  Tensor w = Tensor::full({2, 2}, 1, true);
  Tensor alias = w;  // what a Module holds
  optim::SGD opt({w}, {.lr = 0.5});
  (w * w).sum().backward();  // dL/dw = 2w = 2
  opt.step();
  for (real v : alias.to_vector()) EXPECT_FLOAT_EQ(v, 0);  // 1 - 0.5 * 2
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(w.grad_fn(), nullptr);
}

TEST(Optimizer, ZeroGradDropsTheGradients) {
  Tensor w = Tensor::ones({3}, true);
  optim::SGD opt({w}, {.lr = 0.1});
  w.set_grad(Tensor::ones({3}));
  opt.zero_grad();
  EXPECT_FALSE(w.grad().defined());
  opt.step();  // nothing to do: no gradient
  for (real v : w.to_vector()) EXPECT_EQ(v, 1);
}

TEST(Optimizer, ATensorListedTwiceIsUpdatedOnce) {
  Tensor w = Tensor::ones({2}, true);
  optim::SGD opt({w, w}, {.lr = 0.25});
  EXPECT_EQ(opt.parameters().size(), 1u);
  w.set_grad(Tensor::ones({2}));
  opt.step();
  for (real v : w.to_vector()) EXPECT_FLOAT_EQ(v, 0.75);
}

TEST(Optimizer, LearningRateCanBeReadAndSet) {
  Tensor w = Tensor::ones({1}, true);
  optim::Adam opt({w}, {.lr = 1e-3});
  EXPECT_DOUBLE_EQ(opt.lr(), 1e-3);
  opt.set_lr(0.5);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.5);
  EXPECT_THROW(opt.set_lr(-1), Error);
  EXPECT_THROW(opt.set_lr(std::nan("")), Error);
}

TEST(Optimizer, AdamWDecaysByDefaultAsTorchDoes) {
  Tensor w = Tensor::ones({1}, true);
  optim::AdamW opt({w}, {});
  EXPECT_DOUBLE_EQ(opt.options().weight_decay, 1e-2);
  optim::Adam plain({w}, {});
  EXPECT_DOUBLE_EQ(plain.options().weight_decay, 0);
}

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Optimizer, BadSettingsAndParametersAreErrors) {
  Tensor w = Tensor::ones({2}, true);
  expect_error([&] { optim::SGD({w}, {.lr = 0.1, .nesterov = true}); },
               "nesterov needs momentum > 0");
  expect_error(
      [&] { optim::SGD({w}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}); },
      "dampening == 0");
  expect_error([&] { optim::SGD({w}, {.lr = -0.1}); }, "learning rate");
  expect_error([&] { optim::Adam({w}, {.beta1 = 1.0}); }, "beta1 must be in [0, 1)");
  expect_error([&] { optim::Adam({w}, {.beta2 = -0.1}); }, "beta2");
  expect_error([&] { optim::AdamW({w}, {.weight_decay = -1}); }, "weight_decay");
  expect_error([&] { optim::SGD({Tensor()}, {}); }, "parameter 0 of 1 is undefined");
  Tensor non_leaf = w * 2;
  expect_error([&] { optim::Adam({w, non_leaf}, {}); }, "parameter 1 (shape [2]) is not a leaf");
}

}  // namespace
}  // namespace attn
