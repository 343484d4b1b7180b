// Exercise 7: the SAGAN self-attention block. PyTorch's y, beta and gradients (fixtures/),
// central differences, and the behaviour: gamma = 0 is the identity, permuting the pixels
// permutes the output (and the map), rows of beta sum to 1, and the block equals the
// library's nn::SelfAttention2d with the same weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/07_sagan_attention/sagan_attention.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "layers/self_attention_2d.h"

namespace attn::exercises {
namespace {

using testing::tensor_of;

TEST(PyTorch, OutputMapAndGradients) {
  const nlohmann::json fixture = load_exercise_fixture("07_sagan_attention/fixtures/sagan_attention.json");
  for (const nlohmann::json& c : fixture.at("cases")) {
    SCOPED_TRACE("channels " + c.at("channels").dump() + ", reduction " + c.at("reduction").dump());
    SaganAttention sa(SaganAttentionOptions(c.at("channels").get<int64_t>()).reduction(c.at("reduction")));
    const nn::NamedTensors mine = sa.named_parameters();
    const nlohmann::json& theirs = c.at("parameters");
    ASSERT_EQ(mine.size(), theirs.size()) << "PyTorch's block has f.weight, f.bias, g.weight, g.bias, h.weight, h.bias, gamma";
    for (size_t i = 0; i < mine.size(); ++i) {
      ASSERT_EQ(mine[i].first, theirs[i].at("name").get<std::string>()) << "parameter " << i;
      ASSERT_EQ(mine[i].second.shape(), theirs[i].at("shape").get<Shape>()) << mine[i].first;
      copy_into(mine[i].second, tensor_of(c, mine[i].first));
    }
    Tensor x = tensor_of(c, "x", true);
    const auto [y, beta] = sa(x);
    ASSERT_TRUE(Matches(beta, tensor_of(c, "beta"), "beta (row j: position j's weights over i)"));
    ASSERT_TRUE(Matches(y, tensor_of(c, "y"), "y"));
    ((y * tensor_of(c, "grad_y")).sum() + (beta * tensor_of(c, "grad_beta")).sum()).backward();
    EXPECT_TRUE(Matches(x.grad(), tensor_of(c, "grad_x"), "dL/dx"));
    for (const auto& [name, p] : sa.named_parameters())
      EXPECT_TRUE(Matches(p.grad(), tensor_of(c, "grad_" + name), "dL/d" + name));
  }
}

TEST(Gradient, InputAndParameters) {
  manual_seed(1);
  SaganAttention sa(SaganAttentionOptions(4).reduction(2));
  copy_into(sa.gamma, Tensor::from_vector({0.8}, {1}));
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) {
    const auto [y, beta] = sa(v[0]);
    return concat({y.reshape({-1}), beta.reshape({-1})}, 0);
  }, {Tensor::randn({2, 4, 2, 3}, true), sa.gamma, sa.f->weight, sa.g->bias, sa.h->weight},
     {"x", "gamma", "f.weight", "g.bias", "h.weight"}));
}

TEST(Behaviour, GammaZeroIsTheIdentityAndRowsSumToOne) {
  manual_seed(2);
  SaganAttention sa(SaganAttentionOptions(16));
  ASSERT_TRUE(sa.gamma.defined() && sa.gamma.shape() == Shape{1}) << "gamma is a [1] parameter";
  EXPECT_EQ(sa.gamma.item(), 0) << "gamma starts at 0, so the block starts as the identity";
  const Tensor x = Tensor::randn({2, 16, 3, 4});
  const auto [y, beta] = sa(x);
  EXPECT_TRUE(Matches(y, x, "y with gamma = 0 (should be x exactly)", 0));
  EXPECT_TRUE(Matches(beta.sum({2}), Tensor::ones({2, 12}), "the sum of each row of beta", 1e-12));
}

TEST(Behaviour, PermutingThePixelsPermutesTheOutput) {
  // 1x1 convolutions act on each position alone and attention treats positions as a set, so
  // y(P x) = P y(x) and beta(P x)[P j, P i] = beta(x)[j, i], for any order P of the pixels.
  manual_seed(3);
  SaganAttention sa(SaganAttentionOptions(8).reduction(4));
  copy_into(sa.gamma, Tensor::from_vector({1.5}, {1}));
  const int64_t B = 2, C = 8, H = 2, W = 3, N = H * W;
  const std::vector<real> perm = {4, 0, 5, 2, 1, 3};  // new position k holds old position perm[k]
  const Tensor P = Tensor::from_vector(perm, {N});
  auto permuted = [&](const Tensor& t) {  // [B, C, H, W]: pixels reordered by perm
    return index_select(t.reshape({B, C, N}), 2, P).reshape({B, C, H, W});
  };
  const Tensor x = Tensor::randn({B, C, H, W});
  const auto [y, beta] = sa(x);
  const auto [yp, betap] = sa(permuted(x));
  EXPECT_TRUE(Matches(yp, permuted(y), "y of the permuted image vs the permuted y", 1e-12));
  EXPECT_TRUE(Matches(betap, index_select(index_select(beta, 1, P), 2, P),
                      "beta of the permuted image vs beta with rows and columns permuted", 1e-12));
}

TEST(Behaviour, EqualsTheLibrarysSelfAttention2d) {
  manual_seed(4);
  SaganAttention mine(SaganAttentionOptions(16).reduction(4));
  nn::SelfAttention2d lib(nn::SelfAttention2dOptions(16).reduction(4));
  copy_into(mine.gamma, Tensor::from_vector({0.6}, {1}));
  const nn::NamedTensors a = mine.named_parameters(), b = lib.named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first) << "parameter " << i << ": the library's is " << b[i].first;
    copy_into(b[i].second, a[i].second.detach());
  }
  const Tensor x = Tensor::randn({2, 16, 4, 3});
  const auto [y1, beta1] = mine(x);
  const auto [y2, beta2] = lib(x, /*need_weights=*/true);
  EXPECT_TRUE(Matches(beta1, beta2, "your beta vs nn::SelfAttention2d's", 1e-12));
  EXPECT_TRUE(Matches(y1, y2, "your y vs nn::SelfAttention2d's", 1e-12));
}

TEST(Errors, WrongInputNamesTheBlock) {
  SaganAttention sa(SaganAttentionOptions(8));
  EXPECT_TRUE(testing::ThrowsWith([&] { sa(Tensor::zeros({1, 4, 2, 2})); }, {"SaganAttention", "[1,4,2,2]"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { sa(Tensor::zeros({8, 2, 2})); }, {"SaganAttention", "[8,2,2]"}));
}

}  // namespace
}  // namespace attn::exercises
