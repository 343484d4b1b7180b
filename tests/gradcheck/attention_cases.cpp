// Gradient checks of the attention layers, w.r.t. every input and parameter, with the masks
// (key padding, causal, boolean and additive [T, S]) exercised on odd sizes. A row whose
// layer returns {output, weights} checks both at once: it returns them flattened and joined,
// so a wrong gradient through either is caught. Modules are built inside the lambda with
// their parameters pointed at the row's inputs, so the module's own forward runs.
#include <limits>
#include <memory>

#include "gradcheck/gradcheck_case.h"
#include "layers/additive_attention.h"
#include "layers/dot_product_attention.h"
#include "layers/multihead_attention.h"
#include "layers/positional_encoding.h"
#include "layers/scaled_dot_product.h"
#include "layers/self_attention_2d.h"
#include "layers/transformer_encoder_layer.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using nn::AttentionMask;
using nn::AttentionOutput;

// Output and weights in one tensor.
Tensor both(const AttentionOutput& r) {
  return concat({reshape(r.output, {-1}), reshape(r.weights, {-1})}, 0);
}

// [B, S] key padding: batch item 0 keeps every key, item 1 loses its last `pad` keys.
Tensor padding(int64_t B, int64_t S, int64_t pad) {
  Tensor m = Tensor::zeros({B, S});
  for (int64_t b = 1; b < B; ++b)
    for (int64_t s = S - pad; s < S; ++s) m.data()[b * S + s] = 1;
  return m;
}

// A boolean [T, S] mask that hides a scattered few keys but leaves every query some.
Tensor scattered_bool_mask(int64_t T, int64_t S) {
  Tensor m = Tensor::zeros({T, S});
  for (int64_t t = 0; t < T; ++t) m.data()[t * S + (t + 1) % S] = 1;
  return m;
}

// An additive [T, S] mask: finite biases and one -inf per row (not the row's only key).
Tensor additive_mask(int64_t T, int64_t S) {
  Tensor m = Tensor::empty({T, S});
  for (int64_t i = 0; i < T * S; ++i) m.data()[i] = real(0.3) * real((i * 5) % 7 - 3);
  for (int64_t t = 0; t < T; ++t)
    m.data()[t * S + (t + 2) % S] = -std::numeric_limits<real>::infinity();
  return m;
}

AttentionMask padded(int64_t B, int64_t S, int64_t pad) {
  AttentionMask m;
  m.key_padding = padding(B, S, pad);
  return m;
}

// ---- scaled dot-product, fused and composed ----------------------------------------------

template <bool Fused>
AttentionOutput sdpa(const X& x, const AttentionMask& m, double p = 0.0,
                     std::optional<double> scale = std::nullopt) {
  return Fused ? nn::scaled_dot_product_attention(x[0], x[1], x[2], m, p, scale)
               : nn::scaled_dot_product_attention_composed(x[0], x[1], x[2], m, p, scale);
}

// ---- modules with the row's parameters ---------------------------------------------------

// x: query, key, value, in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias
Tensor mha_cross(const X& x, bool fused, bool average) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2).fused(fused));
  mha.in_proj_weight = x[3];
  mha.in_proj_bias = x[4];
  mha.out_proj.weight = x[5];
  mha.out_proj.bias = x[6];
  nn::MultiheadAttentionArgs a;
  a.key_padding_mask = padding(2, 5, 2);
  a.average_attn_weights = average;
  return both(mha(x[0], x[1], x[2], a));
}

// Self-attention (query = key = value = x[0]), causal, per-head weights.
Tensor mha_self_causal(const X& x) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  mha.in_proj_weight = x[1];
  mha.in_proj_bias = x[2];
  mha.out_proj.weight = x[3];
  mha.out_proj.bias = x[4];
  nn::MultiheadAttentionArgs a;
  a.is_causal = true;
  a.average_attn_weights = false;
  return both(mha(x[0], x[0], x[0], a));
}

Tensor mha_additive_mask(const X& x) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 4));
  mha.in_proj_weight = x[1];
  mha.in_proj_bias = x[2];
  mha.out_proj.weight = x[3];
  mha.out_proj.bias = x[4];
  nn::MultiheadAttentionArgs a;
  a.attn_mask = additive_mask(3, 3);
  a.attn_mask_additive = true;
  return both(mha(x[0], x[0], x[0], a));
}

