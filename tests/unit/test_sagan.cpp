// models/sagan.h (G and D) and train/gan/gan_trainer.h: shapes, attention maps, gamma = 0
// making the attention layer the identity, a few steps lowering D's hinge loss, determinism
// under a seed, the snapshots and the gamma log, and the errors a learner meets.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/errors.h"
#include "models/sagan.h"
#include "train/gan/gan_trainer.h"

namespace attn {
namespace {

using models::Discriminator;
using models::DiscriminatorOptions;
using models::Generator;
using models::GeneratorOptions;

// Small networks that still make 28x28 images: c = 4, z 16.
GeneratorOptions small_g(bool attention = true) {
  return GeneratorOptions().z_dim(16).channels(4).attention(attention);
}
DiscriminatorOptions small_d(bool attention = true) {
  return DiscriminatorOptions().channels(4).attention_reduction(4).attention(attention);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return m;
}

// Copies every tensor of `from` into the tensor of the same name in `to` (weights, u, v and
// running statistics); names only `to` has (its attention layer) are left alone.
void copy_shared(const nn::Module& from, nn::Module& to) {
  NoGradGuard no_grad;
  const nn::NamedTensors src = from.state_dict();
  for (auto& [name, t] : to.state_dict())
    for (const auto& [n, s] : src)
      if (n == name) t.copy_(s);
}

// A tiny "dataset": B images in [-1, 1], a bright square on a dark ground at a place per row.
Tensor squares(int64_t B, int64_t side = 28) {
  Tensor x = Tensor::full({B, 1, side, side}, -1);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t r0 = 3 + (5 * b) % (side - 10), c0 = 2 + (7 * b) % (side - 10);
    for (int64_t i = r0; i < r0 + 7; ++i)
      for (int64_t j = c0; j < c0 + 7; ++j) x.at({b, 0, i, j}) = 1;
  }
  return x;
}

TEST(Sagan, ShapesAndRangeOfGAndD) {
  manual_seed(1);
  Generator G(small_g());
  Discriminator D(small_d());
  const Tensor z = Tensor::randn({5, 16});
  const models::GanOutput g = G.forward(z, true);
  EXPECT_EQ(g.output.shape(), (Shape{5, 1, 28, 28}));
  for (int64_t i = 0; i < g.output.numel(); ++i) {
    ASSERT_GT(g.output.data()[i], -1);
    ASSERT_LT(g.output.data()[i], 1);
  }
  ASSERT_TRUE(g.attention.defined());
  EXPECT_EQ(g.attention.shape(), (Shape{5, 196, 196}));  // 14 x 14 positions
  // Row j is a distribution over the positions i that j reads.
  const Tensor row_sums = g.attention.sum({2});
  for (int64_t i = 0; i < row_sums.numel(); ++i) ASSERT_NEAR(row_sums.data()[i], 1, 1e-4);

  const models::GanOutput d = D.forward(g.output, true);
  EXPECT_EQ(d.output.shape(), (Shape{5}));
  EXPECT_EQ(d.attention.shape(), (Shape{5, 196, 196}));
  EXPECT_FALSE(G.forward(z, false).attention.defined());  // not asked

  Generator G0(small_g(false));
  EXPECT_FALSE(G0.has_attention());
  EXPECT_FALSE(G0.forward(z, true).attention.defined());
  EXPECT_EQ(G0(z).shape(), (Shape{5, 1, 28, 28}));
}

TEST(Sagan, NamesAsPyTorchsStateDict) {
  Generator G(small_g());
  Discriminator D(small_d());
  std::vector<std::string> g_names, d_names;
  for (const auto& [name, t] : G.state_dict()) g_names.push_back(name);
  for (const auto& [name, t] : D.state_dict()) d_names.push_back(name);
  auto has = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  for (const char* n : {"fc.weight_orig", "fc.weight_u", "fc.weight_v", "bn0.running_mean",
                        "conv1.weight_orig", "attention.gamma", "attention.f.weight",
                        "conv3.bias", "bn2.weight"})
    EXPECT_TRUE(has(g_names, n)) << n;
  EXPECT_FALSE(has(g_names, "fc.bias"));  // a batch norm follows
  for (const char* n : {"conv0.weight_orig", "conv1.weight_u", "attention.gamma", "fc.bias"})
    EXPECT_TRUE(has(d_names, n)) << n;
}

// gamma starts at 0, so with the same weights G and D with attention compute what the
// baseline computes; once gamma moves, they no longer do.
TEST(Sagan, GammaZeroMakesTheAttentionNetworksEqualTheBaseline) {
  manual_seed(2);
  Generator G(small_g(true)), G0(small_g(false));
  Discriminator D(small_d(true)), D0(small_d(false));
  EXPECT_EQ(G.gamma(), 0.0);
  EXPECT_EQ(D.gamma(), 0.0);
  copy_shared(G0, G);
  copy_shared(D0, D);
  const Tensor z = Tensor::randn({4, 16});
  const Tensor x = G(z), x0 = G0(z);  // training mode: batch statistics, one power iteration
  EXPECT_LT(max_abs_diff(x, x0), 1e-6);
  EXPECT_LT(max_abs_diff(D(x), D0(x)), 1e-5);

  G.attention->gamma.fill_(0.5);
  D.attention->gamma.fill_(0.5);
  EXPECT_GT(max_abs_diff(G(z), G0(z)), 1e-3);
  EXPECT_GT(max_abs_diff(D(x), D0(x)), 1e-3);
  EXPECT_DOUBLE_EQ(G.gamma(), 0.5);
}

TEST(Sagan, SampleLeavesGUnchangedAndShowsTheMap) {
  manual_seed(3);
  Generator G(small_g());
  const Tensor z = Tensor::randn({3, 16});
  (void)G(z);  // one training forward: running statistics away from their start
  const Tensor mean_before = G.bn0.running_mean.clone(), u_before = G.conv1.weight_u.clone();
  const models::GanOutput a = G.sample(z), b = G.sample(z);
  EXPECT_TRUE(G.is_training());  // put back
  EXPECT_EQ(max_abs_diff(G.bn0.running_mean, mean_before), 0.0);
  EXPECT_EQ(max_abs_diff(G.conv1.weight_u, u_before), 0.0);
  EXPECT_EQ(max_abs_diff(a.output, b.output), 0.0);  // evaluation mode: a function of z
  EXPECT_EQ(a.attention.shape(), (Shape{3, 196, 196}));
  EXPECT_FALSE(a.output.requires_grad());
}

TEST(Sagan, BadOptionsSayWhatIsWrong) {
  using testing::ThrowsWith;
  EXPECT_TRUE(ThrowsWith([] { Generator G(GeneratorOptions().z_dim(0)); }, {"Generator", "z_dim"}));
  EXPECT_TRUE(ThrowsWith([] { Generator G(GeneratorOptions().channels(2)); },
                         {"Generator", "attention_reduction"}));  // 2c = 4 < 8
  EXPECT_TRUE(ThrowsWith([] { Discriminator D(DiscriminatorOptions().image_size(30)); },
                         {"Discriminator", "multiple of 4"}));
  EXPECT_TRUE(ThrowsWith([] { Discriminator D(DiscriminatorOptions().negative_slope(-1)); },
                         {"negative_slope"}));
  Generator G(small_g(false));
  Discriminator D(small_d(false));
  EXPECT_TRUE(ThrowsWith([&] { (void)G.gamma(); }, {"Generator", "attention(false)"}));
  EXPECT_TRUE(ThrowsWith([&] { (void)D.gamma(); }, {"Discriminator", "attention(false)"}));
  EXPECT_TRUE(ThrowsWith([&] { G(Tensor::randn({2, 15})); }, {"Generator", "z_dim = 16"}));
  EXPECT_TRUE(ThrowsWith([&] { D(Tensor::randn({2, 1, 32, 32})); }, {"Discriminator", "28"}));

  auto nets = [&] { return train::gan_networks(G, D, 16); };
  EXPECT_TRUE(ThrowsWith([&] { train::GanTrainer t(nets(), {.lr_g = 0}); }, {"lr_g"}));
  EXPECT_TRUE(ThrowsWith([&] { train::GanTrainer t(nets(), {.beta2 = 1.0}); }, {"betas"}));
  EXPECT_TRUE(ThrowsWith(
      [&] { train::GanTrainer t(nets(), {.steps = 3, .snapshot_steps = {0, 4}}); },
      {"snapshot step 4", "[0, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { train::GanTrainer t(nets(), {.samples = 0}); }, {"samples"}));
  train::GanTrainer trainer(nets(), {});
  EXPECT_TRUE(ThrowsWith(
      [&] { trainer.step(squares(2), Tensor::randn({2, 16}), Tensor::randn({3, 16})); },
      {"z and z'", "[2,16]"}));
  EXPECT_TRUE(ThrowsWith([&] { trainer.step(squares(2, 32)); },
                         {"G makes images of shape [2,1,28,28]", "[2,1,32,32]"}));
}

// D starts at scores near 0 (L_D near 2) and learns to tell the squares from G's noise.
TEST(GanTrainer, AFewStepsLowerDsHingeLoss) {
  manual_seed(4);
  Generator G(small_g());
  Discriminator D(small_d());
  const Tensor x = squares(8);
  train::GanTrainer trainer(train::gan_networks(G, D, 16), {.steps = 25, .label = "test"});
  const train::GanLog log = trainer.fit([&] { return x; });
  ASSERT_EQ(log.steps(), 25);
  const double first = (log.d_loss[0] + log.d_loss[1] + log.d_loss[2]) / 3;
  const double last = (log.d_loss[22] + log.d_loss[23] + log.d_loss[24]) / 3;
  EXPECT_NEAR(first, 2.0, 0.5);
  EXPECT_LT(last, first - 0.5) << "first " << first << ", last " << last;
  EXPECT_GT(log.d_real.back(), log.d_fake.back());  // D ranks real above fake
}

TEST(GanTrainer, SameSeedSameRunAndTheLogHasGammasAndSnapshots) {
  auto run = [](uint64_t seed) {
    manual_seed(seed);
    Generator G(small_g());
    Discriminator D(small_d());
    const Tensor x = squares(4);
    train::GanTrainer trainer(
        train::gan_networks(G, D, 16),
        {.steps = 3, .snapshot_steps = {3, 0}, .samples = 5, .label = "test"});
    return trainer.fit([&] { return x; });
  };
  const train::GanLog a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a.d_loss, b.d_loss);
  EXPECT_EQ(a.g_loss, b.g_loss);
  EXPECT_EQ(a.gammas, b.gammas);
  EXPECT_NE(a.d_loss, c.d_loss);
  // The fixed z has its own seed: the same for every run, whatever the global seed.
  EXPECT_EQ(max_abs_diff(a.fixed_z, c.fixed_z), 0.0);
  EXPECT_EQ(a.fixed_z.shape(), (Shape{5, 16}));

  ASSERT_EQ(a.gammas.size(), 2u);
  const std::vector<double>& gamma_g = a.gammas.at("G.attention.gamma");
  const std::vector<double>& gamma_d = a.gammas.at("D.attention.gamma");
  ASSERT_EQ(gamma_g.size(), 3u);
  ASSERT_EQ(gamma_d.size(), 3u);
  EXPECT_NE(gamma_g[0], 0.0);  // gamma has a gradient from the first step
  EXPECT_NE(gamma_d[0], 0.0);

  ASSERT_EQ(a.snapshots.size(), 2u);  // in step order
  EXPECT_EQ(a.snapshots[0].step, 0);
  EXPECT_EQ(a.snapshots[1].step, 3);
  EXPECT_EQ(a.snapshots[0].images.shape(), (Shape{5, 1, 28, 28}));
  EXPECT_EQ(max_abs_diff(a.snapshots[1].images, b.snapshots[1].images), 0.0);
  EXPECT_GT(max_abs_diff(a.snapshots[0].images, a.snapshots[1].images), 0.0);  // G learned
}

TEST(GanTrainer, NoAttentionNoGamma) {
  manual_seed(9);
  Generator G(small_g(false));
  Discriminator D(small_d(false));
  const Tensor x = squares(2);
  train::GanTrainer trainer(train::gan_networks(G, D, 16), {.steps = 1, .label = "test"});
  EXPECT_TRUE(trainer.fit([&] { return x; }).gammas.empty());
}

// The G step must not train D: D's weights move in the D step only, and D's gradients after
// the step are those of the D step (the G step froze D).
TEST(GanTrainer, TheGStepLeavesDAlone) {
  manual_seed(10);
  Generator G(small_g());
  Discriminator D(small_d());
  train::GanTrainer trainer(train::gan_networks(G, D, 16), {});
  trainer.step(squares(4));
  for (const auto& [name, p] : D.named_parameters()) {
    EXPECT_TRUE(p.requires_grad()) << name;  // unfrozen after the step
    ASSERT_TRUE(p.grad().defined()) << name;
  }
  EXPECT_EQ(trainer.optimizer_d().step_count(0), 1);
  EXPECT_EQ(trainer.optimizer_g().step_count(0), 1);
}

}  // namespace
}  // namespace attn
