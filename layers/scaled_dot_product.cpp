// Scaled dot-product attention, fused and composed.
//
// Shapes (one legend for the file): B batch, H heads, T queries, S keys, d the query/key
// size, dv the value size. Per batch item and head:
//   Q [T, d], K [S, d], V [S, dv]
//   Z = c Q K^T (+ additive mask, -inf where excluded)   [T, S]   c = 1 / sqrt(d)
//   P = softmax(Z) row by row                             [T, S]
//   P' = P * M / (1 - p)     (dropout; P' = P when p = 0) [T, S]
//   O = P' V                                              [T, dv]
//
// Backward, given dO [T, dv] and dW [T, S] (the gradient of the returned weights P'):
//   in the forward pass O = P' V, so now
//     dV  = P'^T dO                                  [S, T] x [T, dv]
//     dP' = dO V^T + dW                              [T, dv] x [dv, S]
//   P' = P * M / (1 - p), elementwise, so
//     dP  = dP' * M / (1 - p)
//   P = softmax(Z) along each row: dP_j / dZ_k = P_j (delta_jk - P_k), and summing dP_j times it
//   over j gives (no S x S Jacobian is formed, one row sum instead)
//     dZ_k = P_k (dP_k - sum_j dP_j P_j),  i.e.  dS = P .* (dP - rowsum(dP .* P))
//   Z = c Q K^T, a product again:
//     dQ = c dZ K                                    [T, S] x [S, d]
//     dK = c dZ^T Q                                  [S, T] x [T, d]
// Excluded keys have P = 0, hence dZ = 0 there: no gradient flows to a masked score, as
// masked_fill's backward would do in the composed version. The masks get no gradient.
//
// Memory: the fused op keeps P (and the dropout mask) for the backward, the composed one
// keeps Z, P, P' and the matmul inputs; both are O(B H T S).
#include "layers/scaled_dot_product.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"
#include "layers/dropout.h"