Tensor self_attention(const X& x, bool fused) {
  nn::SelfAttention sa(nn::SelfAttentionOptions(6, 3, 5).fused(fused));
  sa.W_Q = x[1];
  sa.W_K = x[2];
  sa.W_V = x[3];
  return both(sa(x[0], padding(2, 4, 1)));
}

// x: query, keys, W.weight, U.weight, U.bias, v.weight
Tensor additive_module(const X& x, bool fused, bool precomputed) {
  nn::AdditiveAttention att(nn::AdditiveAttentionOptions(5, 6, 7).fused(fused));
  att.W.weight = x[2];
  att.U.weight = x[3];
  att.U.bias = x[4];
  att.v.weight = x[5];
  const Tensor pad = padding(2, 4, 1);
  if (!precomputed) return both(att(x[0], x[1], pad));
  // The decoder's way: the keys projected once, then two steps that both use them.
  const Tensor Uh = att.project_keys(x[1]);
  const AttentionOutput r1 = att(x[0], x[1], pad, Uh), r2 = att(x[0] * 0.5, x[1], pad, Uh);
  return concat({both(r1), both(r2)}, 0);
}

Tensor dot_module(const X& x, nn::DotProductScore score, bool scaled) {
  nn::DotProductAttention att(
      nn::DotProductAttentionOptions(x[0].size(1), x[1].size(2)).score(score).scaled(scaled));
  if (att.W) att.W->weight = x[2];
  return both(att(x[0], x[1], padding(2, 5, 2)));
}

// x: src, self_attn (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias),
//    linear1 (weight, bias), linear2 (weight, bias), norm1 (weight, bias), norm2 (weight, bias)
Tensor encoder_layer(const X& x, bool norm_first, bool fused) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(8, 2)
                                        .dim_feedforward(12)
                                        .dropout(0.0)
                                        .norm_first(norm_first)
                                        .fused(fused));
  layer.self_attn.in_proj_weight = x[1];
  layer.self_attn.in_proj_bias = x[2];
  layer.self_attn.out_proj.weight = x[3];
  layer.self_attn.out_proj.bias = x[4];
  layer.linear1.weight = x[5];
  layer.linear1.bias = x[6];
  layer.linear2.weight = x[7];
  layer.linear2.bias = x[8];
  layer.norm1.weight = x[9];
  layer.norm1.bias = x[10];
  layer.norm2.weight = x[11];
  layer.norm2.bias = x[12];
  nn::MultiheadAttentionArgs a;
  a.key_padding_mask = padding(2, 3, 1);
  return layer(x[0], a);
}
const std::vector<Shape> kEncoderShapes{{2, 3, 8}, {24, 8}, {24}, {8, 8}, {8}, {12, 8}, {12},
                                        {8, 12},   {8},     {8},  {8},    {8}, {8}};

// x: map [2, 8, 2, 3], f.weight, f.bias, g.weight, g.bias, h.weight, h.bias, gamma
Tensor sagan(const X& x, bool fused) {
  nn::SelfAttention2d sa(nn::SelfAttention2dOptions(8).reduction(4).fused(fused));
  sa.f.weight = x[1];
  sa.f.bias = x[2];
  sa.g.weight = x[3];
  sa.g.bias = x[4];
  sa.h.weight = x[5];
  sa.h.bias = x[6];
  sa.gamma = x[7];  // drawn N(0, 1): nonzero, so the attention path is checked too
  return both(sa(x[0], /*need_weights=*/true));
}
const std::vector<Shape> kSaganShapes{{2, 8, 2, 3}, {2, 8, 1, 1}, {2}, {2, 8, 1, 1},
                                      {2},          {8, 8, 1, 1}, {8}, {1}};

// Rows through whole modules produce ~100 outputs, so L = sum(f * R) is ~10-100 and the
// central difference carries a rounding error of ~|L| 1e-16 / eps. With eps = 1e-5 that is
// ~1e-9; some gradients are exactly 0 (the key bias shifts every score of a row equally,
// and softmax ignores that), so atol must sit above that noise. A wrong backward is off by
// ~1e-3 or more. The encoder's relu has a kink at 0 (skipped, never hit by chance).
const GradcheckOptions kModule{.eps = 1e-5, .rtol = 1e-5, .atol = 1e-8};
const GradcheckOptions kModuleRelu{.eps = 1e-5, .rtol = 1e-5, .atol = 1e-8, .kinks = {0.0}};

