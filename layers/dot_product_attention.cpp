// Luong attention: query [B, D_q], keys [B, S, D_k] -> context [B, D_k], weights [B, S].
// One query per batch item is a [B, 1 head, 1 query, D] problem for the fused op; reshapes
// share the buffers, so nothing is copied.
#include "layers/dot_product_attention.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/ops.h"

namespace attn::nn {

DotProductAttention::DotProductAttention(const DotProductAttentionOptions& opts)
    : Module("DotProductAttention"), options(opts) {
  ATTN_CHECK(opts.query_dim() > 0 && opts.key_dim() > 0,
             "DotProductAttention: query_dim = ", opts.query_dim(),
             " and key_dim = ", opts.key_dim(), " must be > 0");
  if (opts.score() == DotProductScore::Dot)
    ATTN_CHECK(opts.query_dim() == opts.key_dim(),
               "DotProductAttention (dot): query_dim = ", opts.query_dim(),
               " and key_dim = ", opts.key_dim(),
               " differ; a dot product needs equal sizes (use the \"general\" score)");
  else
    W = register_module(
        "W", std::make_shared<Linear>(LinearOptions(opts.query_dim(), opts.key_dim()).bias(false)));
}

AttentionOutput DotProductAttention::forward(const Tensor& query, const Tensor& keys,
                                             const Tensor& key_padding_mask) const {
  ATTN_CHECK(query.defined() && keys.defined(), "DotProductAttention: query or keys undefined");
  ATTN_CHECK(query.dim() == 2 && query.size(1) == options.query_dim(),
             "DotProductAttention: query of shape ", shape_str(query.shape()),
             " is not [B, query_dim] with query_dim = ", options.query_dim());
  ATTN_CHECK(keys.dim() == 3 && keys.size(2) == options.key_dim() && keys.size(0) == query.size(0),
             "DotProductAttention: keys of shape ", shape_str(keys.shape()),
             " are not [B, S, key_dim] with B = ", query.size(0),
             " and key_dim = ", options.key_dim(), " (query ", shape_str(query.shape()), ")");
  const int64_t B = keys.size(0), S = keys.size(1), D = keys.size(2);
  if (key_padding_mask.defined())
    ATTN_CHECK(key_padding_mask.shape() == Shape({B, S}),
               "DotProductAttention: key_padding_mask of shape ",
               shape_str(key_padding_mask.shape()), " does not match keys ",
               shape_str(keys.shape()), " (expected [B, S])");
  const Tensor q = W ? (*W)(query) : query;  // [B, D_k]
  AttentionMask mask;
  mask.key_padding = key_padding_mask;
  const double scale = options.scaled() ? 1.0 / std::sqrt(static_cast<double>(D)) : 1.0;
  const Tensor Q = reshape(q, {B, 1, 1, D}), K = reshape(keys, {B, 1, S, D});
  const AttentionOutput r = options.fused()
                                ? scaled_dot_product_attention(Q, K, K, mask, 0.0, scale)
                                : scaled_dot_product_attention_composed(Q, K, K, mask, 0.0, scale);
  return {reshape(r.output, {B, D}), reshape(r.weights, {B, S})};
}

}  // namespace attn::nn