namespace attn::nn {

namespace {

// Below this much work (scores) one thread does the whole op: set from where a
// second thread paid in bench/bench_threads.cpp and in whole training steps
// (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkForThreads = int64_t{1} << 20;

// The products of different batch items are independent. Above this many multiply-adds in
// all (the GEMM's own rule: two threads from 8M), the items run as tasks, each item's
// products then on one thread; below, one after another. A batch of many small products
// (SAGAN's 64 maps of 196 x 196 scores) would otherwise never reach a second thread.
constexpr int64_t kMinProductWorkForThreads = int64_t{1} << 23;

template <typename Body>
void for_each_item(int64_t B, int64_t macs_per_item, Body&& body) {
  parallel_for(B, macs_per_item, kMinProductWorkForThreads, [&](int64_t b_begin, int64_t b_end) {
    for (int64_t b = b_begin; b < b_end; ++b) body(b);
  });
}

constexpr real kNegInf = -std::numeric_limits<real>::infinity();

// Where head h of batch item b of an operand lives: its element (row, col) is at
//   p + b * sb + h * sh + row * ld + col.
// [B, H, T, d] contiguous: sb = H*T*d, sh = T*d, ld = d.
// [B, T, H*d] (heads side by side): sb = T*H*d, sh = d, ld = H*d.
template <typename P>
struct Layout {
  P p;
  int64_t sb, sh, ld;
  P at(int64_t b) const { return p + b * sb; }
};

struct Sizes {
  int64_t B, H, T, S, d, dv;
};

void check_dropout_p(const char* op, double p) {
  ATTN_CHECK(p >= 0.0 && p < 1.0, op, ": dropout_p = ", p,
             " is outside [0, 1) (the chance of zeroing each attention weight)");
}

// The masks must match the sizes; say which one and what was expected.
void check_mask(const char* op, const AttentionMask& m, const Sizes& z) {
  if (m.key_padding.defined())
    ATTN_CHECK(m.key_padding.shape() == Shape({z.B, z.S}), op, ": key_padding mask of shape ",
               shape_str(m.key_padding.shape()), " does not match [B, S] = [", z.B, ", ", z.S,
               "] (batch ", z.B, ", ", z.S, " keys)");
  if (m.attn.defined())
    ATTN_CHECK(m.attn.shape() == Shape({z.T, z.S}), op, ": attn mask of shape ",
               shape_str(m.attn.shape()), " does not match [T, S] = [", z.T, ", ", z.S, "] (", z.T,
               " queries, ", z.S, " keys)");
}

Sizes check_4d(const char* op, const Tensor& Q, const Tensor& K, const Tensor& V,
               const AttentionMask& mask, double dropout_p) {
  ATTN_CHECK(Q.defined() && K.defined() && V.defined(), op, ": Q, K or V is undefined");
  const std::string got =
      "Q " + shape_str(Q.shape()) + ", K " + shape_str(K.shape()) + ", V " + shape_str(V.shape());
  ATTN_CHECK(Q.dim() == 4 && K.dim() == 4 && V.dim() == 4, op, ": ", got,
             ": expected Q [B,H,T,d], K [B,H,S,d], V [B,H,S,d_v] (4-D each)");
  ATTN_CHECK(K.size(0) == Q.size(0) && V.size(0) == Q.size(0) && K.size(1) == Q.size(1) &&
                 V.size(1) == Q.size(1),
             op, ": ", got, ": batch and head sizes (the first two) differ");
  ATTN_CHECK(K.size(3) == Q.size(3), op, ": ", got, ": query size d = ", Q.size(3),
             " and key size ", K.size(3), " differ (scores are dot products of the two)");
  ATTN_CHECK(V.size(2) == K.size(2), op, ": ", got, ": ", K.size(2), " keys but ", V.size(2),
             " values (one value per key)");
  ATTN_CHECK(Q.size(2) > 0 && K.size(2) > 0, op, ": ", got,
             ": needs at least one query and one key");
  check_dropout_p(op, dropout_p);
  Sizes z{Q.size(0), Q.size(1), Q.size(2), K.size(2), Q.size(3), V.size(3)};
  check_mask(op, mask, z);
  return z;
}

Sizes check_heads(const char* op, const Tensor& q, const Tensor& k, const Tensor& v, int64_t H,
                  const AttentionMask& mask, double dropout_p) {
  ATTN_CHECK(q.defined() && k.defined() && v.defined(), op, ": q, k or v is undefined");
  const std::string got =
      "q " + shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " + shape_str(v.shape());
  ATTN_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, op, ": ", got,
             ": expected q [B,T,H*d], k [B,S,H*d], v [B,S,H*d_v] (3-D each)");
  ATTN_CHECK(H >= 1, op, ": num_heads = ", H, " must be >= 1");
  ATTN_CHECK(k.size(0) == q.size(0) && v.size(0) == q.size(0), op, ": ", got,
             ": batch sizes differ");
  ATTN_CHECK(k.size(2) == q.size(2), op, ": ", got, ": query size ", q.size(2), " and key size ",
             k.size(2), " differ");
  ATTN_CHECK(q.size(2) % H == 0 && v.size(2) % H == 0, op, ": ", got, ": sizes ", q.size(2),
             " and ", v.size(2), " must be divisible by num_heads = ", H);
  ATTN_CHECK(v.size(1) == k.size(1), op, ": ", got, ": ", k.size(1), " keys but ", v.size(1),
             " values");
  ATTN_CHECK(q.size(1) > 0 && k.size(1) > 0, op, ": ", got,
             ": needs at least one query and one key");
  check_dropout_p(op, dropout_p);
  Sizes z{q.size(0), H, q.size(1), k.size(1), q.size(2) / H, v.size(2) / H};
  check_mask(op, mask, z);
  return z;
}

// For each of H heads: D [S, n] = alpha A^T G, with A [T, S] (row stride S, heads stride_a
// apart) and G [T, n] (row stride ldg), D written with row stride ldd (heads stride_d apart).
// The backward's dV = P'^T dO and dK = c dZ^T Q. The GEMM packs an operand it reads
// transposed, here A^T: S T values. When n < S, D^T = alpha G^T A packs G^T (n T values)
// instead and reads A in place, and D^T [n, S] is turned round into D. SAGAN's maps (S = 196
// positions, n = 4 or 32 channels; AVX2, 64 images): dK 1.42 -> 0.37 ms, dV 2.41 -> 1.85 ms.
void transposed_operand_product(int64_t H, int64_t S, int64_t n, int64_t T, real alpha,
                                const real* A, int64_t lda, int64_t stride_a, const real* G,
                                int64_t ldg, int64_t stride_g, real* D, int64_t ldd,
                                int64_t stride_d) {
  if (n >= S) {
    simd::gemm_batched<real>(H, true, false, S, n, T, alpha, A, lda, stride_a, G, ldg, stride_g,
                             real(0), D, ldd, stride_d);
    return;
  }
  // D^T [n, S] of one head; one buffer per thread, kept from item to item.
  thread_local std::vector<real> Dt;
  Dt.resize(static_cast<size_t>(n * S));
  for (int64_t h = 0; h < H; ++h) {
    simd::gemm<real>(true, false, n, S, T, alpha, G + h * stride_g, ldg, A + h * stride_a, lda,
                     real(0), Dt.data(), S);
    real* Dh = D + h * stride_d;
    for (int64_t s = 0; s < S; ++s)
      for (int64_t j = 0; j < n; ++j) Dh[s * ldd + j] = Dt[j * S + s];
  }
}

// Z = c Q K^T for every head of batch item b, then the masks, then P = softmax(Z) in place.
// P is [B, H, T, S] contiguous.
void scores_softmax(const Sizes& z, real c, const Layout<const real*>& q,
                    const Layout<const real*>& k, const AttentionMask& m, real* P) {
  const int64_t TS = z.T * z.S;
  for_each_item(z.B, z.H * TS * z.d, [&](int64_t b) {
    simd::gemm_batched<real>(z.H, false, true, z.T, z.S, z.d, c, q.at(b), q.ld, q.sh, k.at(b), k.ld,
                             k.sh, real(0), P + b * z.H * TS, z.S, TS);
  });
  const real* kp = m.key_padding.defined() ? m.key_padding.data() : nullptr;
  const real* am = m.attn.defined() ? m.attn.data() : nullptr;
  const bool additive = m.attn_additive, causal = m.causal;
  const int64_t rows = z.B * z.H * z.T;
  parallel_for(rows, z.S, kMinWorkForThreads, [&](int64_t r_begin, int64_t r_end) {
    for (int64_t r = r_begin; r < r_end; ++r) {
      const int64_t b = r / (z.H * z.T), t = r % z.T;
      real* row = P + r * z.S;
      if (am) {
        const real* ar = am + t * z.S;
        if (additive)
          for (int64_t s = 0; s < z.S; ++s) row[s] += ar[s];
        else
          for (int64_t s = 0; s < z.S; ++s)
            if (ar[s] != 0) row[s] = kNegInf;
      }
      if (causal)
        for (int64_t s = t + 1; s < z.S; ++s) row[s] = kNegInf;
      if (kp) {
        const real* kr = kp + b * z.S;
        for (int64_t s = 0; s < z.S; ++s)
          if (kr[s] != 0) row[s] = kNegInf;
      }
      simd::softmax_row(row, row, z.S);
    }
  });
}

// The fused op on any layout; out_shape is O's shape in that layout.
AttentionOutput fused(const char* op, const Sizes& z, const Tensor& Q, const Tensor& K,
                      const Tensor& V, Layout<int64_t> lq, Layout<int64_t> lk, Layout<int64_t> lv,
                      Layout<int64_t> lo, const Shape& out_shape, const AttentionMask& mask,
                      double dropout_p, real c) {
  ATTN_PROFILE_OP(op);
  // Layout<int64_t> carries only the strides (p unused); the pointers come from the tensors.
  auto view = [](const Tensor& t, const Layout<int64_t>& l) {
    return Layout<const real*>{t.data(), l.sb, l.sh, l.ld};
  };
  const int64_t TS = z.T * z.S;
  Tensor P = Tensor::uninitialized({z.B, z.H, z.T, z.S});
  scores_softmax(z, c, view(Q, lq), view(K, lk), mask, P.data());

  // Dropout on the weights: the mask is drawn exactly as nn::dropout draws it (same order,
  // same test), so a seeded run of the composed reference sees the same zeros.
  Tensor M, Pd = P;
  if (dropout_p > 0) {
    M = Tensor::uninitialized(P.shape());
    Pd = Tensor::uninitialized(P.shape());
    const real keep = static_cast<real>(1.0 / (1.0 - dropout_p));
    auto& gen = global_generator();
    real* pm = M.data();
    for (int64_t i = 0, n = P.numel(); i < n; ++i) pm[i] = gen.uniform() >= dropout_p ? keep : 0;
    simd::mul(P.data(), pm, Pd.data(), P.numel());
  }

  // O = P' V
  Tensor O = Tensor::uninitialized(out_shape);
  for_each_item(z.B, z.H * TS * z.dv, [&](int64_t b) {
    simd::gemm_batched<real>(z.H, false, false, z.T, z.dv, z.S, real(1), Pd.data() + b * z.H * TS,
                             z.S, TS, V.data() + b * lv.sb, lv.ld, lv.sh, real(0),
                             O.data() + b * lo.sb, lo.ld, lo.sh);
  });

  Tensor weights = dropout_p > 0 ? Pd : P;
  auto outs = record_multi(
      op, {O, weights}, {Q, K, V},
      [z, c, lq, lk, lv, lo, Q, K, V, P = P.detach(), M, Pd = Pd.detach(),
       out_shape](const std::vector<Tensor>& g) {
        const Tensor dO = or_zeros(g[0], out_shape);  // zero when only the weights were used
        const int64_t TS = z.T * z.S;
        // dP' = dO V^T + dW, written into one buffer that becomes dP and then dZ. When the
        // weights fed nothing, dW is undefined (zero): then it is not added.
        const bool has_dw = g[1].defined();
        Tensor dZ = has_dw ? g[1].clone() : Tensor::uninitialized({z.B, z.H, z.T, z.S});
        real* pz = dZ.data();
        for_each_item(z.B, z.H * TS * z.dv, [&](int64_t b) {
          simd::gemm_batched<real>(z.H, false, true, z.T, z.S, z.dv, real(1), dO.data() + b * lo.sb,
                                   lo.ld, lo.sh, V.data() + b * lv.sb, lv.ld, lv.sh,
                                   has_dw ? real(1) : real(0), pz + b * z.H * TS, z.S, TS);
        });
        // dV = P'^T dO
        Tensor dV = Tensor::uninitialized(V.shape());
        for_each_item(z.B, z.H * TS * z.dv, [&](int64_t b) {
          transposed_operand_product(z.H, z.S, z.dv, z.T, real(1), Pd.data() + b * z.H * TS, z.S,
                                     TS, dO.data() + b * lo.sb, lo.ld, lo.sh,
                                     dV.data() + b * lv.sb, lv.ld, lv.sh);
        });
        // dP = dP' * M / (1 - p)  (M already holds 0 or 1 / (1 - p))
        if (M.defined()) simd::mul(pz, M.data(), pz, dZ.numel());
        // dZ = P .* (dP - rowsum(dP .* P)), row by row, in place
        const real* pp = P.data();
        const int64_t rows = z.B * z.H * z.T;
        parallel_for(rows, z.S, kMinWorkForThreads, [&](int64_t r_begin, int64_t r_end) {
          for (int64_t r = r_begin; r < r_end; ++r) {
            real* dr = pz + r * z.S;
            const real* pr = pp + r * z.S;
            const real dot = simd::dot(dr, pr, z.S);
            for (int64_t s = 0; s < z.S; ++s) dr[s] = pr[s] * (dr[s] - dot);
          }
        });
        // dQ = c dZ K,  dK = c dZ^T Q
        Tensor dQ = Tensor::uninitialized(Q.shape()), dK = Tensor::uninitialized(K.shape());
        for_each_item(z.B, 2 * z.H * TS * z.d, [&](int64_t b) {
          simd::gemm_batched<real>(z.H, false, false, z.T, z.d, z.S, c, pz + b * z.H * TS, z.S, TS,
                                   K.data() + b * lk.sb, lk.ld, lk.sh, real(0),
                                   dQ.data() + b * lq.sb, lq.ld, lq.sh);
          transposed_operand_product(z.H, z.S, z.d, z.T, c, pz + b * z.H * TS, z.S, TS,
                                     Q.data() + b * lq.sb, lq.ld, lq.sh, dK.data() + b * lk.sb,
                                     lk.ld, lk.sh);
        });
        return std::vector<Tensor>{dQ, dK, dV};
      });
  return {outs[0], outs[1]};
}

real default_scale(int64_t d, std::optional<double> scale) {
  return static_cast<real>(scale ? *scale : 1.0 / std::sqrt(static_cast<double>(d)));
}

}  // namespace

