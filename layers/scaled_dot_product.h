#pragma once
// Scaled dot-product attention (Vaswani et al. 2017), the core of every attention layer here.
//
//   Q [B, H, T, d]    queries: T per batch item and head
//   K [B, H, S, d]    keys:    S of them
//   V [B, H, S, d_v]  values:  one per key
//   scores  = Q K^T / sqrt(d)             [B, H, T, S]  (a T x S matrix per head:
//                                                        every query against every key)
//   weights = softmax over S of the masked scores       rows sum to 1
//   output  = weights V                   [B, H, T, d_v]
//
//   auto [out, w] = nn::scaled_dot_product_attention(Q, K, V, {.key_padding = pad});
//
// Twice on purpose (as layers/layer_norm.h):
//   scaled_dot_product_attention           one fused op: two batched GEMMs (Q K^T and P V),
//                                          the masks and the softmax in place, and a
//                                          hand-written backward. What the layers run.
//   scaled_dot_product_attention_composed  the same from primitive ops (matmul, masked_fill,
//                                          softmax, dropout): the reference; autograd derives
//                                          its backward. Tests hold the two equal.
//
// multi_head_scaled_dot_product_attention is the fused op on the layout a multi-head layer
// has after its projections, q [B, T, H*d] with head h in columns h*d .. h*d+d-1: the heads
// are read and written in place through strides, so no [B,T,H,d] <-> [B,H,T,d] copies.
#include <cstdint>
#include <optional>

#include "autograd/tensor.h"

namespace attn::nn {

// Which keys each query may see. Every part is optional; the parts combine (a key is
// excluded when any part excludes it). An excluded key gets weight exactly 0. A query that
// sees no key at all gets a row of NaN, as in PyTorch (there is no distribution over nothing).
struct AttentionMask {
  // [B, S]: nonzero = a padded key, which no query of that batch item sees
  // (PyTorch's key_padding_mask, True = ignore).
  Tensor key_padding;
  // [T, S], shared by every batch item and head. With attn_additive false, nonzero =
  // excluded (PyTorch's boolean attn_mask); with attn_additive true, the values are added
  // to the scores before the softmax, -inf excluding (PyTorch's float attn_mask).
  Tensor attn;
  bool attn_additive = false;
  // Query t sees keys s <= t only (the square subsequent mask of a decoder, top-left
  // aligned when T != S).
  bool causal = false;
};

// The two results: output [.., T, d_v] and the attention weights [.., T, S].
struct AttentionOutput {
  Tensor output;
  Tensor weights;
};

// Fused. dropout_p > 0 zeroes weights with that probability and scales the rest by
// 1 / (1 - p) (pass 0 at evaluation, as torch.nn.functional does); the weights returned
// are the ones applied to V, after dropout, as PyTorch 1.13 returns them.
// scale defaults to 1 / sqrt(d).
AttentionOutput scaled_dot_product_attention(const Tensor& Q, const Tensor& K, const Tensor& V,
                                             const AttentionMask& mask = {}, double dropout_p = 0.0,
                                             std::optional<double> scale = std::nullopt);

// The composed reference, same arguments and results.
AttentionOutput scaled_dot_product_attention_composed(const Tensor& Q, const Tensor& K,
                                                      const Tensor& V,
                                                      const AttentionMask& mask = {},
                                                      double dropout_p = 0.0,
                                                      std::optional<double> scale = std::nullopt);

// Fused, heads side by side: q [B, T, H*d], k [B, S, H*d], v [B, S, H*d_v]
//   -> output [B, T, H*d_v] (heads already concatenated), weights [B, H, T, S].
AttentionOutput multi_head_scaled_dot_product_attention(const Tensor& q, const Tensor& k,
                                                        const Tensor& v, int64_t num_heads,
                                                        const AttentionMask& mask = {},
                                                        double dropout_p = 0.0,
                                                        std::optional<double> scale = std::nullopt);

// The same through reshapes and permutes around the composed reference.
AttentionOutput multi_head_scaled_dot_product_attention_composed(
    const Tensor& q, const Tensor& k, const Tensor& v, int64_t num_heads,
    const AttentionMask& mask = {}, double dropout_p = 0.0,
    std::optional<double> scale = std::nullopt);

}  // namespace attn::nn
