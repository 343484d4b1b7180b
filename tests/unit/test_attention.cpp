// Unit tests of the attention layers (float build): the fused ops equal their composed
// references, masks really exclude keys, weights are distributions, shapes and parameter
// names are PyTorch's, and bad inputs raise errors that name the layer and the shapes.
// Gradient checks in double live in tests/gradcheck/attention_cases.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "layers/additive_attention.h"
#include "layers/dot_product_attention.h"
#include "layers/multihead_attention.h"
#include "layers/positional_encoding.h"
#include "layers/scaled_dot_product.h"
#include "layers/self_attention_2d.h"
#include "layers/transformer_encoder_layer.h"

namespace attn {
namespace {

using nn::AttentionMask;
using nn::AttentionOutput;
using testing::AllClose;
using testing::error_of;

const real kInf = std::numeric_limits<real>::infinity();

// [B, S]: batch item b loses its last pads[b] keys.
Tensor padding(int64_t S, const std::vector<int64_t>& pads) {
  const int64_t B = static_cast<int64_t>(pads.size());
  Tensor m = Tensor::zeros({B, S});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = S - pads[b]; s < S; ++s) m.data()[b * S + s] = 1;
  return m;
}

std::vector<std::string> names_of(const nn::NamedTensors& nt) {
  std::vector<std::string> out;
  for (const auto& [name, t] : nt) out.push_back(name);
  return out;
}

// Every row of w (last dim) sums to 1 within tol.
void expect_rows_sum_to_one(const Tensor& w, double tol) {
  const int64_t S = w.size(-1), rows = w.numel() / S;
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t j = 0; j < S; ++j) s += w.data()[r * S + j];
    ASSERT_NEAR(s, 1.0, tol) << "row " << r;
  }
}

// ---- scaled dot-product: fused == composed -------------------------------------------------

struct SdpaRun {
  std::vector<Tensor> got;  // output, weights, dQ, dK, dV
};

SdpaRun run_sdpa(bool fused, const AttentionMask& m, double p) {
  manual_seed(41);
  Tensor Q = Tensor::randn({2, 3, 4, 6}, true), K = Tensor::randn({2, 3, 7, 6}, true),
         V = Tensor::randn({2, 3, 7, 5}, true);
  Tensor gO = Tensor::randn({2, 3, 4, 5}), gW = Tensor::randn({2, 3, 4, 7});
  manual_seed(8);  // the dropout mask
  AttentionOutput r = fused ? nn::scaled_dot_product_attention(Q, K, V, m, p)
                            : nn::scaled_dot_product_attention_composed(Q, K, V, m, p);
  (sum(r.output * gO) + sum(r.weights * gW)).backward();
  return {{r.output, r.weights, Q.grad(), K.grad(), V.grad()}};
}

TEST(ScaledDotProduct, FusedEqualsComposedWithEveryMask) {
  // The same arithmetic in a different order: rtol 1e-5, atol 1e-5 in float.
  std::vector<std::pair<std::string, AttentionMask>> masks(5);
  masks[0].first = "none";
  masks[1] = {"key_padding", {}};
  masks[1].second.key_padding = padding(7, {0, 3});
  masks[2] = {"causal", {}};
  masks[2].second.causal = true;
  masks[3] = {"bool_attn", {}};
  masks[3].second.attn = Tensor::zeros({4, 7});
  masks[3].second.attn.data()[5] = masks[3].second.attn.data()[14] = 1;
  masks[4] = {"additive_attn_and_padding", {}};
  masks[4].second.attn = Tensor::randn({4, 7});
  masks[4].second.attn.data()[3] = -kInf;
  masks[4].second.attn_additive = true;
  masks[4].second.key_padding = padding(7, {1, 2});
  const char* names[] = {"output", "weights", "dQ", "dK", "dV"};
  for (const auto& [label, m] : masks)
    for (double p : {0.0, 0.3}) {
      SCOPED_TRACE(label + (p > 0 ? " with dropout 0.3" : ""));
      const SdpaRun f = run_sdpa(true, m, p), c = run_sdpa(false, m, p);
      for (int k = 0; k < 5; ++k) EXPECT_TRUE(AllClose(f.got[k], c.got[k], 1e-5, 1e-5)) << names[k];
    }
}