AttentionOutput scaled_dot_product_attention(const Tensor& Q, const Tensor& K, const Tensor& V,
                                             const AttentionMask& mask, double dropout_p,
                                             std::optional<double> scale) {
  const char* op = "scaled_dot_product_attention";
  const Sizes z = check_4d(op, Q, K, V, mask, dropout_p);
  // Contiguous [B, H, rows, cols]: head h starts rows * cols after head h - 1.
  auto bhrc = [&](int64_t rows, int64_t cols) {
    return Layout<int64_t>{0, z.H * rows * cols, rows * cols, cols};
  };
  return fused(op, z, Q, K, V, bhrc(z.T, z.d), bhrc(z.S, z.d), bhrc(z.S, z.dv), bhrc(z.T, z.dv),
               {z.B, z.H, z.T, z.dv}, mask, dropout_p, default_scale(z.d, scale));
}

AttentionOutput multi_head_scaled_dot_product_attention(const Tensor& q, const Tensor& k,
                                                        const Tensor& v, int64_t num_heads,
                                                        const AttentionMask& mask, double dropout_p,
                                                        std::optional<double> scale) {
  const char* op = "multi_head_scaled_dot_product_attention";
  const Sizes z = check_heads(op, q, k, v, num_heads, mask, dropout_p);
  // [B, rows, H * cols]: head h is the column block h * cols; a row is H * cols long.
  auto brhc = [&](int64_t rows, int64_t cols) {
    return Layout<int64_t>{0, rows * z.H * cols, cols, z.H * cols};
  };
  return fused(op, z, q, k, v, brhc(z.T, z.d), brhc(z.S, z.d), brhc(z.S, z.dv), brhc(z.T, z.dv),
               {z.B, z.T, z.H * z.dv}, mask, dropout_p, default_scale(z.d, scale));
}

