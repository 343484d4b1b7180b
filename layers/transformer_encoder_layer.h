#pragma once
// One Transformer encoder layer (Vaswani et al. 2017), as PyTorch's
// nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation="relu",
// batch_first=True):
//   post-norm (norm_first = false, the paper's and PyTorch's default):
//     x = norm1(x + dropout1(self_attn(x, x, x)))
//     x = norm2(x + dropout2(linear2(dropout(relu(linear1(x))))))
//   pre-norm (norm_first = true):
//     x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(ff(norm2(x)))
//   src [B, T, d_model] -> [B, T, d_model]
// Submodules carry PyTorch's names, so state_dict names match one to one:
//   self_attn.in_proj_weight, self_attn.in_proj_bias, self_attn.out_proj.{weight,bias},
//   linear1.{weight,bias} [dim_feedforward, d_model], linear2.{weight,bias}
//   [d_model, dim_feedforward], norm1.{weight,bias}, norm2.{weight,bias}.
//
//   nn::TransformerEncoderLayer layer(
//       nn::TransformerEncoderLayerOptions(128, 4).dim_feedforward(512).dropout(0.0));
//   Tensor h = layer(x, {.key_padding_mask = pad});
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/dropout.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/multihead_attention.h"
#include "layers/options.h"

namespace attn::nn {

class TransformerEncoderLayerOptions {
 public:
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  ATTN_OPTION(int64_t, d_model, 0);
  ATTN_OPTION(int64_t, nhead, 0);
  ATTN_OPTION(int64_t, dim_feedforward, 2048);  // PyTorch's defaults
  ATTN_OPTION(double, dropout, 0.1);
  ATTN_OPTION(double, layer_norm_eps, 1e-5);
  ATTN_OPTION(bool, norm_first, false);
  // The fused attention op (default) or its composed reference, passed to self_attn.
  ATTN_OPTION(bool, fused, true);
};

class TransformerEncoderLayer : public Module {
 public:
  explicit TransformerEncoderLayer(const TransformerEncoderLayerOptions& options);
  // src [B, T, d_model]; args.key_padding_mask [B, T] (PyTorch's src_key_padding_mask),
  // args.attn_mask [T, T] (src_mask), args.is_causal. need_weights is ignored here.
  Tensor forward(const Tensor& src, const MultiheadAttentionArgs& args = {}) const;
  Tensor operator()(const Tensor& src, const MultiheadAttentionArgs& args = {}) const {
    return forward(src, args);
  }
  // The same, also returning self_attn's weights ([B, T, T] averaged over heads unless
  // args.average_attn_weights is false): the heat maps of a tutorial.
  AttentionOutput forward_with_weights(const Tensor& src,
                                       const MultiheadAttentionArgs& args = {}) const;

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn;
  Linear linear1;
  Dropout dropout;
  Linear linear2;
  LayerNorm norm1, norm2;
  Dropout dropout1, dropout2;
};

}  // namespace attn::nn
