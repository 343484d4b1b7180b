#pragma once
// Attention with learned projections, two forms.
//
// 1. SelfAttention: the lecture's single head. X [B, n, d_model] (in the lecture, the
//    outputs of an RNN), three parameter sets W_Q, W_K [d_model, d_k], W_V [d_model, d_v]:
//      Q = X W_Q,  K = X W_K,  V = X W_V
//      A = softmax(Q K^T / sqrt(d_k))     [B, n, n]
//      Y = A V                            [B, n, d_v]
//    Q K^T is n x n (n = sequence length: every position scored against every position),
//    NOT d_k x d_k; the weights returned are that n x n matrix per batch item.
//
//      nn::SelfAttention sa(nn::SelfAttentionOptions(128, 64, 64));
//      auto [y, A] = sa(rnn_out);                           // A [B, n, n]
//
// 2. MultiheadAttention: as torch.nn.MultiheadAttention(embed_dim, num_heads,
//    batch_first=True). H heads of size d = E / H, each a SelfAttention on its own slice of
//    the projections, concatenated and projected again:
//      q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v   (W_* = the three
//                                                       [E, E] blocks of in_proj_weight)
//      head_h = softmax(q_h k_h^T / sqrt(d) + masks) v_h
//      output = [head_1 .. head_H] W_o^T + b_o                             (out_proj)
//    query [B, T, E], key and value [B, S, E] (S = T for self-attention) ->
//    output [B, T, E], weights [B, T, S] averaged over heads or [B, H, T, S] per head.
//    Parameters, with PyTorch's names, shapes and init: in_proj_weight [3E, E]
//    (xavier_uniform), in_proj_bias [3E] (zeros), out_proj.weight [E, E] (Linear's init),
//    out_proj.bias [E] (zeros).
//
//      nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(128, 4));
//      auto [y, w] = mha(x, x, x, {.key_padding_mask = pad, .average_attn_weights = false});
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::nn {

class SelfAttentionOptions {
 public:
  SelfAttentionOptions(int64_t d_model, int64_t d_k, int64_t d_v)
      : d_model_(d_model), d_k_(d_k), d_v_(d_v) {}
  ATTN_OPTION(int64_t, d_model, 0);
  ATTN_OPTION(int64_t, d_k, 0);
  ATTN_OPTION(int64_t, d_v, 0);
  // The fused scaled_dot_product_attention (default) or the composed reference.
  ATTN_OPTION(bool, fused, true);
};

class SelfAttention : public Module {
 public:
  explicit SelfAttention(const SelfAttentionOptions& options);
  // X [B, n, d_model]; key_padding_mask [B, n] (nonzero = padding) or undefined; causal:
  // position t sees positions <= t. Returns {Y [B, n, d_v], A [B, n, n]}.
  AttentionOutput forward(const Tensor& X, const Tensor& key_padding_mask = Tensor(),
                          bool causal = false) const;
  AttentionOutput operator()(const Tensor& X, const Tensor& key_padding_mask = Tensor(),
                             bool causal = false) const {
    return forward(X, key_padding_mask, causal);
  }
  // The same with any mask (layers/scaled_dot_product.h): e.g. mask.attn = the [n, n]
  // identity stops each position from attending to itself.
  AttentionOutput forward(const Tensor& X, const AttentionMask& mask) const;
  void reset_parameters();  // xavier_uniform, as the lecture's small weights

  SelfAttentionOptions options;
  Tensor W_Q, W_K, W_V;  // [d_model, d_k], [d_model, d_k], [d_model, d_v]: Q = X W_Q
};

class MultiheadAttentionOptions {
 public:
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
      : embed_dim_(embed_dim), num_heads_(num_heads) {}
  ATTN_OPTION(int64_t, embed_dim, 0);
  ATTN_OPTION(int64_t, num_heads, 0);
  // Dropout on the attention weights while training (PyTorch's `dropout`).
  ATTN_OPTION(double, dropout, 0.0);
  ATTN_OPTION(bool, bias, true);
  // The fused multi_head_scaled_dot_product_attention (default) or the composed reference.
  ATTN_OPTION(bool, fused, true);
};

// The optional arguments of MultiheadAttention::forward, PyTorch's names and defaults.
struct MultiheadAttentionArgs {
  Tensor key_padding_mask;  // [B, S], nonzero = padding
  Tensor attn_mask;         // [T, S]: boolean (nonzero = excluded) unless attn_mask_additive
  bool attn_mask_additive = false;
  bool is_causal = false;            // query t sees keys s <= t
  bool need_weights = true;          // false: weights come back undefined
  bool average_attn_weights = true;  // [B, T, S] averaged over heads, else [B, H, T, S]
};

class MultiheadAttention : public Module {
 public:
  explicit MultiheadAttention(const MultiheadAttentionOptions& options);
  // query [B, T, E], key and value [B, S, E] -> {output [B, T, E], weights}.
  AttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                          const MultiheadAttentionArgs& args = {}) const;
  AttentionOutput operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                             const MultiheadAttentionArgs& args = {}) const {
    return forward(query, key, value, args);
  }
  void reset_parameters();

  MultiheadAttentionOptions options;
  int64_t head_dim;       // E / H
  Tensor in_proj_weight;  // [3E, E]: W_q, W_k, W_v stacked, in that order
  Tensor in_proj_bias;    // [3E], undefined without bias
  Linear out_proj;        // E -> E
};

}  // namespace attn::nn