TEST(ScaledDotProduct, MultiHeadLayoutEqualsPermutedFourDLayout) {
  // Heads side by side [B, T, H*d] must mean head h = columns h*d .. h*d+d-1. Exact same
  // products in the same order: rtol 1e-6, atol 1e-6.
  manual_seed(2);
  const int64_t B = 2, T = 3, S = 4, H = 2, d = 3;
  Tensor q = Tensor::randn({B, T, H * d}), k = Tensor::randn({B, S, H * d}),
         v = Tensor::randn({B, S, H * d});
  auto heads = [&](const Tensor& x, int64_t n) {
    return permute(reshape(x, {B, n, H, d}), {0, 2, 1, 3});
  };
  AttentionOutput a = nn::multi_head_scaled_dot_product_attention(q, k, v, H);
  AttentionOutput b = nn::scaled_dot_product_attention(heads(q, T), heads(k, S), heads(v, S));
  EXPECT_TRUE(AllClose(a.weights, b.weights, 1e-6, 1e-6));
  EXPECT_TRUE(
      AllClose(a.output, reshape(permute(b.output, {0, 2, 1, 3}), {B, T, H * d}), 1e-6, 1e-6));
}

TEST(ScaledDotProduct, MatchesTheDefinitionOnATinyCase) {
  // One head, T = 1, S = 2, d = 1: scores q k_s / 1, by hand.
  Tensor Q = Tensor::from_vector({2}, {1, 1, 1, 1});
  Tensor K = Tensor::from_vector({1, -1}, {1, 1, 2, 1});
  Tensor V = Tensor::from_vector({10, 20}, {1, 1, 2, 1});
  AttentionOutput r = nn::scaled_dot_product_attention(Q, K, V);
  const double w0 = std::exp(2.0) / (std::exp(2.0) + std::exp(-2.0));
  EXPECT_NEAR(r.weights.data()[0], w0, 1e-6);
  EXPECT_NEAR(r.output.data()[0], 10 * w0 + 20 * (1 - w0), 1e-5);
}

TEST(ScaledDotProduct, MasksGiveExactlyZeroWeightAndRowsSumToOne) {
  manual_seed(3);
  Tensor Q = Tensor::randn({2, 2, 5, 4}), K = Tensor::randn({2, 2, 5, 4}),
         V = Tensor::randn({2, 2, 5, 3});
  AttentionMask m;
  m.key_padding = padding(5, {0, 2});
  m.causal = true;
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "composed");
    AttentionOutput r = fused ? nn::scaled_dot_product_attention(Q, K, V, m)
                              : nn::scaled_dot_product_attention_composed(Q, K, V, m);
    const real* w = r.weights.data();
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t t = 0; t < 5; ++t)
          for (int64_t s = 0; s < 5; ++s) {
            const real ws = w[((b * 2 + h) * 5 + t) * 5 + s];
            const bool excluded = s > t || (b == 1 && s >= 3);
            if (excluded)
              EXPECT_EQ(ws, real(0)) << b << "," << h << "," << t << "," << s;
            else
              EXPECT_GT(ws, real(0)) << b << "," << h << "," << t << "," << s;
          }
    expect_rows_sum_to_one(r.weights, 1e-5);
  }
}

TEST(ScaledDotProduct, AQueryThatSeesNoKeyGetsNaNAsInPyTorch) {
  Tensor Q = Tensor::randn({1, 1, 2, 3}), K = Tensor::randn({1, 1, 2, 3}),
         V = Tensor::randn({1, 1, 2, 3});
  AttentionMask m;
  m.key_padding = Tensor::ones({1, 2});
  AttentionOutput r = nn::scaled_dot_product_attention(Q, K, V, m);
  EXPECT_TRUE(std::isnan(r.weights.data()[0]));
  EXPECT_TRUE(std::isnan(r.output.data()[0]));
}

