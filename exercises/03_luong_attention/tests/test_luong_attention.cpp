// Exercise 3: Luong's concat attention. PyTorch's context, weights and gradients (fixtures/),
// central differences, and the behaviour: padding gets weight 0 and cannot change the
// context; with W_a = [W | U] the scores are the library's additive attention's (bias 0).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/03_luong_attention/luong_attention.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "layers/additive_attention.h"

namespace attn::exercises {
namespace {

using testing::tensor_of;

TEST(PyTorch, ContextWeightsAndGradients) {
  const nlohmann::json fixture = load_exercise_fixture("03_luong_attention/fixtures/luong_attention.json");
  for (const nlohmann::json& c : fixture.at("cases")) {
    const int64_t Dq = c.at("query_dim"), Dk = c.at("key_dim"), A = c.at("attn_dim");
    SCOPED_TRACE("query_dim " + std::to_string(Dq) + ", key_dim " + std::to_string(Dk) +
                 ", attn_dim " + std::to_string(A));
    LuongConcatAttention att(LuongConcatAttentionOptions(Dq, Dk, A));
    const nn::NamedTensors params = att.named_parameters();
    ASSERT_EQ(params.size(), 2u) << "expected exactly W.weight and v.weight (no biases)";
    ASSERT_EQ(params[0].first, "W.weight");
    ASSERT_EQ(params[1].first, "v.weight");
    ASSERT_EQ(params[0].second.shape(), (Shape{A, Dq + Dk})) << "W.weight is [A, D_q + D_k]";
    ASSERT_EQ(params[1].second.shape(), (Shape{1, A})) << "v.weight is [1, A]";
    copy_into(att.W->weight, tensor_of(c, "W.weight"));
    copy_into(att.v->weight, tensor_of(c, "v.weight"));
    Tensor q = tensor_of(c, "query", true), k = tensor_of(c, "keys", true);
    const Tensor pad = testing::has_tensor(c, "key_padding_mask") ? tensor_of(c, "key_padding_mask") : Tensor();
    const auto [ctx, a] = att(q, k, pad);
    ASSERT_TRUE(Matches(a, tensor_of(c, "weights"), "weights a"));
    ASSERT_TRUE(Matches(ctx, tensor_of(c, "context"), "context c"));
    ((ctx * tensor_of(c, "grad_context")).sum() + (a * tensor_of(c, "grad_weights")).sum()).backward();
    EXPECT_TRUE(Matches(q.grad(), tensor_of(c, "grad_query"), "dL/dquery"));
    EXPECT_TRUE(Matches(k.grad(), tensor_of(c, "grad_keys"), "dL/dkeys"));
    EXPECT_TRUE(Matches(att.W->weight.grad(), tensor_of(c, "grad_W.weight"), "dL/dW.weight"));
    EXPECT_TRUE(Matches(att.v->weight.grad(), tensor_of(c, "grad_v.weight"), "dL/dv.weight"));
  }
}

TEST(Gradient, QueryKeysAndParametersWithPadding) {
  manual_seed(1);
  LuongConcatAttention att(LuongConcatAttentionOptions(3, 4, 5));
  const Tensor pad = Tensor::from_vector({0, 0, 0, 0, 0, 1, 1, 1}, {2, 4});
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& x) {
    const auto [c, a] = att(x[0], x[1], pad);
    return concat({c.reshape({-1}), a.reshape({-1})}, 0);
  }, {Tensor::randn({2, 3}, true), Tensor::randn({2, 4, 4}, true), att.W->weight, att.v->weight},
     {"query", "keys", "W.weight", "v.weight"}));
}