std::vector<GradcheckCase> cases() {
  const std::vector<Shape> qkv{{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 3}};
  const std::vector<Shape> qkv_square{{2, 2, 4, 4}, {2, 2, 4, 4}, {2, 2, 4, 3}};
  return {
      // Scaled dot-product: B=2, H=2, T=3, S=5, d=4, d_v=3.
      {"sdpa_fused_B2H2T3S5", qkv, [](const X& x) { return both(sdpa<true>(x, {})); }},
      {"sdpa_fused_key_padding", qkv,
       [](const X& x) { return both(sdpa<true>(x, padded(2, 5, 2))); }},
      {"sdpa_fused_causal_T4S4", qkv_square,
       [](const X& x) {
         AttentionMask m;
         m.causal = true;
         return both(sdpa<true>(x, m));
       }},
      {"sdpa_fused_causal_T3S5_and_padding", qkv,
       [](const X& x) {
         AttentionMask m = padded(2, 5, 1);
         m.causal = true;
         return both(sdpa<true>(x, m));
       }},
      {"sdpa_fused_bool_mask", qkv,
       [](const X& x) {
         AttentionMask m;
         m.attn = scattered_bool_mask(3, 5);
         return both(sdpa<true>(x, m));
       }},
      {"sdpa_fused_additive_mask", qkv,
       [](const X& x) {
         AttentionMask m;
         m.attn = additive_mask(3, 5);
         m.attn_additive = true;
         return both(sdpa<true>(x, m));
       }},
      {"sdpa_fused_scale_1", qkv, [](const X& x) { return both(sdpa<true>(x, {}, 0.0, 1.0)); }},
      {"sdpa_fused_dropout_p03", qkv,
       [](const X& x) {
         manual_seed(5);  // the same dropout mask at every evaluation
         return both(sdpa<true>(x, padded(2, 5, 1), 0.3));
       }},
      {"sdpa_composed_key_padding", qkv,
       [](const X& x) { return both(sdpa<false>(x, padded(2, 5, 2))); }},
      {"sdpa_composed_causal_T4S4", qkv_square,
       [](const X& x) {
         AttentionMask m;
         m.causal = true;
         return both(sdpa<false>(x, m));
       }},
      {"mh_sdpa_fused_heads_side_by_side_B2T3S5_H2",
       {{2, 3, 8}, {2, 5, 8}, {2, 5, 6}},
       [](const X& x) {
         return both(
             nn::multi_head_scaled_dot_product_attention(x[0], x[1], x[2], 2, padded(2, 5, 1)));
       }},
      // MultiheadAttention: E=8, 2 heads (d=4); cross-attention T=3 over S=5.
      {"mha_cross_fused_padding_avg",
       {{2, 3, 8}, {2, 5, 8}, {2, 5, 8}, {24, 8}, {24}, {8, 8}, {8}},
       [](const X& x) { return mha_cross(x, true, true); },
       kModule},
      {"mha_cross_fused_padding_per_head",
       {{2, 3, 8}, {2, 5, 8}, {2, 5, 8}, {24, 8}, {24}, {8, 8}, {8}},
       [](const X& x) { return mha_cross(x, true, false); },
       kModule},
      {"mha_cross_composed_padding_avg",
       {{2, 3, 8}, {2, 5, 8}, {2, 5, 8}, {24, 8}, {24}, {8, 8}, {8}},
       [](const X& x) { return mha_cross(x, false, true); },
       kModule},
      {"mha_self_causal_per_head",
       {{2, 4, 8}, {24, 8}, {24}, {8, 8}, {8}},
       mha_self_causal,
       kModule},
      {"mha_self_additive_mask_4heads",
       {{2, 3, 8}, {24, 8}, {24}, {8, 8}, {8}},
       mha_additive_mask,
       kModule},
      // The lecture's single head: d_model 6 -> d_k 3, d_v 5, n = 4, one padded position.
      {"self_attention_fused_padding",
       {{2, 4, 6}, {6, 3}, {6, 3}, {6, 5}},
       [](const X& x) { return self_attention(x, true); }},
      {"self_attention_composed_padding",
       {{2, 4, 6}, {6, 3}, {6, 3}, {6, 5}},
       [](const X& x) { return self_attention(x, false); }},
      // Additive (Bahdanau): D_q 5, D_k 6, A 7, S 4.
      {"additive_fused_op_padding",
       {{2, 7}, {2, 4, 7}, {7}, {2, 4, 6}},
       [](const X& x) {
         return both(nn::additive_attention_fused(x[0], x[1], x[2], x[3], padding(2, 4, 2)));
       }},
      {"additive_composed_op_padding",
       {{2, 7}, {2, 4, 7}, {7}, {2, 4, 6}},
       [](const X& x) {
         return both(nn::additive_attention_composed(x[0], x[1], x[2], x[3], padding(2, 4, 2)));
       }},
      {"additive_module_fused",
       {{2, 5}, {2, 4, 6}, {7, 5}, {7, 6}, {7}, {1, 7}},
       [](const X& x) { return additive_module(x, true, false); }},
      {"additive_module_fused_projected_keys_two_steps",
       {{2, 5}, {2, 4, 6}, {7, 5}, {7, 6}, {7}, {1, 7}},
       [](const X& x) { return additive_module(x, true, true); }},
      {"additive_module_composed",
       {{2, 5}, {2, 4, 6}, {7, 5}, {7, 6}, {7}, {1, 7}},
       [](const X& x) { return additive_module(x, false, false); }},
      // Luong: dot (scaled) and general (D_q 3 -> D_k 4).
      {"dot_product_dot_scaled",
       {{2, 4}, {2, 5, 4}},
       [](const X& x) { return dot_module(x, nn::DotProductScore::Dot, true); }},
      {"dot_product_general",
       {{2, 3}, {2, 5, 4}, {4, 3}},
       [](const X& x) { return dot_module(x, nn::DotProductScore::General, false); }},
      // Positions: the sinusoids are constants, the gradient is the identity.
      {"positional_encoding_2x3x5",
       {{2, 3, 5}},
       [](const X& x) {
         nn::PositionalEncoding pe(nn::PositionalEncodingOptions(5).max_len(7));
         return pe(x[0]) * x[0];
       }},
      // Transformer encoder layer: E=8, 2 heads, FF 12, T=3, one padded position.
      {"encoder_layer_post_norm_fused", kEncoderShapes,
       [](const X& x) { return encoder_layer(x, false, true); }, kModuleRelu},
      {"encoder_layer_post_norm_composed", kEncoderShapes,
       [](const X& x) { return encoder_layer(x, false, false); }, kModuleRelu},
      {"encoder_layer_pre_norm_fused", kEncoderShapes,
       [](const X& x) { return encoder_layer(x, true, true); }, kModuleRelu},
      // SAGAN: C=8, reduction 4 (f, g: 2 channels), a 2x3 map (N=6), gamma from the row.
      {"self_attention_2d_fused", kSaganShapes, [](const X& x) { return sagan(x, true); }, kModule},
      {"self_attention_2d_composed", kSaganShapes, [](const X& x) { return sagan(x, false); },
       kModule},
  };
}

