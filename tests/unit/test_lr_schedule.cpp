// Learning-rate schedules: StepDecay against torch's StepLR, WarmupCosine
// (with no warm-up) against torch's CosineAnnealingLR, both from
// tests/data/parity/optim.json; the warm-up's shape; the scheduler driving an
// optimizer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "helpers/fixtures.h"
#include "train/optim/lr_schedule.h"
#include "train/optim/sgd.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::read_test_json;

TEST(LRSchedule, StepDecayMatchesTorchStepLR) {
  const json s = read_test_json("parity/optim.json")["step_lr"];
  const train::StepDecay decay{
      .base_lr = s["base_lr"], .step_size = s["step_size"], .gamma = s["gamma"]};
  ASSERT_GE(s["lrs"].size(), 10u);
  for (size_t k = 0; k < s["lrs"].size(); ++k)
    EXPECT_NEAR(decay(static_cast<int64_t>(k)), s["lrs"][k].get<double>(), 1e-12) << "step " << k;
}

TEST(LRSchedule, CosineWithoutWarmupMatchesTorchCosineAnnealingLR) {
  const json c = read_test_json("parity/optim.json")["cosine_annealing"];
  const train::WarmupCosine cosine{.base_lr = c["base_lr"],
                                   .warmup_steps = 0,
                                   .total_steps = c["total_steps"],
                                   .min_lr = c["min_lr"]};
  ASSERT_GE(c["lrs"].size(), 10u);
  // torch's recursive form accumulates rounding; 1e-12 of base_lr is plenty.
  for (size_t k = 0; k < c["lrs"].size(); ++k)
    EXPECT_NEAR(cosine(static_cast<int64_t>(k)), c["lrs"][k].get<double>(), 1e-12) << "step " << k;
}

TEST(LRSchedule, WarmupRisesLinearlyThenTheCosineFallsToMinLr) {
  const train::WarmupCosine s{.base_lr = 1.0, .warmup_steps = 4, .total_steps = 14, .min_lr = 0.1};
  EXPECT_DOUBLE_EQ(s(0), 0.25);  // step 0 already moves
  EXPECT_DOUBLE_EQ(s(1), 0.5);
  EXPECT_DOUBLE_EQ(s(3), 1.0);     // the peak ends the warm-up
  EXPECT_DOUBLE_EQ(s(4), 1.0);     // the cosine starts at base_lr
  EXPECT_NEAR(s(9), 0.55, 1e-12);  // half-way: (base + min) / 2
  EXPECT_NEAR(s(14), 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(s(1000), 0.1);  // and stays there
  for (int64_t k = 4; k < 14; ++k) EXPECT_GT(s(k), s(k + 1)) << "step " << k;
}

TEST(LRSchedule, BadSettingsAreErrors) {
  EXPECT_THROW((train::StepDecay{.base_lr = 1, .step_size = 0}(3)), Error);
  EXPECT_THROW((train::StepDecay{}(-1)), Error);
  EXPECT_THROW((train::WarmupCosine{.warmup_steps = 10, .total_steps = 10}(0)), Error);
  EXPECT_THROW((train::WarmupCosine{.base_lr = 0.1, .total_steps = 5, .min_lr = 1}(0)), Error);
}

TEST(LRScheduler, SetsTheOptimizersLearningRateEachStep) {
  Tensor w = Tensor::ones({1}, true);
  optim::SGD opt({w}, {.lr = 123});
  const train::StepDecay decay{.base_lr = 0.8, .step_size = 2, .gamma = 0.5};
  train::LRScheduler sched(opt, decay);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.8);  // schedule(0) from the start
  const double expected[] = {0.8, 0.4, 0.4, 0.2, 0.2};
  for (double lr : expected) {
    EXPECT_DOUBLE_EQ(sched.step(), lr);
    EXPECT_DOUBLE_EQ(opt.lr(), lr);
  }
  EXPECT_EQ(sched.current_step(), 5);
  // The lr really drives the update: one SGD step with grad 1 moves w by lr.
  w.set_grad(Tensor::ones({1}));
  opt.step();
  EXPECT_FLOAT_EQ(w.item(), 1 - 0.2f);
}

TEST(LRScheduler, ANegativeScheduledRateIsRefused) {
  Tensor w = Tensor::ones({1}, true);
  optim::SGD opt({w}, {.lr = 0.1});
  train::LRScheduler sched(opt, [](int64_t step) { return 0.1 - 0.1 * step; });
  EXPECT_DOUBLE_EQ(sched.step(), 0.0);
  EXPECT_THROW(sched.step(), Error);
  EXPECT_EQ(sched.current_step(), 1);  // unchanged by the failed step
  EXPECT_DOUBLE_EQ(opt.lr(), 0.0);
}

}  // namespace
}  // namespace attn
