// models::Captioner (Show, Attend and Tell) against its PyTorch twin
// (tests/fixtures/make_captioner_fixtures.py -> tests/data/parity/captioner.json), with the
// same weights by name: the encoder's grid a [B, L, D] and BatchNorm's running statistics,
// the first decoder step from <bos> (alpha, beta, h, c, logits), and the teacher-forced loss
// (cross entropy without <pad> plus the regulariser over the real steps) with the gradient
// of every parameter.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/caption_batch.h"
#include "data/vocab.h"
#include "helpers/fixtures.h"
#include "models/captioner.h"

namespace attn {
namespace {

using testing::load_parity;
using testing::tensor_of;

// Every element within tol * (1 + |want|): float32 here against float64 there.
void expect_close(const Tensor& got, const Tensor& want, const std::string& what,
                  double tol = 2e-4) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const Tensor& g = got;
  const Tensor& w = want;
  for (int64_t i = 0; i < w.numel(); ++i)
    ASSERT_NEAR(g.data()[i], w.data()[i], tol * (1 + std::abs(w.data()[i])))
        << what << " at flat index " << i;
}

TEST(CaptionerParity, EncoderStepLossAndGradientsMatchPyTorch) {
  const nlohmann::json fixture = load_parity("captioner");
  for (const nlohmann::json& c : fixture.at("cases")) {
    models::Captioner m(models::CaptionerOptions(c.at("vocab").get<int64_t>())
                            .channels(c.at("channels").get<std::vector<int64_t>>())
                            .embedding_dim(c.at("embedding_dim").get<int64_t>())
                            .hidden_size(c.at("hidden_size").get<int64_t>())
                            .attention_dim(c.at("attention_dim").get<int64_t>())
                            .doubly_stochastic(c.at("lambda").get<double>()));
    int64_t loaded = 0;
    for (auto& [name, p] : m.named_parameters()) {
      NoGradGuard no_grad;
      const Tensor w = tensor_of(c, "p:" + name);
      ASSERT_EQ(p.shape(), w.shape()) << name;
      std::copy(w.data(), w.data() + w.numel(), p.data());
      ++loaded;
    }
    int64_t in_fixture = 0;  // every PyTorch parameter has its twin here, and no more
    for (const auto& item : c.at("tensors").items()) in_fixture += item.key().rfind("p:", 0) == 0;
    EXPECT_EQ(loaded, in_fixture);
    const Tensor images = tensor_of(c, "images");

    // The encoder and the first step, in training mode (BatchNorm on the batch's statistics).
    const models::ImageFeatures f = m.encode(images);
    expect_close(f.a, tensor_of(c, "a"), "a");
    for (size_t k = 0; k < m.norms.size(); ++k) {
      const std::string bn = "bn" + std::to_string(k);
      expect_close(m.norms[k]->running_mean, tensor_of(c, bn + ".running_mean"), bn + " mean");
      expect_close(m.norms[k]->running_var, tensor_of(c, bn + ".running_var"), bn + " var");
    }
    const nn::LSTMState s0 = m.initial_state(f);
    expect_close(s0.h, tensor_of(c, "h0"), "h0");
    expect_close(s0.c, tensor_of(c, "c0"), "c0");
    const int64_t B = images.size(0);
    const Tensor bos = Tensor::full({B}, static_cast<real>(data::kBos));
    const models::CaptionStep step = m.step(bos, s0, f);
    expect_close(step.alpha, tensor_of(c, "step_alpha"), "alpha_1");
    expect_close(step.beta, tensor_of(c, "step_beta"), "beta_1");
    expect_close(step.state.h, tensor_of(c, "step_h"), "h_1");
    expect_close(step.state.c, tensor_of(c, "step_c"), "c_1");
    expect_close(step.logits, tensor_of(c, "step_logits"), "logits_1");

    // The loss and every gradient (BatchNorm normalises with the batch's statistics, so the
    // running statistics the first pass updated do not enter).
    std::vector<data::CaptionExample> examples;
    for (const auto& words : c.at("captions"))
      examples.push_back({static_cast<int64_t>(examples.size()), words.get<std::vector<int64_t>>()});
    std::vector<int64_t> rows(examples.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    const data::CaptionBatch batch = data::collate_captions(examples, rows);
    for (Tensor& p : m.parameters()) p.zero_grad();
    models::Captioner::LossParts parts = m.loss_parts(images, batch);
    expect_close(parts.cross_entropy, tensor_of(c, "cross_entropy"), "cross entropy");
    expect_close(parts.penalty, tensor_of(c, "penalty"), "regulariser");
    expect_close(parts.total, tensor_of(c, "total"), "total loss");
    parts.total.backward();
    for (auto& [name, p] : m.named_parameters()) {
      ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
      expect_close(p.grad(), tensor_of(c, "g:" + name), "dL/d" + name, 5e-4);
    }
  }
}

}  // namespace
}  // namespace attn
