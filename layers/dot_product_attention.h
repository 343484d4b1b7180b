#pragma once
// Multiplicative attention (Luong, Pham, Manning 2015): the decoder state h_t scores each
// encoder state h_s by a product instead of a network.
//   "dot":     score(h_t, h_s) = h_t . h_s                       (D_q = D_k)
//   "general": score(h_t, h_s) = h_t^T W_a h_s,  W_a [D_q, D_k], stored as the Linear
//              W (D_q -> D_k, no bias): score = (W h_t) . h_s
//   optionally scaled by 1 / sqrt(D_k) (the Transformer's fix for large D: unscaled dot
//   products grow like sqrt(D) and saturate the softmax).
//   a = softmax over s (padded keys: -inf, so a = 0),  c = sum_s a_s h_s
// Shapes: query [B, D_q], keys [B, S, D_k], key_padding_mask [B, S] (nonzero = padding)
//   -> {context [B, D_k], weights [B, S]}.
// The keys are the values, as in Luong's paper. Runs on the fused scaled_dot_product_attention
// (one query, one head).
//
//   nn::DotProductAttention att(nn::DotProductAttentionOptions(256, 256).score(
//       nn::DotProductScore::General).scaled(true));
//   auto [c, a] = att(h_t, enc, pad);
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::nn {

enum class DotProductScore { Dot, General };

class DotProductAttentionOptions {
 public:
  DotProductAttentionOptions(int64_t query_dim, int64_t key_dim)
      : query_dim_(query_dim), key_dim_(key_dim) {}
  ATTN_OPTION(int64_t, query_dim, 0);
  ATTN_OPTION(int64_t, key_dim, 0);
  ATTN_OPTION(DotProductScore, score, DotProductScore::Dot);
  ATTN_OPTION(bool, scaled, false);
  ATTN_OPTION(bool, fused, true);  // false: the composed reference
};

class DotProductAttention : public Module {
 public:
  explicit DotProductAttention(const DotProductAttentionOptions& options);
  AttentionOutput forward(const Tensor& query, const Tensor& keys,
                          const Tensor& key_padding_mask = Tensor()) const;
  AttentionOutput operator()(const Tensor& query, const Tensor& keys,
                             const Tensor& key_padding_mask = Tensor()) const {
    return forward(query, keys, key_padding_mask);
  }

  DotProductAttentionOptions options;
  std::shared_ptr<Linear> W;  // "general" only: D_q -> D_k, no bias; null for "dot"
};

}  // namespace attn::nn
