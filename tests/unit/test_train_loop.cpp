// The shared training loop of the tutorials (train/loop/): it runs the steps asked for and
// lowers the loss of a problem with a known answer, clips, follows a schedule, and sums up
// a run the way the tutorials' metrics.json does; the batch stream repeats under its seed
// and draws a new order every pass; window_means smooths a curve; a ScopedSeed leaves the
// global generator as it found it.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "autograd/autograd.h"
#include "train/loop/batch_stream.h"
#include "train/loop/loss_curve.h"
#include "train/loop/train_loop.h"
#include "train/optim/sgd.h"
#include "train/run/scoped_seed.h"

namespace attn {
namespace {

// L(w) = sum (w - 3)^2: the loop must walk w to 3.
TEST(TrainLoop, MinimisesAQuadraticAndKeepsEveryLoss) {
  Tensor w = Tensor::zeros({2}, /*requires_grad=*/true);
  optim::SGD opt({w}, {.lr = 0.1});
  const train::TrainLog log = train::train_loop(opt, {.steps = 50}, [&] {
    const Tensor d = w - 3.0f;
    return (d * d).sum();
  });
  ASSERT_EQ(log.steps(), 50);
  EXPECT_NEAR(log.losses.front(), 18.0, 1e-6);  // (0 - 3)^2 twice
  EXPECT_LT(log.losses.back(), 1e-6);
  EXPECT_NEAR(w.data()[0], 3.0, 1e-3);
  EXPECT_GE(log.seconds, 0.0);
}

TEST(TrainLoop, ClipsTheStepAndFollowsTheSchedule) {
  // Gradient 2 (w - 3) = -6 at w = 0, clipped to norm 1: with lr 1 the first step moves w by
  // exactly 1 (the clip scales by 1 / (6 + 1e-6)).
  Tensor w = Tensor::zeros({1}, true);
  optim::SGD opt({w}, {.lr = 1.0});
  train::train_loop(opt, {.steps = 1, .clip = 1.0}, [&] {
    const Tensor d = w - 3.0f;
    return (d * d).sum();
  });
  EXPECT_NEAR(w.data()[0], 1.0, 1e-5);
  // A schedule of lr = 0 after the first step: only the first step moves w.
  Tensor v = Tensor::zeros({1}, true);
  optim::SGD opt2({v}, {.lr = 0.5});
  train::train_loop(opt2,
                    {.steps = 4, .schedule = [](int64_t step) { return step == 0 ? 0.1 : 0.0; }},
                    [&] { return (v * 1.0f).sum(); });
  EXPECT_NEAR(v.data()[0], -0.1, 1e-6);  // one step of lr 0.1 on gradient 1
}

TEST(TrainLoop, FinalLossIsTheLastEpochOrTheLastTenth) {
  train::TrainLog log;
  for (int i = 1; i <= 20; ++i) log.losses.push_back(i);
  EXPECT_DOUBLE_EQ(log.final_loss(), (19 + 20) / 2.0);  // no epochs: the last tenth, 2 steps
  log.steps_per_epoch = 8;                              // epochs of 8, 8, 4: the last has 4
  EXPECT_DOUBLE_EQ(log.final_loss(), (17 + 18 + 19 + 20) / 4.0);
  log.steps_per_epoch = 5;  // 4 whole epochs: the last is steps 16..20
  EXPECT_DOUBLE_EQ(log.final_loss(), 18.0);
  EXPECT_DOUBLE_EQ(train::mean_of_last_tenth({4.0, 2.0}), 2.0);  // at least one step
  EXPECT_THROW(train::mean_loss({1.0}, 1, 1), Error);
}

TEST(TrainLoop, RejectsNoSteps) {
  Tensor w = Tensor::zeros({1}, true);
  optim::SGD opt({w}, {.lr = 0.1});
  EXPECT_THROW(train::train_loop(opt, {.steps = 0}, [&] { return w.sum(); }), Error);
}

std::vector<data::SeqPair> numbered_pairs(int n) {
  std::vector<data::SeqPair> pairs;
  for (int i = 0; i < n; ++i) pairs.push_back({{3 + i % 4}, {3}});
  return pairs;
}

TEST(SeqBatchStream, EveryPassCoversThePairsInANewOrder) {
  const auto pairs = numbered_pairs(10);
  train::SeqBatchStream a(pairs, 3, 7), b(pairs, 3, 7);
  EXPECT_EQ(a.per_epoch(), 4);
  std::vector<int64_t> first, second;
  for (int k = 0; k < 4; ++k)
    for (int64_t i : a.next().indices) first.push_back(i);
  for (int k = 0; k < 4; ++k)
    for (int64_t i : a.next().indices) second.push_back(i);
  EXPECT_EQ(std::set<int64_t>(first.begin(), first.end()).size(), 10u);
  EXPECT_EQ(std::set<int64_t>(second.begin(), second.end()).size(), 10u);
  EXPECT_NE(first, second);
  std::vector<int64_t> again;  // the same seed: the same batches
  for (int k = 0; k < 4; ++k)
    for (int64_t i : b.next().indices) again.push_back(i);
  EXPECT_EQ(first, again);
}

TEST(LossCurve, WindowMeans) {
  const std::vector<double> v{1, 2, 3, 4, 5, 6, 7};
  const train::Curve c = train::window_means(v, 3);  // windows of 7 / 3 = 2 steps
  EXPECT_EQ(c.x, (std::vector<double>{2, 4, 6, 7}));
  EXPECT_EQ(c.y, (std::vector<double>{1.5, 3.5, 5.5, 7}));
  const train::Curve all = train::window_means(v);  // fewer than 300: every step
  EXPECT_EQ(all.y, v);
}

TEST(ScopedSeed, PutsTheGlobalGeneratorBack) {
  manual_seed(3);
  const Tensor expected = Tensor::randn({4});
  manual_seed(3);
  {
    train::ScopedSeed own(11);
    const Tensor side = Tensor::randn({16});  // draws of seed 11
    manual_seed(12);                          // even a reseed inside is undone
  }
  const Tensor after = Tensor::randn({4});
  EXPECT_EQ(after.to_vector(), expected.to_vector());
}

}  // namespace
}  // namespace attn
