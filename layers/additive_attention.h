#pragma once
// Additive attention (Bahdanau, Cho, Bengio 2014): the decoder state s_{i-1} scores every
// encoder state h_j with a one-hidden-layer network, and reads their weighted sum.
//   e_ij  = v^T tanh(W s_{i-1} + U h_j)        W [A, D_q] (no bias), U [A, D_k] + bias, v [A]
//   a_ij  = softmax over j of e_ij              (padded keys: e = -inf, so a = 0)
//   c_i   = sum_j a_ij h_j                      the context vector
// Shapes: query s_{i-1} [B, D_q], keys h [B, S, D_k], key_padding_mask [B, S] (nonzero =
// padding) -> {context c [B, D_k], weights a [B, S]}.
// Parameters as the PyTorch peer of the model benchmark (bench/torch_models.py, v^T tanh(W h
// + U enc)): Linear submodules W (D_q -> A, no bias: U's bias serves both, a second one
// would be redundant), U (D_k -> A, with bias) and v (A -> 1, no bias), so the names are
// W.weight, U.weight, U.bias, v.weight.
//
// U h_j does not change from one decoder step to the next: project the keys once per
// sequence and pass them to every step.
//   nn::AdditiveAttention att(nn::AdditiveAttentionOptions(256, 128, 128));
//   Tensor Uh = att.project_keys(enc);              // [B, S, A], once
//   for (...) { auto [c, a] = att(s, enc, pad, Uh); ... }
//
// Twice on purpose: additive_attention_fused (one op from W s and U h on, with a
// hand-written backward: what the layer runs) and additive_attention_composed (primitive
// ops: the reference). Tests hold the two equal.
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::nn {

// From the projections on: Ws [B, A] (= W s), Uh [B, S, A] (= U h + b_U), v [A], keys h
// [B, S, D_k], key_padding_mask [B, S] or undefined -> {context [B, D_k], weights [B, S]}.
AttentionOutput additive_attention_fused(const Tensor& Ws, const Tensor& Uh, const Tensor& v,
                                         const Tensor& keys,
                                         const Tensor& key_padding_mask = Tensor());
AttentionOutput additive_attention_composed(const Tensor& Ws, const Tensor& Uh, const Tensor& v,
                                            const Tensor& keys,
                                            const Tensor& key_padding_mask = Tensor());

class AdditiveAttentionOptions {
 public:
  AdditiveAttentionOptions(int64_t query_dim, int64_t key_dim, int64_t attn_dim)
      : query_dim_(query_dim), key_dim_(key_dim), attn_dim_(attn_dim) {}
  ATTN_OPTION(int64_t, query_dim, 0);
  ATTN_OPTION(int64_t, key_dim, 0);
  ATTN_OPTION(int64_t, attn_dim, 0);
  ATTN_OPTION(bool, fused, true);
};

class AdditiveAttention : public Module {
 public:
  explicit AdditiveAttention(const AdditiveAttentionOptions& options);
  // U h_j + b_U for every key: keys [B, S, D_k] -> [B, S, A].
  Tensor project_keys(const Tensor& keys) const;
  // query [B, D_q], keys [B, S, D_k]; projected_keys = project_keys(keys) if already made.
  AttentionOutput forward(const Tensor& query, const Tensor& keys,
                          const Tensor& key_padding_mask = Tensor(),
                          const Tensor& projected_keys = Tensor()) const;
  AttentionOutput operator()(const Tensor& query, const Tensor& keys,
                             const Tensor& key_padding_mask = Tensor(),
                             const Tensor& projected_keys = Tensor()) const {
    return forward(query, keys, key_padding_mask, projected_keys);
  }

  AdditiveAttentionOptions options;
  Linear W;  // D_q -> A, no bias
  Linear U;  // D_k -> A
  Linear v;  // A -> 1, no bias: v^T is its one row
};

}  // namespace attn::nn
