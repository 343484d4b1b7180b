// Two SAGAN training steps (models/sagan.h, train/gan/gan_trainer.h) against the PyTorch twin
// (tests/fixtures/make_sagan_fixtures.py -> tests/data/parity/sagan_step.json): the same
// weights, spectral-norm vectors, images and noise by name; then two D steps and G steps
// (the second is where Adam's beta2 and moments show), and the second step's losses and
// gradients, and every parameter, u and v (four power iterations each) and batch norm
// running statistic after it are compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "autograd/autograd.h"
#include "helpers/fixtures.h"
#include "models/sagan.h"
#include "train/gan/gan_trainer.h"

namespace attn {
namespace {

using testing::load_parity;
using testing::tensor_of;

// Every element within atol + rtol |want|: float32 here against float64 there.
void expect_close(const Tensor& got, const Tensor& want, const std::string& what,
                  double atol = 1e-5, double rtol = 1e-4) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(got.data()[i], want.data()[i], atol + rtol * std::abs(want.data()[i]))
        << what << " at flat index " << i;
}

// Copies the fixture's "before:<prefix><name>" into every parameter and buffer of m.
void load(nn::Module& m, const nlohmann::json& c, const std::string& prefix) {
  NoGradGuard no_grad;
  for (auto& [name, t] : m.state_dict()) {
    if (name.ends_with("num_batches_tracked")) continue;
    const Tensor w = tensor_of(c, "before:" + prefix + name);
    ASSERT_EQ(t.shape(), w.shape()) << prefix + name;
    std::copy(w.data(), w.data() + w.numel(), t.data());
  }
}

TEST(SaganParity, TwoTrainingStepsMatchPyTorch) {
  const nlohmann::json fixture = load_parity("sagan_step");
  for (const nlohmann::json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const int64_t z_dim = c.at("z_dim"), ch = c.at("channels"), s = c.at("base_size"),
                  r = c.at("reduction");
    models::Generator G(models::GeneratorOptions()
                            .z_dim(z_dim)
                            .channels(ch)
                            .base_size(s)
                            .attention_reduction(r));
    models::Discriminator D(models::DiscriminatorOptions()
                                .channels(ch)
                                .image_size(4 * s)
                                .attention_reduction(r));
    load(G, c, "G.");
    load(D, c, "D.");
    // Every PyTorch tensor has its twin here, and no more (the fixture leaves out the batch
    // norms' num_batches_tracked, an int64 count in PyTorch).
    int64_t in_fixture = 0, ours = 0;
    for (const auto& item : c.at("tensors").items())
      in_fixture += item.key().starts_with("before:");
    for (const nn::Module* m : {static_cast<nn::Module*>(&G), static_cast<nn::Module*>(&D)})
      for (const auto& [name, t] : m->state_dict()) ours += !name.ends_with("num_batches_tracked");
    EXPECT_EQ(ours, in_fixture);

    train::GanTrainer trainer(train::gan_networks(G, D, z_dim), {.samples = 1});
    const Tensor x = tensor_of(c, "x");
    trainer.step(x, tensor_of(c, "z0"), tensor_of(c, "z_prime0"));
    const train::GanStepStats st = trainer.step(x, tensor_of(c, "z1"), tensor_of(c, "z_prime1"));
    EXPECT_NEAR(st.d_loss, c.at("d_loss").get<double>(), 1e-5);
    EXPECT_NEAR(st.g_loss, c.at("g_loss").get<double>(), 1e-5);
    EXPECT_NEAR(st.d_real, c.at("d_real").get<double>(), 1e-5);
    EXPECT_NEAR(st.d_fake, c.at("d_fake").get<double>(), 1e-5);

    for (auto [net, prefix, lr] : {std::tuple<nn::Module*, std::string, double>{&G, "G.", 1e-4},
                                   {&D, "D.", 4e-4}}) {
      for (const auto& [name, p] : net->named_parameters()) {
        const std::string key = prefix + name;
        const Tensor g_ref = tensor_of(c, "grad:" + key);
        expect_close(p.grad(), g_ref, "gradient of " + key, 1e-6, 1e-4);
        // With beta1 = 0 each Adam step moves a weight by about lr g / sqrt(mean of g^2) (the
        // first by lr sign(g)). Where PyTorch's gradient is zero up to float32 rounding
        // (< 1e-6, e.g. a bias that a batch norm takes away again), float32 cannot know its
        // sign, so there the two steps are only held to move it by at most lr + lr sqrt(1.9)
        // (the second step's largest move, when the first gradient was 0: 1 - 0.9^2 = 0.19
        // of bias correction over 0.1 of g^2), under 2.5 lr.
        const Tensor before = tensor_of(c, "before:" + key), want = tensor_of(c, "after:" + key);
        ASSERT_EQ(p.shape(), want.shape()) << key;
        for (int64_t i = 0; i < want.numel(); ++i) {
          if (std::abs(g_ref.data()[i]) < 1e-6)
            ASSERT_LE(std::abs(p.data()[i] - before.data()[i]), 2.5 * lr)
                << key << " at " << i;
          else
            ASSERT_NEAR(p.data()[i], want.data()[i], 1e-6 + 1e-5 * std::abs(want.data()[i]))
                << key << " at " << i;
        }
      }
      for (const auto& [name, b] : net->named_buffers())
        if (!name.ends_with("num_batches_tracked"))
          expect_close(b, tensor_of(c, "after:" + prefix + name), "buffer " + prefix + name);
    }
  }
}

}  // namespace
}  // namespace attn
