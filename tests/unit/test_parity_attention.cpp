// PyTorch parity of the attention layers: the fixtures in tests/data/parity/ were written by
// tests/fixtures/make_attention_fixtures.py (torch 1.13; outputs and gradients in float64
// from float32 inputs). Here the same numbers run through attnlab in float32. Parameters are
// loaded by their state_dict names, so a name that differs from PyTorch's fails the test.
// Each test states its tolerance (|a - b| <= atol + rtol |b|).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "layers/multihead_attention.h"
#include "layers/transformer_encoder_layer.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::load_parity;
using testing::tensor_of;

// Every parameter of the module is in the fixture under its name; load them all.
void load_parameters(const nn::Module& m, const json& c) {
  for (auto& [name, p] : m.named_parameters()) {
    ASSERT_TRUE(c.at("tensors").contains(name)) << "PyTorch has no parameter named " << name;
    Tensor src = tensor_of(c, name);
    ASSERT_EQ(src.shape(), p.shape()) << name;
    Tensor dst = p;
    dst.copy_(src);
  }
}

void expect_parameter_grads(const nn::Module& m, const json& c, double rtol, double atol) {
  for (auto& [name, p] : m.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << "no gradient reached " << name;
    EXPECT_TRUE(AllClose(p.grad(), tensor_of(c, "grad." + name), rtol, atol)) << "grad " << name;
  }
}

TEST(ParityAttention, MultiheadAttentionMatchesPyTorch) {
  // Sums of <= 8 float32 products, a softmax over <= 5 keys, then two more projections:
  // rtol 1e-4, atol 2e-5 against float64 truth.
  const double rtol = 1e-4, atol = 2e-5;
  const json fixture = load_parity("multihead_attention");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(c.at("embed_dim").get<int64_t>(),
                                                             c.at("num_heads").get<int64_t>()));
    load_parameters(mha, c);
    const bool self = c.at("self_attention").get<bool>();
    Tensor q = tensor_of(c, "query", true);
    Tensor k = self ? q : tensor_of(c, "key", true);
    Tensor v = self ? q : tensor_of(c, "value", true);
    nn::MultiheadAttentionArgs args;
    args.key_padding_mask = tensor_of(c, "key_padding_mask");
    args.average_attn_weights = c.at("average_attn_weights").get<bool>();
    auto [out, w] = mha(q, k, v, args);
    EXPECT_TRUE(AllClose(out, tensor_of(c, "output"), rtol, atol)) << "output";
    EXPECT_TRUE(AllClose(w, tensor_of(c, "weights"), rtol, atol)) << "weights";
    (sum(out * tensor_of(c, "grad_output")) + sum(w * tensor_of(c, "grad_weights"))).backward();
    EXPECT_TRUE(AllClose(q.grad(), tensor_of(c, "grad.query"), rtol, atol)) << "grad query";
    if (!self) {
      EXPECT_TRUE(AllClose(k.grad(), tensor_of(c, "grad.key"), rtol, atol)) << "grad key";
      EXPECT_TRUE(AllClose(v.grad(), tensor_of(c, "grad.value"), rtol, atol)) << "grad value";
    }
    expect_parameter_grads(mha, c, rtol, atol);
  }
}

TEST(ParityAttention, TransformerEncoderLayerMatchesPyTorch) {
  // Two layer norms divide by float32 standard deviations and the feed-forward sums 16
  // products more: rtol 2e-4, atol 5e-5 against float64 truth.
  const double rtol = 2e-4, atol = 5e-5;
  const json fixture = load_parity("transformer_encoder_layer");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    nn::TransformerEncoderLayer layer(
        nn::TransformerEncoderLayerOptions(c.at("d_model").get<int64_t>(),
                                           c.at("nhead").get<int64_t>())
            .dim_feedforward(c.at("dim_feedforward").get<int64_t>())
            .dropout(0.0));
    load_parameters(layer, c);
    Tensor src = tensor_of(c, "src", true);
    nn::MultiheadAttentionArgs args;
    args.key_padding_mask = tensor_of(c, "key_padding_mask");
    Tensor out = layer(src, args);
    EXPECT_TRUE(AllClose(out, tensor_of(c, "output"), rtol, atol)) << "output";
    out.backward(tensor_of(c, "grad_output"));
    EXPECT_TRUE(AllClose(src.grad(), tensor_of(c, "grad.src"), rtol, atol)) << "grad src";
    expect_parameter_grads(layer, c, rtol, atol);
  }
}

}  // namespace
}  // namespace attn
