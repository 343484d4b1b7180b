// SelfAttention (the lecture's single head) and MultiheadAttention (as PyTorch's).
//   X [B, n, d_model] -> Y [B, n, d_v], A [B, n, n]
//   query [B, T, E], key/value [B, S, E] -> output [B, T, E], weights [B, T, S] or [B, H, T, S]
// Both build their projections from Linear-style GEMMs and hand the attention itself to the
// fused op of layers/scaled_dot_product.h (or its composed reference when options.fused is
// off); autograd chains the backward of the projections around the fused backward.
#include "layers/multihead_attention.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"

namespace attn::nn {

// ---- SelfAttention ----------------------------------------------------------------------

SelfAttention::SelfAttention(const SelfAttentionOptions& opts)
    : Module("SelfAttention"), options(opts) {
  ATTN_CHECK(opts.d_model() > 0 && opts.d_k() > 0 && opts.d_v() > 0,
             "SelfAttention: sizes must be > 0, got d_model = ", opts.d_model(),
             ", d_k = ", opts.d_k(), ", d_v = ", opts.d_v());
  W_Q = Tensor::empty({opts.d_model(), opts.d_k()});
  W_K = Tensor::empty({opts.d_model(), opts.d_k()});
  W_V = Tensor::empty({opts.d_model(), opts.d_v()});
  register_parameter("W_Q", W_Q);
  register_parameter("W_K", W_K);
  register_parameter("W_V", W_V);
  reset_parameters();
}

void SelfAttention::reset_parameters() {
  init::xavier_uniform_(W_Q);
  init::xavier_uniform_(W_K);
  init::xavier_uniform_(W_V);
}

AttentionOutput SelfAttention::forward(const Tensor& X, const Tensor& key_padding_mask,
                                       bool causal) const {
  AttentionMask mask;
  mask.key_padding = key_padding_mask;
  mask.causal = causal;
  return forward(X, mask);
}

AttentionOutput SelfAttention::forward(const Tensor& X, const AttentionMask& mask) const {
  ATTN_CHECK(X.defined(), "SelfAttention: the input X is undefined");
  ATTN_CHECK(X.dim() == 3 && X.size(2) == options.d_model(), "SelfAttention: X of shape ",
             shape_str(X.shape()), " is not [B, n, d_model] with d_model = ", options.d_model());
  const int64_t B = X.size(0), n = X.size(1);
  Tensor Q = matmul(X, W_Q), K = matmul(X, W_K), V = matmul(X, W_V);  // [B, n, d_*]
  // One head: [B, n, d] is already the heads-side-by-side layout with H = 1.
  AttentionOutput r = options.fused()
                          ? multi_head_scaled_dot_product_attention(Q, K, V, 1, mask)
                          : multi_head_scaled_dot_product_attention_composed(Q, K, V, 1, mask);
  return {r.output, reshape(r.weights, {B, n, n})};
}

// ---- MultiheadAttention -----------------------------------------------------------------

namespace {
const MultiheadAttentionOptions& checked(const MultiheadAttentionOptions& o) {
  ATTN_CHECK(o.embed_dim() > 0 && o.num_heads() > 0,
             "MultiheadAttention: embed_dim = ", o.embed_dim(), " and num_heads = ", o.num_heads(),
             " must both be > 0");
  ATTN_CHECK(o.embed_dim() % o.num_heads() == 0, "MultiheadAttention: embed_dim = ", o.embed_dim(),
             " is not divisible by num_heads = ", o.num_heads(),
             " (each head gets embed_dim / num_heads features)");
  ATTN_CHECK(o.dropout() >= 0 && o.dropout() < 1, "MultiheadAttention: dropout = ", o.dropout(),
             " is outside [0, 1)");
  return o;
}
}  // namespace

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& opts)
    : Module("MultiheadAttention"),
      options(checked(opts)),
      head_dim(opts.embed_dim() / opts.num_heads()),
      out_proj(LinearOptions(opts.embed_dim(), opts.embed_dim()).bias(opts.bias())) {
  const int64_t E = opts.embed_dim();
  in_proj_weight = Tensor::empty({3 * E, E});
  register_parameter("in_proj_weight", in_proj_weight);
  if (opts.bias()) {
    in_proj_bias = Tensor::empty({3 * E});
    register_parameter("in_proj_bias", in_proj_bias);
  }
  register_module("out_proj", out_proj);
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  // As PyTorch's _reset_parameters: xavier on the stacked [3E, E] matrix, zero biases;
  // out_proj keeps Linear's weight init.
  init::xavier_uniform_(in_proj_weight);
  out_proj.reset_parameters();
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  if (out_proj.bias.defined()) init::zeros_(out_proj.bias);
}