TEST(ScaledDotProduct, ErrorsNameTheOpAndTheShapes) {
  Tensor Q = Tensor::randn({2, 1, 3, 4}), K = Tensor::randn({2, 1, 5, 4}),
         V = Tensor::randn({2, 1, 5, 2});
  std::string e = error_of([&] {
    nn::scaled_dot_product_attention(Q, Tensor::randn({2, 1, 5, 6}), V);
  });
  EXPECT_NE(e.find("scaled_dot_product_attention"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,1,5,6]"), std::string::npos) << e;
  AttentionMask m;
  m.key_padding = Tensor::zeros({2, 4});
  e = error_of([&] { nn::scaled_dot_product_attention(Q, K, V, m); });
  EXPECT_NE(e.find("key_padding"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,4]"), std::string::npos) << e;
  EXPECT_NE(e.find("[2, 5]"), std::string::npos) << e;
  AttentionMask a;
  a.attn = Tensor::zeros({5, 3});
  e = error_of([&] { nn::scaled_dot_product_attention_composed(Q, K, V, a); });
  EXPECT_NE(e.find("[5,3]"), std::string::npos) << e;
  e = error_of([&] { nn::scaled_dot_product_attention(Q, K, Tensor::randn({2, 1, 4, 2})); });
  EXPECT_NE(e.find("values"), std::string::npos) << e;
  e = error_of([&] { nn::scaled_dot_product_attention(Q, K, V, {}, 1.0); });
  EXPECT_NE(e.find("dropout_p"), std::string::npos) << e;
}

TEST(ScaledDotProduct, NoGradModeGivesTheSameValuesAndNoGraph) {
  manual_seed(4);
  Tensor Q = Tensor::randn({1, 2, 3, 4}, true), K = Tensor::randn({1, 2, 3, 4}, true),
         V = Tensor::randn({1, 2, 3, 4}, true);
  AttentionOutput with = nn::scaled_dot_product_attention(Q, K, V);
  NoGradGuard no_grad;
  AttentionOutput without = nn::scaled_dot_product_attention(Q, K, V);
  EXPECT_FALSE(without.output.requires_grad());
  EXPECT_TRUE(AllClose(without.output, with.output, 0, 0));
}

// ---- MultiheadAttention ---------------------------------------------------------------------

TEST(MultiheadAttention, NamesShapesAndInitAsPyTorch) {
  manual_seed(5);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(12, 3));
  EXPECT_EQ(names_of(mha.named_parameters()),
            (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"}));
  EXPECT_EQ(mha.in_proj_weight.shape(), Shape({36, 12}));
  EXPECT_EQ(mha.in_proj_bias.shape(), Shape({36}));
  EXPECT_EQ(mha.out_proj.weight.shape(), Shape({12, 12}));
  EXPECT_EQ(mha.head_dim, 4);
  // xavier_uniform on [3E, E]: bound sqrt(6 / (E + 3E)); biases zero.
  const double bound = std::sqrt(6.0 / (12 + 36));
  double maxabs = 0;
  for (real w : mha.in_proj_weight.to_vector()) maxabs = std::max(maxabs, double(std::abs(w)));
  EXPECT_LE(maxabs, bound);
  EXPECT_GT(maxabs, 0.8 * bound);  // 432 draws reach near the bound
  for (real b : mha.in_proj_bias.to_vector()) EXPECT_EQ(b, 0);
  for (real b : mha.out_proj.bias.to_vector()) EXPECT_EQ(b, 0);
  nn::MultiheadAttention nob(nn::MultiheadAttentionOptions(8, 2).bias(false));
  EXPECT_EQ(names_of(nob.named_parameters()),
            (std::vector<std::string>{"in_proj_weight", "out_proj.weight"}));
}

TEST(MultiheadAttention, ShapesOfSelfAndCrossAttention) {
  manual_seed(6);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  Tensor x = Tensor::randn({3, 4, 8}), mem = Tensor::randn({3, 6, 8});
  auto [y, w] = mha(x, x, x);
  EXPECT_EQ(y.shape(), Shape({3, 4, 8}));
  EXPECT_EQ(w.shape(), Shape({3, 4, 4}));
  nn::MultiheadAttentionArgs per_head;
  per_head.average_attn_weights = false;
  auto [yc, wc] = mha(x, mem, mem, per_head);
  EXPECT_EQ(yc.shape(), Shape({3, 4, 8}));
  EXPECT_EQ(wc.shape(), Shape({3, 2, 4, 6}));
  expect_rows_sum_to_one(wc, 1e-5);
  nn::MultiheadAttentionArgs none;
  none.need_weights = false;
  EXPECT_FALSE(mha(x, mem, mem, none).weights.defined());
}

TEST(MultiheadAttention, PaddedKeysGetZeroWeightInEveryHead) {
  manual_seed(7);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 4));
  Tensor q = Tensor::randn({2, 3, 8}), kv = Tensor::randn({2, 5, 8});
  nn::MultiheadAttentionArgs a;
  a.key_padding_mask = padding(5, {1, 3});
  a.average_attn_weights = false;
  Tensor w = mha(q, kv, kv, a).weights;  // [2, 4, 3, 5]
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 4 * 3; ++i)
      for (int64_t s = 0; s < 5; ++s) {
        const real ws = w.data()[(b * 12 + i) * 5 + s];
        if (s >= 5 - (b == 0 ? 1 : 3))
          EXPECT_EQ(ws, real(0));
        else
          EXPECT_GT(ws, real(0));
      }
  // Changing a padded key's content changes nothing in the output.
  Tensor y0 = mha(q, kv, kv, a).output;
  Tensor kv2 = kv.clone().detach();
  kv2.data()[(1 * 5 + 4) * 8 + 2] += 100;  // batch 1, key 4 (padded)
  EXPECT_TRUE(AllClose(mha(q, kv2, kv2, a).output, y0, 0, 0));
}

