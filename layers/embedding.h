#pragma once
// Embedding: a lookup table of learned vectors, one row per token id.
//   ids [..] (whole numbers in [0, num_embeddings)) -> out [.., embedding_dim];
//   weight E [num_embeddings, embedding_dim];  out[.., :] = E[id, :].
//
//   nn::Embedding emb(nn::EmbeddingOptions(vocab, 64).padding_idx(0));
//   Tensor x = emb(tokens);                 // [B, T] -> [B, T, 64]
//
// As PyTorch: E ~ N(0, 1); the padding row (if any) starts at zero and gets
// no gradient, so a pad token stays a zero vector however long one trains.
// A negative padding_idx counts from the end (-1 is the last row).
#include <cstdint>
#include <optional>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class EmbeddingOptions {
 public:
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  ATTN_OPTION(int64_t, num_embeddings, 0);
  ATTN_OPTION(int64_t, embedding_dim, 0);
  ATTN_OPTION(std::optional<int64_t>, padding_idx, std::nullopt);
};

// The function behind the layer (torch.nn.functional.embedding): a fused
// lookup whose backward adds each output row's gradient into its id's row and
// leaves the row padding_idx (when given, in [0, V)) at zero gradient.
//   ids [..], weight [V, D] -> [.., D]
Tensor embedding(const Tensor& ids, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt);

class Embedding : public Module {
 public:
  explicit Embedding(const EmbeddingOptions& options);
  Tensor forward(const Tensor& ids) const;
  Tensor operator()(const Tensor& ids) const { return forward(ids); }
  void reset_parameters();  // N(0, 1), the padding row zeroed

  EmbeddingOptions options;
  std::optional<int64_t> padding_idx;  // normalised into [0, V)
  Tensor weight;                       // [num_embeddings, embedding_dim]
};

}  // namespace attn::nn
