// PyTorch parity of the first layers and losses: the fixtures in
// tests/data/parity/*.json were written by tests/fixtures/make_basic_fixtures.py
// (torch 1.13, outputs and gradients in float64 from float32 inputs). Here the
// same inputs run through attnlab in float32; each test states its tolerance
// (|a - b| <= atol + rtol |b|), and a failure prints the worst difference.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/losses.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::has_tensor;
using testing::load_parity;
using testing::tensor_of;
TEST(ParityBasic, LinearMatchesPyTorch) {
  // float32 against float64 truth, sums of <= 6 products: rtol 1e-5, atol 1e-5.
  // The fixture is held in a variable: a range-for over a member of a temporary
  // would walk freed memory.
  const json fixture = load_parity("linear");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    Tensor x = tensor_of(c, "x", true);
    const bool bias = has_tensor(c, "bias");
    nn::Linear fc(nn::LinearOptions(tensor_of(c, "weight").size(1), tensor_of(c, "weight").size(0))
                      .bias(bias));
    fc.weight.copy_(tensor_of(c, "weight"));
    if (bias) fc.bias.copy_(tensor_of(c, "bias"));
    Tensor y = fc(x);
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-5, 1e-5)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-5, 1e-5)) << "grad x";
    EXPECT_TRUE(AllClose(fc.weight.grad(), tensor_of(c, "grad_weight"), 1e-5, 1e-5))
        << "grad weight";
    if (bias) {
      EXPECT_TRUE(AllClose(fc.bias.grad(), tensor_of(c, "grad_bias"), 1e-5, 1e-5)) << "grad bias";
    }
  }
}

TEST(ParityBasic, EmbeddingMatchesPyTorch) {
  // A lookup copies numbers and the backward adds a few: rtol 1e-6, atol 1e-6.
  const json fixture = load_parity("embedding");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    Tensor W = tensor_of(c, "weight");
    std::optional<int64_t> pad;
    if (c.contains("padding_idx")) pad = c.at("padding_idx").get<int64_t>();
    auto opts = nn::EmbeddingOptions(W.size(0), W.size(1));
    if (pad) opts.padding_idx(*pad);
    nn::Embedding emb(opts);
    emb.weight.copy_(W);
    Tensor y = emb(tensor_of(c, "ids"));
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-6, 1e-6)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(emb.weight.grad(), tensor_of(c, "grad_weight"), 1e-6, 1e-6))
        << "grad weight";
  }
}

TEST(ParityBasic, LayerNormMatchesPyTorch) {
  // Normalisation divides by a float32 standard deviation: rtol 1e-4, atol 1e-5.
  const json fixture = load_parity("layer_norm");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Shape S = c.at("normalized_shape").get<Shape>();
    const bool affine = has_tensor(c, "weight");
    nn::LayerNorm ln(
        nn::LayerNormOptions(S).eps(c.at("eps").get<double>()).elementwise_affine(affine));
    if (affine) {
      ln.weight.copy_(tensor_of(c, "weight"));
      ln.bias.copy_(tensor_of(c, "bias"));
    }
    Tensor x = tensor_of(c, "x", true);
    Tensor y = ln(x);
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-4, 1e-5)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-4, 1e-5)) << "grad x";
    if (affine) {
      EXPECT_TRUE(AllClose(ln.weight.grad(), tensor_of(c, "grad_weight"), 1e-4, 1e-5))
          << "grad weight";
      EXPECT_TRUE(AllClose(ln.bias.grad(), tensor_of(c, "grad_bias"), 1e-4, 1e-5)) << "grad bias";
    }
  }
}

TEST(ParityBasic, CrossEntropyMatchesPyTorch) {
  // log-sum-exp over <= 10 classes of logits ~N(0, 4): rtol 1e-5, atol 1e-6.
  const json fixture = load_parity("cross_entropy");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string red = c.at("reduction");
    auto opts = nn::CrossEntropyOptions()
                    .ignore_index(c.at("ignore_index").get<int64_t>())
                    .label_smoothing(c.at("label_smoothing").get<double>())
                    .reduction(red == "mean"  ? nn::Reduction::Mean
                               : red == "sum" ? nn::Reduction::Sum
                                              : nn::Reduction::None);
    Tensor x = tensor_of(c, "logits", true);
    Tensor loss = nn::cross_entropy(x, tensor_of(c, "targets"), opts);
    EXPECT_TRUE(AllClose(loss, tensor_of(c, "loss"), 1e-5, 1e-6)) << "loss";
    if (has_tensor(c, "grad_out"))
      loss.backward(tensor_of(c, "grad_out"));
    else
      loss.backward();
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_logits"), 1e-5, 1e-6)) << "grad logits";
  }
}

}  // namespace
}  // namespace attn