TEST(MultiheadAttention, FusedEqualsComposedInValuesAndGradients) {
  // rtol 1e-5, atol 1e-5 (float, the same math in another order).
  std::vector<std::vector<Tensor>> got(2);
  for (int fused = 0; fused < 2; ++fused) {
    manual_seed(9);
    nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2).fused(fused == 1));
    Tensor q = Tensor::randn({2, 3, 8}, true), kv = Tensor::randn({2, 5, 8}, true);
    nn::MultiheadAttentionArgs a;
    a.key_padding_mask = padding(5, {0, 2});
    a.attn_mask = Tensor::zeros({3, 5});
    a.attn_mask.data()[1] = 1;
    auto [y, w] = mha(q, kv, kv, a);
    (sum(y * y) + sum(w * w)).backward();
    got[fused] = {y, w, q.grad(), kv.grad(), mha.in_proj_weight.grad(), mha.out_proj.weight.grad()};
  }
  for (size_t k = 0; k < got[0].size(); ++k)
    EXPECT_TRUE(AllClose(got[1][k], got[0][k], 1e-5, 1e-5)) << "tensor " << k;
}

TEST(MultiheadAttention, CausalSelfAttentionIgnoresTheFuture) {
  manual_seed(10);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  Tensor x = Tensor::randn({1, 5, 8});
  nn::MultiheadAttentionArgs a;
  a.is_causal = true;
  Tensor y = mha(x, x, x, a).output;
  Tensor x2 = x.clone();
  for (int64_t j = 0; j < 8; ++j) x2.data()[4 * 8 + j] = 7;  // change the last position only
  Tensor y2 = mha(x2, x2, x2, a).output;
  EXPECT_TRUE(AllClose(slice(y2, 1, 0, 4), slice(y, 1, 0, 4), 0, 0));
  EXPECT_FALSE(AllClose(slice(y2, 1, 4, 5), slice(y, 1, 4, 5), 1e-3, 1e-3));
}

TEST(MultiheadAttention, ErrorsNameTheLayerAndTheShapes) {
  std::string e = error_of([] { nn::MultiheadAttention m(nn::MultiheadAttentionOptions(10, 3)); });
  EXPECT_NE(e.find("MultiheadAttention"), std::string::npos) << e;
  EXPECT_NE(e.find("embed_dim = 10"), std::string::npos) << e;
  EXPECT_NE(e.find("num_heads = 3"), std::string::npos) << e;
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  Tensor x = Tensor::randn({2, 3, 8});
  e = error_of([&] {
    nn::MultiheadAttentionArgs a;
    a.key_padding_mask = Tensor::zeros({2, 4});
    mha(x, x, x, a);
  });
  EXPECT_NE(e.find("MultiheadAttention: key_padding_mask"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,4]"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,3,8]"), std::string::npos) << e;
  e = error_of([&] {
    nn::MultiheadAttentionArgs a;
    a.attn_mask = Tensor::zeros({3, 2});
    mha(x, x, x, a);
  });
  EXPECT_NE(e.find("attn_mask of shape [3,2]"), std::string::npos) << e;
  e = error_of([&] { mha(x, Tensor::randn({2, 5, 6}), Tensor::randn({2, 5, 6})); });
  EXPECT_NE(e.find("MultiheadAttention"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,5,6]"), std::string::npos) << e;
  e = error_of([&] { mha(x, Tensor::randn({2, 5, 8}), Tensor::randn({2, 4, 8})); });
  EXPECT_NE(e.find("same length"), std::string::npos) << e;
}

// ---- SelfAttention (the lecture's single head) ----------------------------------------------

