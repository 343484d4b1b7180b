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

namespace attn::nn {

class TransformerEncoderLayerOptions {
 public:
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  TransformerEncoderLayerOptions& dim_feedforward(int64_t n) {
    dim_feedforward_ = n;
    return *this;
  }
  TransformerEncoderLayerOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  TransformerEncoderLayerOptions& layer_norm_eps(double eps) {
    layer_norm_eps_ = eps;
    return *this;
  }
  TransformerEncoderLayerOptions& norm_first(bool on) {
    norm_first_ = on;
    return *this;
  }
  // The fused attention op (default) or its composed reference, passed to self_attn.
  TransformerEncoderLayerOptions& fused(bool on) {
    fused_ = on;
    return *this;
  }
  int64_t d_model() const { return d_model_; }
  int64_t nhead() const { return nhead_; }
  int64_t dim_feedforward() const { return dim_feedforward_; }
  double dropout() const { return dropout_; }
  double layer_norm_eps() const { return layer_norm_eps_; }
  bool norm_first() const { return norm_first_; }
  bool fused() const { return fused_; }

 private:
  int64_t d_model_, nhead_;
  int64_t dim_feedforward_ = 2048;  // PyTorch's defaults
  double dropout_ = 0.1;
  double layer_norm_eps_ = 1e-5;
  bool norm_first_ = false;
  bool fused_ = true;
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