AttentionOutput MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                            const Tensor& value,
                                            const MultiheadAttentionArgs& args) const {
  const int64_t E = options.embed_dim(), H = options.num_heads();
  ATTN_CHECK(query.defined() && key.defined() && value.defined(),
             "MultiheadAttention: query, key or value is undefined");
  auto shapes = [&] {
    return "query " + shape_str(query.shape()) + ", key " + shape_str(key.shape()) + ", value " +
           shape_str(value.shape());
  };
  ATTN_CHECK(query.dim() == 3 && key.dim() == 3 && value.dim() == 3,
             "MultiheadAttention (batch_first): ", shapes(),
             ": expected query [B, T, E], key and value [B, S, E]");
  ATTN_CHECK(query.size(2) == E && key.size(2) == E && value.size(2) == E,
             "MultiheadAttention: ", shapes(), ": the last size of each must be embed_dim = ", E);
  ATTN_CHECK(key.size(0) == query.size(0) && value.size(0) == query.size(0),
             "MultiheadAttention: ", shapes(), ": batch sizes differ");
  ATTN_CHECK(key.size(1) == value.size(1), "MultiheadAttention: ", shapes(),
             ": key and value must have the same length S");
  const int64_t B = query.size(0), T = query.size(1), S = key.size(1);
  if (args.key_padding_mask.defined())
    ATTN_CHECK(args.key_padding_mask.shape() == Shape({B, S}),
               "MultiheadAttention: key_padding_mask of shape ",
               shape_str(args.key_padding_mask.shape()), " does not match [B, S] = [", B, ", ", S,
               "] for ", shapes());
  if (args.attn_mask.defined())
    ATTN_CHECK(args.attn_mask.shape() == Shape({T, S}), "MultiheadAttention: attn_mask of shape ",
               shape_str(args.attn_mask.shape()), " does not match [T, S] = [", T, ", ", S,
               "] for ", shapes());

  // The three projections, each one GEMM over all B*T (or B*S) rows. Slicing the stacked
  // weight copies 3 E^2 numbers, far less than the activations a packed [B, T, 3E] result
  // would have to be split into.
  auto project = [&](const Tensor& x, int64_t i) {
    Tensor w = slice(in_proj_weight, 0, i * E, (i + 1) * E);
    Tensor b = in_proj_bias.defined() ? slice(in_proj_bias, 0, i * E, (i + 1) * E) : Tensor();
    return linear(x, w, b);
  };
  Tensor q = project(query, 0), k = project(key, 1), v = project(value, 2);

  const AttentionMask mask{.key_padding = args.key_padding_mask,
                           .attn = args.attn_mask,
                           .attn_additive = args.attn_mask_additive,
                           .causal = args.is_causal};
  const double p = is_training() ? options.dropout() : 0.0;
  AttentionOutput r = options.fused()
                          ? multi_head_scaled_dot_product_attention(q, k, v, H, mask, p)
                          : multi_head_scaled_dot_product_attention_composed(q, k, v, H, mask, p);
  Tensor out = out_proj(r.output);  // [B, T, E]: the heads side by side, projected
  if (!args.need_weights) return {out, Tensor()};
  return {out, args.average_attn_weights ? mean(r.weights, {1}) : r.weights};
}

}  // namespace attn::nn