TEST(SelfAttention, WeightsAreNByNNotDkByDk) {
  manual_seed(11);
  nn::SelfAttention sa(nn::SelfAttentionOptions(6, 3, 5));
  EXPECT_EQ(names_of(sa.named_parameters()), (std::vector<std::string>{"W_Q", "W_K", "W_V"}));
  EXPECT_EQ(sa.W_Q.shape(), Shape({6, 3}));
  EXPECT_EQ(sa.W_V.shape(), Shape({6, 5}));
  Tensor X = Tensor::randn({2, 7, 6});  // n = 7 positions, d_k = 3
  auto [Y, A] = sa(X);
  EXPECT_EQ(Y.shape(), Shape({2, 7, 5}));
  EXPECT_EQ(A.shape(), Shape({2, 7, 7}));
  expect_rows_sum_to_one(A, 1e-5);
  // A = softmax(X W_Q (X W_K)^T / sqrt(d_k)), Y = A X W_V, from primitive ops.
  Tensor S = matmul(matmul(X, sa.W_Q), transpose(matmul(X, sa.W_K), 1, 2)) / std::sqrt(real(3));
  Tensor A_ref = softmax(S, -1);
  EXPECT_TRUE(AllClose(A, A_ref, 1e-5, 1e-6));
  EXPECT_TRUE(AllClose(Y, matmul(A_ref, matmul(X, sa.W_V)), 1e-5, 1e-5));
}

TEST(SelfAttention, ErrorNamesTheLayerAndTheShape) {
  nn::SelfAttention sa(nn::SelfAttentionOptions(6, 3, 5));
  std::string e = error_of([&] { sa(Tensor::randn({2, 7, 4})); });
  EXPECT_NE(e.find("SelfAttention"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,7,4]"), std::string::npos) << e;
}

// ---- additive and dot-product attention ---------------------------------------------------

TEST(AdditiveAttention, NamesAsTheReferenceModelAndShapes) {
  manual_seed(12);
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(5, 6, 7));
  EXPECT_EQ(names_of(att.named_parameters()),
            (std::vector<std::string>{"W.weight", "U.weight", "U.bias", "v.weight"}));
  EXPECT_EQ(att.W.weight.shape(), Shape({7, 5}));
  EXPECT_EQ(att.U.weight.shape(), Shape({7, 6}));
  EXPECT_EQ(att.v.weight.shape(), Shape({1, 7}));
  Tensor s = Tensor::randn({3, 5}), h = Tensor::randn({3, 4, 6});
  auto [c, a] = att(s, h, padding(4, {0, 1, 3}));
  EXPECT_EQ(c.shape(), Shape({3, 6}));
  EXPECT_EQ(a.shape(), Shape({3, 4}));
  expect_rows_sum_to_one(a, 1e-5);
  EXPECT_EQ(a.at({1, 3}), real(0));
  EXPECT_EQ(a.at({2, 1}), real(0));
  EXPECT_GT(a.at({2, 0}), real(0.999999));  // the only key left
  // c = sum_j a_j h_j
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t k = 0; k < 6; ++k) {
      double ref = 0;
      for (int64_t j = 0; j < 4; ++j) ref += a.at({b, j}) * h.at({b, j, k});
      EXPECT_NEAR(c.at({b, k}), ref, 1e-5);
    }
}

TEST(AdditiveAttention, ScoresAreVTanhOfWsPlusUh) {
  manual_seed(13);
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(3, 4, 5));
  Tensor s = Tensor::randn({2, 3}), h = Tensor::randn({2, 6, 4});
  Tensor e = reshape(matmul(tanh(unsqueeze(att.W(s), 1) + att.U(h)), transpose(att.v.weight, 0, 1)),
                     {2, 6});
  EXPECT_TRUE(AllClose(att(s, h).weights, softmax(e, 1), 1e-5, 1e-6));
}

TEST(AdditiveAttention, FusedEqualsComposedAndProjectedKeysAreReused) {
  // rtol 1e-5, atol 1e-5 (float, same math in another order).
  std::vector<std::vector<Tensor>> got(2);
  for (int fused = 0; fused < 2; ++fused) {
    manual_seed(14);
    nn::AdditiveAttention att(nn::AdditiveAttentionOptions(5, 6, 7).fused(fused == 1));
    Tensor s = Tensor::randn({3, 5}, true), h = Tensor::randn({3, 4, 6}, true);
    const Tensor pad = padding(4, {0, 2, 1});
    Tensor Uh = att.project_keys(h);
    auto [c1, a1] = att(s, h, pad, Uh);
    auto [c2, a2] = att(s * 2.0, h, pad, Uh);  // a second decoder step, same projected keys
    EXPECT_TRUE(AllClose(c1, att(s, h, pad).output, 1e-6, 1e-6)) << "precomputed keys differ";
    (sum(c1 * c1) + sum(a2 * a2) + sum(c2)).backward();
    got[fused] = {c1,
                  a1,
                  c2,
                  a2,
                  s.grad(),
                  h.grad(),
                  att.W.weight.grad(),
                  att.U.weight.grad(),
                  att.U.bias.grad(),
                  att.v.weight.grad()};
  }
  for (size_t k = 0; k < got[0].size(); ++k)
    EXPECT_TRUE(AllClose(got[1][k], got[0][k], 1e-5, 1e-5)) << "tensor " << k;
}

