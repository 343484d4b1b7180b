// Exercise 3, the reference solution.
//   [s; h_j]  the query repeated over the S keys, beside each key   [B, S, D_q + D_k]
//   e = v(tanh(W([s; h_j])))                                         [B, S]
//   a = softmax_j(e with -inf on padding);   c = a h                 [B, D_k]
#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/03_luong_attention/luong_attention.h"

namespace attn::exercises {

LuongConcatAttention::LuongConcatAttention(const LuongConcatAttentionOptions& opts)
    : Module("LuongConcatAttention"), options(opts) {
  const int64_t Dq = opts.query_dim(), Dk = opts.key_dim(), A = opts.attn_dim();
  ATTN_CHECK(Dq >= 1 && Dk >= 1 && A >= 1, "LuongConcatAttention: sizes must be >= 1, got ",
             "query_dim = ", Dq, ", key_dim = ", Dk, ", attn_dim = ", A);
  W = register_module("W", std::make_shared<nn::Linear>(nn::LinearOptions(Dq + Dk, A).bias(false)));
  v = register_module("v", std::make_shared<nn::Linear>(nn::LinearOptions(A, 1).bias(false)));
}

nn::AttentionOutput LuongConcatAttention::forward(const Tensor& query, const Tensor& keys,
                                                  const Tensor& key_padding_mask) const {
  const int64_t Dq = options.query_dim(), Dk = options.key_dim();
  ATTN_CHECK(query.defined() && keys.defined(), "LuongConcatAttention: query and keys must be defined");
  ATTN_CHECK(query.dim() == 2 && query.size(1) == Dq, "LuongConcatAttention: query of shape ",
             shape_str(query.shape()), " must be [B, query_dim = ", Dq, "]");
  const int64_t B = query.size(0);
  ATTN_CHECK(keys.dim() == 3 && keys.size(0) == B && keys.size(2) == Dk,
             "LuongConcatAttention: keys of shape ", shape_str(keys.shape()), " must be [B = ", B,
             ", S, key_dim = ", Dk, "]");
  const int64_t S = keys.size(1);
  if (key_padding_mask.defined())
    ATTN_CHECK(key_padding_mask.shape() == (Shape{B, S}), "LuongConcatAttention: key_padding_mask of shape ",
               shape_str(key_padding_mask.shape()), " must be [B, S] = [", B, ", ", S, "]");
  const Tensor pairs = concat({query.unsqueeze(1).expand({B, S, Dq}), keys}, 2);  // [B, S, Dq+Dk]
  Tensor e = (*v)(tanh((*W)(pairs))).squeeze(2);                                   // [B, S]
  if (key_padding_mask.defined())
    e = masked_fill(e, key_padding_mask.detach(), -std::numeric_limits<real>::infinity());
  const Tensor a = softmax(e, 1);
  const Tensor c = matmul(a.unsqueeze(1), keys).squeeze(1);  // [B, 1, S] x [B, S, Dk]
  return {c, a};
}

}  // namespace attn::exercises