TEST(Behaviour, PaddingGetsZeroWeightAndCannotChangeTheContext) {
  manual_seed(2);
  LuongConcatAttention att(LuongConcatAttentionOptions(3, 4, 5));
  const Tensor q = Tensor::randn({2, 3}), keys = Tensor::randn({2, 5, 4});
  const Tensor pad = Tensor::from_vector({0, 0, 0, 1, 1, 0, 1, 1, 1, 1}, {2, 5});
  const auto [c, a] = att(q, keys, pad);
  EXPECT_TRUE(Matches(a * pad, Tensor::zeros({2, 5}), "weights on padded keys", 0));
  EXPECT_TRUE(Matches(a.sum({1}), Tensor::ones({2}), "the sum of each row's weights", 1e-12));
  // Row 1 has one real key: all its weight, and the context is that key.
  EXPECT_TRUE(Matches(c.slice(0, 1, 2), keys.slice(0, 1, 2).slice(1, 0, 1).squeeze(1),
                      "the context of a row with one real key (should be that key)", 1e-12));
  // Whatever sits in the padded slots, nothing changes.
  const Tensor junk = keys + pad.unsqueeze(2) * 100;
  EXPECT_TRUE(Matches(att(q, junk, pad).output, c, "context after changing only padded keys", 1e-12));
}

TEST(Behaviour, EqualsTheLibrarysAdditiveAttentionWithWSplitIntoWAndU) {
  manual_seed(3);
  const int64_t Dq = 3, Dk = 4, A = 5;
  LuongConcatAttention luong(LuongConcatAttentionOptions(Dq, Dk, A));
  nn::AdditiveAttention bahdanau(nn::AdditiveAttentionOptions(Dq, Dk, A));
  const Tensor Wa = luong.W->weight.detach();
  copy_into(bahdanau.W.weight, Wa.slice(1, 0, Dq));       // the query's columns
  copy_into(bahdanau.U.weight, Wa.slice(1, Dq, Dq + Dk));  // the keys' columns
  copy_into(bahdanau.U.bias, Tensor::zeros({A}));
  copy_into(bahdanau.v.weight, luong.v->weight.detach());
  const Tensor q = Tensor::randn({3, Dq}), keys = Tensor::randn({3, 6, Dk});
  const Tensor pad = Tensor::from_vector({0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1}, {3, 6});
  const auto [c1, a1] = luong(q, keys, pad);
  const auto [c2, a2] = bahdanau(q, keys, pad);
  EXPECT_TRUE(Matches(a1, a2, "your weights vs nn::AdditiveAttention's with W_a = [W | U], b = 0", 1e-12));
  EXPECT_TRUE(Matches(c1, c2, "your context vs nn::AdditiveAttention's", 1e-12));
}

TEST(Behaviour, LinearInitialisationAndNoBias) {
  manual_seed(4);
  LuongConcatAttention att(LuongConcatAttentionOptions(6, 10, 8));
  ASSERT_TRUE(att.W && att.v) << "W and v must be made in the constructor";
  EXPECT_FALSE(att.W->bias.defined()) << "W has no bias (Luong's W_a [s; h_j])";
  EXPECT_FALSE(att.v->bias.defined()) << "v has no bias";
  // nn::Linear's init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  for (const auto& [name, p] : att.named_parameters()) {
    const double bound = 1 / std::sqrt(double(p.size(1)));
    double lo = 1e9, hi = -1e9;
    for (real x : p.to_vector()) lo = std::min(lo, double(x)), hi = std::max(hi, double(x));
    EXPECT_TRUE(lo >= -bound && hi <= bound && hi - lo > bound / 2)
        << name << " spans [" << lo << ", " << hi << "]; nn::Linear draws from U(" << -bound
        << ", " << bound << ")";
  }
}

TEST(Errors, WrongShapesNameTheLayer) {
  LuongConcatAttention att(LuongConcatAttentionOptions(3, 4, 5));
  EXPECT_TRUE(testing::ThrowsWith([&] { att(Tensor::zeros({2, 4}), Tensor::zeros({2, 5, 4})); },
                                  {"LuongConcatAttention", "[2,4]"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { att(Tensor::zeros({2, 3}), Tensor::zeros({2, 5, 3})); },
                                  {"LuongConcatAttention", "[2,5,3]"}));
  EXPECT_TRUE(testing::ThrowsWith(
      [&] { att(Tensor::zeros({2, 3}), Tensor::zeros({2, 5, 4}), Tensor::zeros({2, 4})); },
      {"LuongConcatAttention", "key_padding_mask", "[2,4]"}));
}

}  // namespace
}  // namespace attn::exercises