TEST(AdditiveAttention, ErrorsNameTheLayerAndTheShapes) {
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(5, 6, 7));
  Tensor s = Tensor::randn({3, 5}), h = Tensor::randn({3, 4, 6});
  std::string e = error_of([&] { att(s, h, Tensor::zeros({3, 5})); });
  EXPECT_NE(e.find("AdditiveAttention: key_padding_mask of shape [3,5]"), std::string::npos) << e;
  e = error_of([&] { att(Tensor::randn({3, 4}), h); });
  EXPECT_NE(e.find("AdditiveAttention: query of shape [3,4]"), std::string::npos) << e;
  e = error_of([&] { att(s, h, Tensor(), Tensor::randn({3, 4, 6})); });
  EXPECT_NE(e.find("projected_keys of shape [3,4,6]"), std::string::npos) << e;
}

TEST(DotProductAttention, DotGeneralAndScaledScores) {
  manual_seed(15);
  Tensor q = Tensor::randn({2, 4}), k = Tensor::randn({2, 3, 4});
  // "dot": a_s = softmax(q . k_s); "scaled": q . k_s / 2 for D = 4.
  Tensor e = reshape(matmul(unsqueeze(q, 1), transpose(k, 1, 2)), {2, 3});
  nn::DotProductAttention dot(nn::DotProductAttentionOptions(4, 4));
  EXPECT_TRUE(AllClose(dot(q, k).weights, softmax(e, 1), 1e-5, 1e-6));
  nn::DotProductAttention scaled(nn::DotProductAttentionOptions(4, 4).scaled(true));
  EXPECT_TRUE(AllClose(scaled(q, k).weights, softmax(e / 2.0, 1), 1e-5, 1e-6));
  EXPECT_TRUE(dot.named_parameters().empty());
  nn::DotProductAttention general(
      nn::DotProductAttentionOptions(3, 4).score(nn::DotProductScore::General));
  EXPECT_EQ(names_of(general.named_parameters()), (std::vector<std::string>{"W.weight"}));
  EXPECT_EQ(general.W->weight.shape(), Shape({4, 3}));
  Tensor q3 = Tensor::randn({2, 3});
  auto [c, a] = general(q3, k, padding(3, {0, 1}));
  EXPECT_EQ(c.shape(), Shape({2, 4}));
  EXPECT_EQ(a.at({1, 2}), real(0));
  Tensor eg = reshape(matmul(unsqueeze((*general.W)(q3), 1), transpose(k, 1, 2)), {2, 3});
  EXPECT_NEAR(a.at({0, 1}), softmax(eg, 1).at({0, 1}), 1e-5);
}

TEST(DotProductAttention, DotWithDifferentSizesIsAnError) {
  std::string e = error_of([] { nn::DotProductAttention d(nn::DotProductAttentionOptions(3, 4)); });
  EXPECT_NE(e.find("DotProductAttention"), std::string::npos) << e;
  EXPECT_NE(e.find("query_dim = 3"), std::string::npos) << e;
  EXPECT_NE(e.find("key_dim = 4"), std::string::npos) << e;
}

// ---- positional encoding ------------------------------------------------------------------

