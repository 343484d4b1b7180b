// Additive attention, from the projections on. Legend: B batch, S keys, A attention size,
// D the key size. Per batch item b:
//   z_j = tanh(Ws + Uh_j)                [S, A]   (saved for the backward)
//   e_j = v . z_j                        [S]      (-inf where key j is padding)
//   a   = softmax(e)                     [S]
//   c   = sum_j a_j h_j                  [D]
// The backward is additive_attention_backward, below, with its equations.
// One pass over [S, A] each way: the composed version makes ~10 tensors of that size per
// decoder step, the fused one makes z and the gradients.
#include "layers/additive_attention.h"

#include <limits>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::nn {

namespace {

// Below this much work (B S A products) one thread does the whole op: set from where a
// second thread paid in bench/bench_threads.cpp and in whole training steps
// (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkForThreads = int64_t{1} << 19;

struct AdditiveSizes {
  int64_t B, S, A, D;
};

AdditiveSizes check_additive(const char* op, const Tensor& Ws, const Tensor& Uh, const Tensor& v,
                             const Tensor& keys, const Tensor& mask) {
  ATTN_CHECK(Ws.defined() && Uh.defined() && v.defined() && keys.defined(), op,
             ": an input is undefined");
  const std::string got = "Ws " + shape_str(Ws.shape()) + ", Uh " + shape_str(Uh.shape()) + ", v " +
                          shape_str(v.shape()) + ", keys " + shape_str(keys.shape());
  ATTN_CHECK(Ws.dim() == 2 && Uh.dim() == 3 && v.dim() == 1 && keys.dim() == 3, op, ": ", got,
             ": expected Ws [B, A], Uh [B, S, A], v [A], keys [B, S, D]");
  const int64_t B = Ws.size(0), A = Ws.size(1), S = keys.size(1);
  ATTN_CHECK(Uh.size(0) == B && keys.size(0) == B, op, ": ", got, ": batch sizes differ");
  ATTN_CHECK(Uh.size(1) == S, op, ": ", got, ": ", Uh.size(1), " projected keys for ", S, " keys");
  ATTN_CHECK(Uh.size(2) == A && v.size(0) == A, op, ": ", got,
             ": attention sizes differ (Ws, Uh and v must share A)");
  ATTN_CHECK(S > 0, op, ": ", got, ": needs at least one key");
  if (mask.defined())
    ATTN_CHECK(mask.shape() == Shape({B, S}), op, ": key_padding_mask of shape ",
               shape_str(mask.shape()), " does not match [B, S] = [", B, ", ", S, "] for ", got);
  return {B, S, A, keys.size(2)};
}

// The backward of additive_attention_fused. Per batch item b, given dc [D] and da_out [S]
// (the gradient of the returned weights), and from the forward pass z [S, A], a [S], v [A]
// and the keys h [S, D]:
//   in the forward pass c = sum_j a_j h_j, so now
//     dh_j = a_j dc,      da_j = dc . h_j + da_out_j
//   a = softmax(e):  de_j = a_j (da_j - sum_k da_k a_k)
//   e_j = v . z_j:   dv += de_j z_j,   dz_j = de_j v
//   z_j = tanh(u_j), u_j = Ws + Uh_j:  du_j = dz_j (1 - z_j^2)
//     dUh_j = du_j,   dWs = sum_j du_j   (Ws was broadcast over the keys)
// A padded key has a_j = 0, so de_j = 0 and nothing flows back from it.
// Returns {dWs [B, A], dUh [B, S, A], dv [A], dkeys [B, S, D]}.
std::vector<Tensor> additive_attention_backward(const Tensor& dcontext, const Tensor& dalpha,
                                                const Tensor& Z, const Tensor& alpha,
                                                const Tensor& v, const Tensor& keys) {
  const int64_t B = Z.size(0), S = Z.size(1), A = Z.size(2), D = keys.size(2);
  const real* pdc = dcontext.data();
  const real* pda_out = dalpha.data();
  const real* pz = Z.data();
  const real* pa = alpha.data();
  const real* pv = v.data();
  const real* ph = keys.data();
  Tensor dWs = Tensor::zeros({B, A}), dUh = Tensor::empty({B, S, A});
  Tensor dkeys = Tensor::empty({B, S, D});
  // dv sums over every (b, j): one row per b, added up after the parallel loop.
  Tensor dv_rows = Tensor::zeros({B, A});
  real* pdw = dWs.data();
  real* pdu = dUh.data();
  real* pdh = dkeys.data();
  real* pdv = dv_rows.data();
  parallel_for(B, S * A, kMinWorkForThreads, [&](int64_t b_begin, int64_t b_end) {
    for (int64_t b = b_begin; b < b_end; ++b) {
      const real* a = pa + b * S;
      const real* dc = pdc + b * D;
      std::vector<real> da(S);
      real sum_da_a = 0;
      for (int64_t j = 0; j < S; ++j) {
        // dh_j = a_j dc;  da_j = dc . h_j + da_out_j
        const real* h = ph + (b * S + j) * D;
        real* dh = pdh + (b * S + j) * D;
        simd::mul_scalar(dc, a[j], dh, D);
        da[j] = simd::dot(dc, h, D) + pda_out[b * S + j];
        sum_da_a += da[j] * a[j];
      }
      for (int64_t j = 0; j < S; ++j) {
        const real de = a[j] * (da[j] - sum_da_a);  // softmax backward
        const real* z = pz + (b * S + j) * A;
        real* dU = pdu + (b * S + j) * A;
        simd::axpy(de, z, pdv + b * A, A);  // dv += de_j z_j
        for (int64_t k = 0; k < A; ++k) dU[k] = de * pv[k] * (1 - z[k] * z[k]);
        simd::add(pdw + b * A, dU, pdw + b * A, A);  // dWs = sum_j du_j
      }
    }
  });
  Tensor dv = Tensor::zeros({A});
  for (int64_t b = 0; b < B; ++b) simd::add(dv.data(), pdv + b * A, dv.data(), A);
  return {dWs, dUh, dv, dkeys};
}

}  // namespace