ATTN_GRADCHECK_TABLE(cases());

// Fused and composed in double: the same numbers to ~1e-12 in values and every gradient,
// with every mask kind at once and dropout drawn from the same seed.
TEST(AttentionFusedVsComposed, AgreeInDouble) {
  manual_seed(23);
  Tensor Q = Tensor::randn({2, 3, 4, 5}, true), K = Tensor::randn({2, 3, 6, 5}, true),
         V = Tensor::randn({2, 3, 6, 2}, true);
  AttentionMask m = padded(2, 6, 2);
  m.attn = additive_mask(4, 6);
  m.attn_additive = true;
  m.causal = true;
  Tensor gO = Tensor::randn({2, 3, 4, 2}), gW = Tensor::randn({2, 3, 4, 6});
  std::vector<std::vector<real>> got[2];
  for (int fused = 0; fused < 2; ++fused) {
    Q.zero_grad(), K.zero_grad(), V.zero_grad();
    manual_seed(3);
    AttentionOutput r = fused ? nn::scaled_dot_product_attention(Q, K, V, m, 0.25)
                              : nn::scaled_dot_product_attention_composed(Q, K, V, m, 0.25);
    (sum(r.output * gO) + sum(r.weights * gW)).backward();
    got[fused] = {r.output.to_vector(), r.weights.to_vector(), Q.grad().to_vector(),
                  K.grad().to_vector(), V.grad().to_vector()};
  }
  for (size_t k = 0; k < 5; ++k)
    for (size_t i = 0; i < got[0][k].size(); ++i)
      ASSERT_NEAR(got[1][k][i], got[0][k][i], 1e-12) << "tensor " << k << " element " << i;
}

}  // namespace
}  // namespace attn::testing