TEST(PositionalEncoding, SinusoidsAsVaswaniAndABuffer) {
  nn::PositionalEncoding pe(nn::PositionalEncodingOptions(6).max_len(50));
  EXPECT_TRUE(pe.named_parameters().empty());
  EXPECT_EQ(names_of(pe.named_buffers()), (std::vector<std::string>{"pe"}));
  EXPECT_EQ(pe.pe.shape(), Shape({50, 6}));
  for (int64_t p : {0, 1, 17, 49})
    for (int64_t i = 0; i < 3; ++i) {
      const double angle = p / std::pow(10000.0, 2.0 * i / 6.0);
      EXPECT_NEAR(pe.pe.at({p, 2 * i}), std::sin(angle), 1e-6) << p << "," << i;
      EXPECT_NEAR(pe.pe.at({p, 2 * i + 1}), std::cos(angle), 1e-6) << p << "," << i;
    }
  Tensor x = Tensor::randn({2, 4, 6});
  Tensor y = pe(x);
  EXPECT_TRUE(AllClose(y - x, expand(slice(pe.pe, 0, 0, 4), {2, 4, 6}), 1e-6, 1e-6));
  nn::PositionalEncoding odd(nn::PositionalEncodingOptions(5).max_len(3));
  EXPECT_NEAR(odd.pe.at({2, 4}), std::sin(2 / std::pow(10000.0, 4.0 / 5.0)), 1e-6);
}

TEST(PositionalEncoding, TooLongOrWrongWidthIsAnError) {
  nn::PositionalEncoding pe(nn::PositionalEncodingOptions(4).max_len(8));
  std::string e = error_of([&] { pe(Tensor::randn({1, 9, 4})); });
  EXPECT_NE(e.find("PositionalEncoding"), std::string::npos) << e;
  EXPECT_NE(e.find("T = 9"), std::string::npos) << e;
  EXPECT_NE(e.find("max_len = 8"), std::string::npos) << e;
  e = error_of([&] { pe(Tensor::randn({1, 3, 5})); });
  EXPECT_NE(e.find("[1,3,5]"), std::string::npos) << e;
}

// ---- Transformer encoder layer ------------------------------------------------------------

TEST(TransformerEncoderLayer, StateDictNamesAsPyTorch) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16));
  EXPECT_EQ(names_of(layer.named_parameters()),
            (std::vector<std::string>{
                "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}));
  EXPECT_EQ(layer.linear1.weight.shape(), Shape({16, 8}));
  EXPECT_EQ(layer.linear2.weight.shape(), Shape({8, 16}));
  EXPECT_DOUBLE_EQ(layer.options.dropout(), 0.1);  // PyTorch's default
  std::vector<std::string> children;
  for (auto& [name, m] : layer.named_children()) children.push_back(name);
  EXPECT_EQ(children, (std::vector<std::string>{"self_attn", "linear1", "dropout", "linear2",
                                                "norm1", "norm2", "dropout1", "dropout2"}));
}

TEST(TransformerEncoderLayer, PostNormFromItsParts) {
  manual_seed(16);
  nn::TransformerEncoderLayer layer(
      nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0));
  Tensor x = Tensor::randn({2, 3, 8});
  nn::MultiheadAttentionArgs a;
  a.key_padding_mask = padding(3, {0, 1});
  auto [y, w] = layer.forward_with_weights(x, a);
  Tensor h = layer.norm1(x + layer.self_attn(x, x, x, a).output);
  Tensor ref = layer.norm2(h + layer.linear2(relu(layer.linear1(h))));
  EXPECT_TRUE(AllClose(y, ref, 1e-5, 1e-5));
  EXPECT_TRUE(AllClose(layer(x, a), y, 0, 0));
  EXPECT_EQ(w.shape(), Shape({2, 3, 3}));
  EXPECT_EQ(w.at({1, 0, 2}), real(0));
}

TEST(TransformerEncoderLayer, DropoutOnlyWhileTraining) {
  manual_seed(17);
  nn::TransformerEncoderLayer layer(
      nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.5));
  Tensor x = Tensor::randn({2, 3, 8});
  Tensor train1 = layer(x), train2 = layer(x);
  EXPECT_FALSE(AllClose(train1, train2, 1e-3, 1e-3));  // two different masks
  layer.eval();
  EXPECT_TRUE(AllClose(layer(x), layer(x), 0, 0));
}

TEST(TransformerEncoderLayer, WrongWidthNamesTheLayer) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16));
  std::string e = error_of([&] { layer(Tensor::randn({2, 3, 6})); });
  EXPECT_NE(e.find("TransformerEncoderLayer"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,3,6]"), std::string::npos) << e;
  e = error_of([] { nn::TransformerEncoderLayer l(nn::TransformerEncoderLayerOptions(6, 4)); });
  EXPECT_NE(e.find("not divisible"), std::string::npos) << e;
}

// ---- SAGAN self-attention -------------------------------------------------------------------

