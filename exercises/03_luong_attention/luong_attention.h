#pragma once
// Exercise 3: Luong's "concat" attention score (Luong, Pham, Manning 2015), with a padding
// mask. You write luong_attention.cpp; this header is given.
//
// Shapes: query s [B, D_q] (the decoder state), keys h [B, S, D_k] (the encoder states),
// key_padding_mask [B, S] (nonzero = padding) or undefined, A the attention size:
//   e_j = v^T tanh(W_a [s; h_j])          [B, S]      W_a [A, D_q + D_k], v [A], no biases
//   a   = softmax over j of e, padding excluded (a_j = 0 there)      [B, S]
//   c   = sum_j a_j h_j                    [B, D_k]   the context vector
// Returns {output = c, weights = a} (nn::AttentionOutput, as the library's attention layers).
//
// Parameters under PyTorch's names: W.weight [A, D_q + D_k] and v.weight [1, A], two
// bias-free nn::Linear submodules registered as "W" then "v", initialised as nn::Linear is.
//
// Beside the library's additive attention (layers/additive_attention.h, Bahdanau's
// v^T tanh(W s + U h_j + b)): splitting W_a = [W | U] by columns gives the same scores with
// b = 0. The tests hold the two equal that way.
#include <cstdint>
#include <memory>

#include "autograd/tensor.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/scaled_dot_product.h"

namespace attn::exercises {

class LuongConcatAttentionOptions {
 public:
  LuongConcatAttentionOptions(int64_t query_dim, int64_t key_dim, int64_t attn_dim)
      : query_dim_(query_dim), key_dim_(key_dim), attn_dim_(attn_dim) {}
  ATTN_OPTION(int64_t, query_dim, 0);  // D_q
  ATTN_OPTION(int64_t, key_dim, 0);    // D_k
  ATTN_OPTION(int64_t, attn_dim, 0);   // A
};

class LuongConcatAttention : public nn::Module {
 public:
  // Makes and registers W (D_q + D_k -> A) and v (A -> 1), both without bias.
  explicit LuongConcatAttention(const LuongConcatAttentionOptions& options);
  // query [B, D_q], keys [B, S, D_k], key_padding_mask [B, S] or undefined
  //   -> {context [B, D_k], weights [B, S]}. Wrong shapes throw attn::Error naming
  //   "LuongConcatAttention" and the shapes.
  nn::AttentionOutput forward(const Tensor& query, const Tensor& keys,
                              const Tensor& key_padding_mask = Tensor()) const;
  nn::AttentionOutput operator()(const Tensor& query, const Tensor& keys,
                                 const Tensor& key_padding_mask = Tensor()) const {
    return forward(query, keys, key_padding_mask);
  }

  LuongConcatAttentionOptions options;
  std::shared_ptr<nn::Linear> W;  // W_a: [A, D_q + D_k]
  std::shared_ptr<nn::Linear> v;  // v^T: [1, A]
};

}  // namespace attn::exercises