AttentionOutput additive_attention_fused(const Tensor& Ws, const Tensor& Uh, const Tensor& v,
                                         const Tensor& keys, const Tensor& mask) {
  ATTN_PROFILE_OP("additive_attention_fused");
  const auto [B, S, A, D] = check_additive("additive_attention_fused", Ws, Uh, v, keys, mask);
  Tensor Z = Tensor::empty({B, S, A});
  Tensor alpha = Tensor::empty({B, S});
  Tensor context = Tensor::empty({B, D});
  const real* pw = Ws.data();
  const real* pu = Uh.data();
  const real* pv = v.data();
  const real* ph = keys.data();
  const real* pm = mask.defined() ? mask.data() : nullptr;
  real* pz = Z.data();
  real* pa = alpha.data();
  real* pc = context.data();
  parallel_for(B, S * A, kMinWorkForThreads, [&](int64_t b_begin, int64_t b_end) {
    for (int64_t b = b_begin; b < b_end; ++b) {
      real* e = pa + b * S;
      for (int64_t j = 0; j < S; ++j) {
        real* z = pz + (b * S + j) * A;
        simd::add(pw + b * A, pu + (b * S + j) * A, z, A);  // u_j = Ws + Uh_j
        simd::tanh(z, z, A);                                // z_j = tanh(u_j)
        e[j] = simd::dot(pv, z, A);                         // e_j = v . z_j
        if (pm && pm[b * S + j] != 0) e[j] = -std::numeric_limits<real>::infinity();
      }
      simd::softmax_row(e, e, S);  // a = softmax(e)
      real* c = pc + b * D;        // c = sum_j a_j h_j
      std::fill(c, c + D, real(0));
      for (int64_t j = 0; j < S; ++j) simd::axpy(e[j], ph + (b * S + j) * D, c, D);
    }
  });

  auto outs = record_multi("additive_attention_fused", {context, alpha}, {Ws, Uh, v, keys},
                           [Z, alpha = alpha.detach(), v, keys](const std::vector<Tensor>& g) {
                             return additive_attention_backward(
                                 or_zeros(g[0], {keys.size(0), keys.size(2)}),
                                 or_zeros(g[1], alpha.shape()), Z, alpha, v, keys);
                           });
  return {outs[0], outs[1]};
}