TEST(SelfAttention2d, NamesShapesAndTheIdentityAtGammaZero) {
  manual_seed(18);
  nn::SelfAttention2d sa(nn::SelfAttention2dOptions(16));
  EXPECT_EQ(names_of(sa.named_parameters()),
            (std::vector<std::string>{"gamma", "f.weight", "f.bias", "g.weight", "g.bias",
                                      "h.weight", "h.bias"}));
  EXPECT_EQ(sa.f.weight.shape(), Shape({2, 16, 1, 1}));
  EXPECT_EQ(sa.h.weight.shape(), Shape({16, 16, 1, 1}));
  EXPECT_EQ(sa.gamma.shape(), Shape({1}));
  EXPECT_EQ(sa.gamma.item(), real(0));
  Tensor x = Tensor::randn({2, 16, 3, 5});
  auto [y, beta] = sa(x, true);
  EXPECT_TRUE(AllClose(y, x, 0, 0));  // gamma = 0: the layer starts as the identity
  EXPECT_EQ(beta.shape(), Shape({2, 15, 15}));
  expect_rows_sum_to_one(beta, 1e-5);
  EXPECT_FALSE(sa(x).weights.defined());
}

TEST(SelfAttention2d, MatchesThePaperPositionByPosition) {
  // o_j = sum_i beta_ji h(x_i), beta_ji = softmax_i f(x_i) . g(x_j), y = gamma o + x.
  manual_seed(19);
  const int64_t C = 8, N = 6;
  nn::SelfAttention2d sa(nn::SelfAttention2dOptions(C).reduction(4));
  sa.gamma.fill_(real(0.7));
  Tensor x = Tensor::randn({1, C, 2, 3});
  auto [y, beta] = sa(x, true);
  auto conv = [&](const nn::PointwiseConv& c, int64_t i, int64_t o) {  // (W x_i + b)_o
    double s = c.bias.data()[o];
    for (int64_t k = 0; k < C; ++k) s += c.weight.data()[o * C + k] * x.data()[k * N + i];
    return s;
  };
  for (int64_t j = 0; j < N; ++j) {
    std::vector<double> s(N);
    double m = -1e30, z = 0;
    for (int64_t i = 0; i < N; ++i) {
      s[i] = 0;
      for (int64_t o = 0; o < 2; ++o) s[i] += conv(sa.f, i, o) * conv(sa.g, j, o);
      m = std::max(m, s[i]);
    }
    for (int64_t i = 0; i < N; ++i) z += std::exp(s[i] - m);
    for (int64_t i = 0; i < N; ++i)
      EXPECT_NEAR(beta.at({0, j, i}), std::exp(s[i] - m) / z, 1e-5) << j << "," << i;
    for (int64_t c = 0; c < C; ++c) {
      double o = 0;
      for (int64_t i = 0; i < N; ++i) o += std::exp(s[i] - m) / z * conv(sa.h, i, c);
      EXPECT_NEAR(y.data()[c * N + j], 0.7 * o + x.data()[c * N + j], 1e-4) << c << "," << j;
    }
  }
}

TEST(SelfAttention2d, FusedEqualsComposed) {
  std::vector<std::vector<Tensor>> got(2);
  for (int fused = 0; fused < 2; ++fused) {
    manual_seed(20);
    nn::SelfAttention2d sa(nn::SelfAttention2dOptions(16).fused(fused == 1));
    sa.gamma.fill_(real(0.5));
    Tensor x = Tensor::randn({2, 16, 4, 3}, true);
    auto [y, beta] = sa(x, true);
    (sum(y * y) + sum(beta)).backward();
    got[fused] = {y, beta, x.grad(), sa.f.weight.grad(), sa.h.bias.grad(), sa.gamma.grad()};
  }
  for (size_t k = 0; k < got[0].size(); ++k)
    EXPECT_TRUE(AllClose(got[1][k], got[0][k], 1e-5, 1e-5)) << "tensor " << k;
}

TEST(SelfAttention2d, WrongChannelsNameTheLayerAndShape) {
  nn::SelfAttention2d sa(nn::SelfAttention2dOptions(16));
  std::string e = error_of([&] { sa(Tensor::randn({2, 8, 4, 4})); });
  EXPECT_NE(e.find("SelfAttention2d"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,8,4,4]"), std::string::npos) << e;
  e = error_of([] { nn::SelfAttention2d s(nn::SelfAttention2dOptions(4)); });
  EXPECT_NE(e.find("reduction = 8"), std::string::npos) << e;
}

}  // namespace
}  // namespace attn
