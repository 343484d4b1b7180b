// Transformer encoder layer: src [B, T, E] -> [B, T, E]; see the header for the equations.
// Built from modules (MultiheadAttention on the fused attention op, Linear, LayerNorm on
// the fused layer norm, Dropout); autograd chains their backwards.
#include "layers/transformer_encoder_layer.h"

#include "autograd/error.h"
#include "autograd/ops.h"

namespace attn::nn {

namespace {
const TransformerEncoderLayerOptions& checked(const TransformerEncoderLayerOptions& o) {
  ATTN_CHECK(o.d_model() > 0 && o.nhead() > 0 && o.dim_feedforward() > 0,
             "TransformerEncoderLayer: d_model = ", o.d_model(), ", nhead = ", o.nhead(),
             ", dim_feedforward = ", o.dim_feedforward(), " must all be > 0");
  ATTN_CHECK(o.d_model() % o.nhead() == 0, "TransformerEncoderLayer: d_model = ", o.d_model(),
             " is not divisible by nhead = ", o.nhead());
  return o;
}
}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerEncoderLayerOptions& opts)
    : Module("TransformerEncoderLayer"),
      options(checked(opts)),
      self_attn(MultiheadAttentionOptions(opts.d_model(), opts.nhead())
                    .dropout(opts.dropout())
                    .fused(opts.fused())),
      linear1(LinearOptions(opts.d_model(), opts.dim_feedforward())),
      dropout(DropoutOptions(opts.dropout())),
      linear2(LinearOptions(opts.dim_feedforward(), opts.d_model())),
      norm1(LayerNormOptions({opts.d_model()}).eps(opts.layer_norm_eps())),
      norm2(LayerNormOptions({opts.d_model()}).eps(opts.layer_norm_eps())),
      dropout1(DropoutOptions(opts.dropout())),
      dropout2(DropoutOptions(opts.dropout())) {
  // PyTorch's registration order, so named_parameters() lists the same names in order.
  register_module("self_attn", self_attn);
  register_module("linear1", linear1);
  register_module("dropout", dropout);
  register_module("linear2", linear2);
  register_module("norm1", norm1);
  register_module("norm2", norm2);
  register_module("dropout1", dropout1);
  register_module("dropout2", dropout2);
}

AttentionOutput TransformerEncoderLayer::forward_with_weights(
    const Tensor& src, const MultiheadAttentionArgs& args) const {
  ATTN_CHECK(src.defined(), "TransformerEncoderLayer: src is undefined");
  ATTN_CHECK(src.dim() == 3 && src.size(2) == options.d_model(),
             "TransformerEncoderLayer (batch_first): src of shape ", shape_str(src.shape()),
             " is not [B, T, d_model] with d_model = ", options.d_model());
  // The two sublayers of the paper, each inside a residual connection.
  auto sa_block = [&](const Tensor& x, AttentionOutput& r) {
    r = self_attn(x, x, x, args);
    return dropout1(r.output);
  };
  auto ff_block = [&](const Tensor& x) { return dropout2(linear2(dropout(relu(linear1(x))))); };
  AttentionOutput r;
  Tensor x = src;
  if (options.norm_first()) {
    x = x + sa_block(norm1(x), r);
    x = x + ff_block(norm2(x));
  } else {
    x = norm1(x + sa_block(x, r));
    x = norm2(x + ff_block(x));
  }
  return {x, r.weights};
}

Tensor TransformerEncoderLayer::forward(const Tensor& src,
                                        const MultiheadAttentionArgs& args) const {
  MultiheadAttentionArgs a = args;
  a.need_weights = false;  // nobody reads them here: skip the average
  return forward_with_weights(src, a).output;
}

}  // namespace attn::nn