AttentionOutput scaled_dot_product_attention_composed(const Tensor& Q, const Tensor& K,
                                                      const Tensor& V, const AttentionMask& mask,
                                                      double dropout_p,
                                                      std::optional<double> scale) {
  const Sizes z = check_4d("scaled_dot_product_attention_composed", Q, K, V, mask, dropout_p);
  const real c = default_scale(z.d, scale);
  Tensor scores = matmul(Q, transpose(K, -2, -1)) * c;  // [B, H, T, S]
  if (mask.attn.defined())
    scores = mask.attn_additive ? scores + mask.attn : masked_fill(scores, mask.attn, kNegInf);
  if (mask.causal) {
    Tensor future = Tensor::zeros({z.T, z.S});  // 1 where key s lies after query t
    for (int64_t t = 0; t < z.T; ++t)
      for (int64_t s = t + 1; s < z.S; ++s) future.data()[t * z.S + s] = 1;
    scores = masked_fill(scores, future, kNegInf);
  }
  if (mask.key_padding.defined())
    scores = masked_fill(scores, reshape(mask.key_padding, {z.B, 1, 1, z.S}), kNegInf);
  Tensor P = softmax(scores, -1);
  if (dropout_p > 0) P = dropout(P, dropout_p, /*training=*/true);
  return {matmul(P, V), P};
}

AttentionOutput multi_head_scaled_dot_product_attention_composed(const Tensor& q, const Tensor& k,
                                                                 const Tensor& v, int64_t num_heads,
                                                                 const AttentionMask& mask,
                                                                 double dropout_p,
                                                                 std::optional<double> scale) {
  const Sizes z = check_heads("multi_head_scaled_dot_product_attention_composed", q, k, v,
                              num_heads, mask, dropout_p);
  // [B, rows, H*cols] -> [B, rows, H, cols] -> [B, H, rows, cols]: heads become a batch dim.
  auto split_heads = [&](const Tensor& x, int64_t rows, int64_t cols) {
    return permute(reshape(x, {z.B, rows, z.H, cols}), {0, 2, 1, 3});
  };
  AttentionOutput r = scaled_dot_product_attention_composed(
      split_heads(q, z.T, z.d), split_heads(k, z.S, z.d), split_heads(v, z.S, z.dv), mask,
      dropout_p, default_scale(z.d, scale));
  // [B, H, T, dv] -> [B, T, H, dv] -> [B, T, H*dv]: the heads side by side again.
  return {reshape(permute(r.output, {0, 2, 1, 3}), {z.B, z.T, z.H * z.dv}), r.weights};
}

}  // namespace attn::nn