AttentionOutput additive_attention_composed(const Tensor& Ws, const Tensor& Uh, const Tensor& v,
                                            const Tensor& keys, const Tensor& mask) {
  const auto [B, S, A, D] = check_additive("additive_attention_composed", Ws, Uh, v, keys, mask);
  Tensor z = tanh(unsqueeze(Ws, 1) + Uh);                     // [B, S, A]
  Tensor e = reshape(matmul(z, reshape(v, {A, 1})), {B, S});  // v . z_j
  if (mask.defined()) e = masked_fill(e, mask, -std::numeric_limits<real>::infinity());
  Tensor alpha = softmax(e, 1);
  Tensor context = reshape(matmul(unsqueeze(alpha, 1), keys), {B, D});  // [B,1,S] x [B,S,D]
  return {context, alpha};
}

// ---- the layer --------------------------------------------------------------------------

AdditiveAttention::AdditiveAttention(const AdditiveAttentionOptions& opts)
    : Module("AdditiveAttention"),
      options(opts),
      W(LinearOptions(opts.query_dim(), opts.attn_dim()).bias(false)),
      U(LinearOptions(opts.key_dim(), opts.attn_dim())),
      v(LinearOptions(opts.attn_dim(), 1).bias(false)) {
  ATTN_CHECK(opts.query_dim() > 0 && opts.key_dim() > 0 && opts.attn_dim() > 0,
             "AdditiveAttention: query_dim = ", opts.query_dim(), ", key_dim = ", opts.key_dim(),
             ", attn_dim = ", opts.attn_dim(), " must all be > 0");
  register_module("W", W);
  register_module("U", U);
  register_module("v", v);
}

Tensor AdditiveAttention::project_keys(const Tensor& keys) const {
  ATTN_CHECK(keys.defined(), "AdditiveAttention::project_keys: keys are undefined");
  ATTN_CHECK(keys.dim() == 3 && keys.size(2) == options.key_dim(),
             "AdditiveAttention::project_keys: keys of shape ", shape_str(keys.shape()),
             " are not [B, S, key_dim] with key_dim = ", options.key_dim());
  return U(keys);
}

AttentionOutput AdditiveAttention::forward(const Tensor& query, const Tensor& keys,
                                           const Tensor& key_padding_mask,
                                           const Tensor& projected_keys) const {
  ATTN_CHECK(query.defined() && keys.defined(), "AdditiveAttention: query or keys undefined");
  ATTN_CHECK(query.dim() == 2 && query.size(1) == options.query_dim(),
             "AdditiveAttention: query of shape ", shape_str(query.shape()),
             " is not [B, query_dim] with query_dim = ", options.query_dim());
  ATTN_CHECK(keys.dim() == 3 && keys.size(2) == options.key_dim() && keys.size(0) == query.size(0),
             "AdditiveAttention: keys of shape ", shape_str(keys.shape()),
             " are not [B, S, key_dim] with B = ", query.size(0),
             " and key_dim = ", options.key_dim(), " (query ", shape_str(query.shape()), ")");
  const Tensor Uh = projected_keys.defined() ? projected_keys : project_keys(keys);
  ATTN_CHECK(Uh.shape() == Shape({keys.size(0), keys.size(1), options.attn_dim()}),
             "AdditiveAttention: projected_keys of shape ", shape_str(Uh.shape()),
             " do not match keys ", shape_str(keys.shape()),
             " projected to attn_dim = ", options.attn_dim(), " (pass project_keys(keys))");
  if (key_padding_mask.defined())
    ATTN_CHECK(key_padding_mask.shape() == Shape({keys.size(0), keys.size(1)}),
               "AdditiveAttention: key_padding_mask of shape ", shape_str(key_padding_mask.shape()),
               " does not match keys ", shape_str(keys.shape()), " (expected [B, S])");
  const Tensor Ws = W(query);                                    // [B, A]
  const Tensor v_row = reshape(v.weight, {options.attn_dim()});  // [A]
  return options.fused() ? additive_attention_fused(Ws, Uh, v_row, keys, key_padding_mask)
                         : additive_attention_composed(Ws, Uh, v_row, keys, key_padding_mask);
}

}  // namespace attn::nn
