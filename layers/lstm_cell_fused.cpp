// One LSTM step: gx [B,4H], h [B,H], c [B,H], w_hh [4H,H], mask [B] -> h' [B,H], c' [B,H].
// (B batch, H hidden, G = 4H; the gates of a row lie side by side as i | f | g | o.)
//
// Forward, per row b and unit j (a = the gates before their activations):
//   a = gx + h W_hh^T                                 one GEMM [B,H] x [H,4H]
//   i = sigma(a_i)   f = sigma(a_f)   g = tanh(a_g)   o = sigma(a_o)
//   c' = f * c + i * g
//   h' = o * tanh(c')
// and where mask[b] == 0 the row is carried: h'_b = h_b, c'_b = c_b.
// Saved for the backward: the activated gates i, f, g, o [B,4H] and tanh(c') [B,H];
// the inputs h, c, w_hh are held by the node anyway. Nothing else.
//
// Backward, given dh' and dc' (the engine passes zeros for an output nobody used):
//   in the forward pass h' = o * tanh(c'), so now
//     do  = dh' * tanh(c')
//     dc' += dh' * o * (1 - tanh(c')^2)         c' reaches the loss directly and through h'
//   in the forward pass c' = f * c + i * g, so now
//     df = dc' * c,   dc = dc' * f,   di = dc' * g,   dg = dc' * i
//   through the activations (sigma' = sigma (1 - sigma), tanh' = 1 - tanh^2):
//     da_i = di i (1 - i),  da_f = df f (1 - f),  da_g = dg (1 - g^2),  da_o = do o (1 - o)
//   in the forward pass a = gx + h W_hh^T, so now
//     dgx = da                                   [B,4H]
//     dh  = da W_hh                              [B,4H] x [4H,H], one GEMM
//     dW_hh = da^T h                             [4H,B] x [B,H], one GEMM; the engine sums
//                                                the steps' contributions into W_hh.grad
//   a carried row (mask 0) passed h and c through: dh_b = dh'_b, dc_b = dc'_b, da_b = 0.
//
// Over a whole sequence (lstm_sequence_fused), step s reads the state (h_s, c_s) and writes
// (h_{s+1}, c_{s+1}); out[:, t] = h_{s+1}. In the forward pass h_{s+1} went both to the output
// and to step s+1, so walking s = T-1 .. 0 the gradient reaching it is
//   dh_{s+1} = dout[:, t] + (dh from step s+1's backward),  dc_{s+1} = dc from step s+1,
// starting from dh_T = dh_n, dc_T = dc_n. Every step used the same W_hh, so
//   dW_hh = sum_s da_s^T h_s = [da_0; ..; da_{T-1}]^T [h_0; ..; h_{T-1}]   one GEMM, K = T*B.
#include "layers/lstm_cell_fused.h"

#include <algorithm>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"

namespace attn::nn {

namespace {

struct StepSizes {
  int64_t B, H;
};

StepSizes check_lstm_step(const char* op, const Tensor& gx, const Tensor& h, const Tensor& c,
                          const Tensor& w_hh, const Tensor& mask) {
  ATTN_CHECK(gx.defined() && h.defined() && c.defined() && w_hh.defined(), op,
             ": gx, h, c and w_hh must all be defined");
  ATTN_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 4 * w_hh.size(1), op, ": w_hh of shape ",
             shape_str(w_hh.shape()), " must be [4H, H]");
  const int64_t H = w_hh.size(1);
  ATTN_CHECK(h.dim() == 2 && h.size(1) == H, op, ": h of shape ", shape_str(h.shape()),
             " must be [B, H] with H = ", H, " (w_hh ", shape_str(w_hh.shape()), ")");
  const int64_t B = h.size(0);
  ATTN_CHECK(c.shape() == h.shape(), op, ": c of shape ", shape_str(c.shape()),
             " must match h of shape ", shape_str(h.shape()));
  ATTN_CHECK(gx.shape() == (Shape{B, 4 * H}), op, ": gx of shape ", shape_str(gx.shape()),
             " must be [B, 4H] = [", B, ",", 4 * H, "] (h ", shape_str(h.shape()), ")");
  if (mask.defined())
    ATTN_CHECK(mask.shape() == Shape{B}, op, ": mask of shape ", shape_str(mask.shape()),
               " must be [B] = [", B, "]");
  return {B, H};
}

// ---- the step's kernels, on raw rows (shared by the step op and the sequence op) ----
//
// Row b of gx starts at gx + b * ld_gx (4H for one step, T * 4H inside a [B,T,4H] sequence);
// row b's mask is mask[b * mask_stride] (mask may be null). h, c, acts, tc, h1, c1 are
// contiguous [B,H] / [B,4H].

// Forward of one step: fills acts (i | f | g | o), tc = tanh(c'), h1 = h', c1 = c'.
// w is W_hh as stored, [4H, H], or, when w_transposed, W_hh^T [H, 4H] (a sequence transposes
// it once, so that each step's GEMM reads it in place instead of repacking it).
void step_forward(int64_t B, int64_t H, const real* gx, int64_t ld_gx, const real* h, const real* c,
                  const real* w, bool w_transposed, const real* mask, int64_t mask_stride,
                  real* acts, real* tc, real* h1, real* c1) {
  const int64_t G = 4 * H;
  // a = h W_hh^T
  if (w_transposed)
    simd::gemm<real>(false, false, B, G, H, real(1), h, H, w, G, real(0), acts, G);
  else
    simd::gemm<real>(false, true, B, G, H, real(1), h, H, w, H, real(0), acts, G);
  for (int64_t b = 0; b < B; ++b) {
    real* a = acts + b * G;
    simd::add(a, gx + b * ld_gx, a, G);      // a = gx + h W_hh^T
    simd::sigmoid(a, a, 2 * H);              // i, f (adjacent)
    simd::tanh(a + 2 * H, a + 2 * H, H);     // g
    simd::sigmoid(a + 3 * H, a + 3 * H, H);  // o
    const real *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
    const real* cr = c + b * H;
    real* c1r = c1 + b * H;
    real* tcr = tc + b * H;
    real* h1r = h1 + b * H;
    for (int64_t j = 0; j < H; ++j) c1r[j] = f[j] * cr[j] + i[j] * g[j];  // c' = f c + i g
    simd::tanh(c1r, tcr, H);
    for (int64_t j = 0; j < H; ++j) h1r[j] = o[j] * tcr[j];  // h' = o tanh(c')
    if (mask && mask[b * mask_stride] == 0) {                // an ended sequence: carry
      std::copy(h + b * H, h + (b + 1) * H, h1r);
      std::copy(cr, cr + H, c1r);
    }
  }
}

// Backward of one step, up to the GEMMs: from dh1 = dL/dh', dc1 = dL/dc' and what the
// forward saved, writes da = dL/da [B,4H] (= dL/dgx; zero on carried rows) and, when dc is
// not null, dc = dL/dc [B,H]. dc may be the same buffer as dc1 (each element is read first).
void step_backward(int64_t B, int64_t H, const real* dh1, const real* dc1, const real* acts,
                   const real* tc, const real* c, const real* mask, int64_t mask_stride, real* da,
                   real* dc) {
  const int64_t G = 4 * H;
  for (int64_t b = 0; b < B; ++b) {
    real* d = da + b * G;
    const real* dh1r = dh1 + b * H;
    const real* dc1r = dc1 + b * H;
    if (mask && mask[b * mask_stride] == 0) {  // carried: c' = c, and no gate saw the loss
      std::fill(d, d + G, real(0));
      if (dc && dc != dc1) std::copy(dc1r, dc1r + H, dc + b * H);
      continue;
    }
    const real* a = acts + b * G;
    const real *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
    const real* tcr = tc + b * H;
    const real* cr = c + b * H;
    for (int64_t j = 0; j < H; ++j) {
      // h' = o * tanh(c')
      const real d_o = dh1r[j] * tcr[j];
      const real dct = dc1r[j] + dh1r[j] * o[j] * (real(1) - tcr[j] * tcr[j]);
      // c' = f * c + i * g
      const real d_i = dct * g[j], d_f = dct * cr[j], d_g = dct * i[j];
      if (dc) dc[b * H + j] = dct * f[j];
      // i, f, o = sigma(a), g = tanh(a)
      d[j] = d_i * i[j] * (real(1) - i[j]);
      d[H + j] = d_f * f[j] * (real(1) - f[j]);
      d[2 * H + j] = d_g * (real(1) - g[j] * g[j]);
      d[3 * H + j] = d_o * o[j] * (real(1) - o[j]);
    }
  }
}

// dh = da W_hh ([B,4H] x [4H,H]); a carried row passed h through, so there dh = dh1.
void step_backward_dh(int64_t B, int64_t H, const real* da, const real* w_hh, const real* dh1,
                      const real* mask, int64_t mask_stride, real* dh) {
  simd::gemm<real>(false, false, B, H, 4 * H, real(1), da, 4 * H, w_hh, H, real(0), dh, H);
  if (mask)
    for (int64_t b = 0; b < B; ++b)
      if (mask[b * mask_stride] == 0) std::copy(dh1 + b * H, dh1 + (b + 1) * H, dh + b * H);
}

}  // namespace

std::pair<Tensor, Tensor> lstm_cell_fused(const Tensor& gx, const Tensor& h, const Tensor& c,
                                          const Tensor& w_hh, const Tensor& mask) {
  ATTN_PROFILE_OP("lstm_cell_fused");
  // Plain variables, not a structured binding: the backward lambda captures them, which
  // clang accepts for a binding only from version 16.
  const StepSizes sizes = check_lstm_step("lstm_cell_fused", gx, h, c, w_hh, mask);
  const int64_t B = sizes.B, H = sizes.H;
  const int64_t G = 4 * H;
  Tensor acts = Tensor::uninitialized({B, G});  // a, then activated in place: i | f | g | o
  Tensor tc = Tensor::uninitialized({B, H});    // tanh(c')
  Tensor h1 = Tensor::uninitialized({B, H}), c1 = Tensor::uninitialized({B, H});
  const real* pm = mask.defined() ? mask.data() : nullptr;
  step_forward(B, H, gx.data(), G, h.data(), c.data(), w_hh.data(), false, pm, 1, acts.data(),
               tc.data(), h1.data(), c1.data());

  const bool need_gx = gx.requires_grad(), need_h = h.requires_grad(), need_c = c.requires_grad(),
             need_w = w_hh.requires_grad();
  auto outs = record_multi(
      "lstm_cell_fused", {h1, c1}, {gx, h, c, w_hh},
      [acts, tc, h, c, w_hh, mask, B, H, G, need_gx, need_h, need_c,
       need_w](const std::vector<Tensor>& g) {
        const Tensor dh1 = or_zeros(g[0], {B, H}), dc1 = or_zeros(g[1], {B, H});
        const std::vector<Tensor> go{dh1, dc1};
        const real* pm = mask.defined() ? mask.data() : nullptr;
        Tensor da = Tensor::uninitialized({B, G});  // dL/da, which is also dL/dgx
        Tensor dc = need_c ? Tensor::uninitialized({B, H}) : Tensor();
        step_backward(B, H, go[0].data(), go[1].data(), acts.data(), tc.data(), c.data(), pm, 1,
                      da.data(), need_c ? dc.data() : nullptr);
        Tensor dh, dw;
        if (need_h) {
          dh = Tensor::uninitialized({B, H});
          step_backward_dh(B, H, da.data(), w_hh.data(), go[0].data(), pm, 1, dh.data());
        }
        if (need_w) {  // dW_hh = da^T h: [4H,B] x [B,H]
          dw = Tensor::uninitialized({G, H});
          simd::gemm<real>(true, false, G, H, B, real(1), da.data(), G, h.data(), H, real(0),
                           dw.data(), H);
        }
        return std::vector<Tensor>{need_gx ? da : Tensor(), dh, dc, dw};
      });
  return {outs[0], outs[1]};
}

LSTMSequence lstm_sequence_fused(const Tensor& gx, const Tensor& h0, const Tensor& c0,
                                 const Tensor& w_hh, const Tensor& mask, bool reverse) {
  ATTN_PROFILE_OP("lstm_sequence_fused");
  ATTN_CHECK(gx.defined() && gx.dim() == 3, "lstm_sequence_fused: gx of shape ",
             gx.defined() ? shape_str(gx.shape()) : "undefined", " must be [B, T, 4H]");
  const int64_t B = gx.size(0), T = gx.size(1);
  ATTN_CHECK(h0.defined() && c0.defined() && w_hh.defined(),
             "lstm_sequence_fused: h0, c0 and w_hh must all be defined");
  ATTN_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 4 * w_hh.size(1),
             "lstm_sequence_fused: w_hh of shape ", shape_str(w_hh.shape()), " must be [4H, H]");
  ATTN_CHECK(gx.size(2) == w_hh.size(0), "lstm_sequence_fused: gx of shape ", shape_str(gx.shape()),
             " must be [B, T, 4H] with 4H = ", w_hh.size(0), " (w_hh ", shape_str(w_hh.shape()),
             ")");
  const Shape state{B, w_hh.size(1)};
  ATTN_CHECK(h0.shape() == state && c0.shape() == state, "lstm_sequence_fused: h0 of shape ",
             shape_str(h0.shape()), " and c0 of shape ", shape_str(c0.shape()),
             " must be [B, H] = ", shape_str(state));
  if (mask.defined())
    ATTN_CHECK(mask.shape() == (Shape{B, T}), "lstm_sequence_fused: mask of shape ",
               shape_str(mask.shape()), " must be [B, T] = [", B, ",", T, "]");
  const int64_t H = h0.size(1), G = 4 * H, BH = B * H;
  // Saved for the backward, indexed by the step number s (t = s, or T-1-s in reverse):
  // states h_s, c_s [T+1, B, H] (h_0 = h0: the state each step read), acts [T, B, 4H],
  // tc [T, B, H].
  Tensor hs = Tensor::uninitialized({T + 1, B, H}), cs = Tensor::uninitialized({T + 1, B, H});
  Tensor acts = Tensor::uninitialized({T, B, G}), tc = Tensor::uninitialized({T, B, H});
  Tensor out = Tensor::uninitialized({B, T, H});
  real *phs = hs.data(), *pcs = cs.data(), *pout = out.data();
  std::copy(h0.data(), h0.data() + BH, phs);
  std::copy(c0.data(), c0.data() + BH, pcs);
  const real* pm = mask.defined() ? mask.data() : nullptr;
  // W_hh^T [H, 4H], once for all T steps.
  Tensor w_t = Tensor::uninitialized({H, G});  // every element written below
  const real* pw = w_hh.data();
  real* pwt = w_t.data();
  for (int64_t g = 0; g < G; ++g)
    for (int64_t j = 0; j < H; ++j) pwt[j * G + g] = pw[g * H + j];
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    step_forward(B, H, gx.data() + t * G, T * G, phs + s * BH, pcs + s * BH, w_t.data(), true,
                 pm ? pm + t : nullptr, T, acts.data() + s * B * G, tc.data() + s * BH,
                 phs + (s + 1) * BH, pcs + (s + 1) * BH);
    for (int64_t b = 0; b < B; ++b) {  // out[b, t] = h_{s+1}[b], or 0 past the sequence's end
      real* dst = pout + (b * T + t) * H;
      const real* src = phs + (s + 1) * BH + b * H;
      if (pm && pm[b * T + t] == 0)
        std::fill(dst, dst + H, real(0));
      else
        std::copy(src, src + H, dst);
    }
  }
  Tensor h_n = Tensor::uninitialized({B, H}), c_n = Tensor::uninitialized({B, H});
  std::copy(phs + T * BH, phs + (T + 1) * BH, h_n.data());
  std::copy(pcs + T * BH, pcs + (T + 1) * BH, c_n.data());

  const bool need_gx = gx.requires_grad(), need_w = w_hh.requires_grad();
  auto outs = record_multi(
      "lstm_sequence_fused", {out, h_n, c_n}, {gx, h0, c0, w_hh},
      [hs, cs, acts, tc, w_hh, mask, B, T, H, G, BH, reverse, need_gx,
       need_w](const std::vector<Tensor>& go) {
        const Tensor dout = or_zeros(go[0], {B, T, H});
        const real* pdout = dout.data();
        const real* pm = mask.defined() ? mask.data() : nullptr;
        // dh, dc: the gradient reaching the state after step s, walked from s = T-1 down.
        Tensor dh = or_zeros(go[1], {B, H}).clone().detach();
        Tensor dc = or_zeros(go[2], {B, H}).clone().detach();
        Tensor dh_prev = Tensor::uninitialized({B, H});
        Tensor da_all = Tensor::uninitialized({T, B, G});  // dL/da of every step, for one dW GEMM
        Tensor dgx = need_gx ? Tensor::uninitialized({B, T, G}) : Tensor();  // every row is written
        real *pdh = dh.data(), *pdc = dc.data(), *pdhp = dh_prev.data();
        for (int64_t s = T - 1; s >= 0; --s) {
          const int64_t t = reverse ? T - 1 - s : s;
          // in the forward pass out[b, t] = h_{s+1}[b] (unless masked): its gradient joins dh.
          for (int64_t b = 0; b < B; ++b)
            if (!pm || pm[b * T + t] != 0)
              simd::add(pdh + b * H, pdout + (b * T + t) * H, pdh + b * H, H);
          real* da = da_all.data() + s * B * G;
          step_backward(B, H, pdh, pdc, acts.data() + s * B * G, tc.data() + s * BH,
                        cs.data() + s * BH, pm ? pm + t : nullptr, T, da, pdc);
          step_backward_dh(B, H, da, w_hh.data(), pdh, pm ? pm + t : nullptr, T, pdhp);
          std::swap(pdh, pdhp);
          if (need_gx)  // in the forward pass a = gx + h W_hh^T, so dgx[:, t] = da
            for (int64_t b = 0; b < B; ++b)
              std::copy(da + b * G, da + (b + 1) * G, dgx.data() + (b * T + t) * G);
        }
        // pdh now points at dL/dh0 (in dh or dh_prev, depending on T's parity), pdc at dL/dc0.
        Tensor dh0 = Tensor::uninitialized({B, H});
        std::copy(pdh, pdh + BH, dh0.data());
        Tensor dw;
        if (need_w) {  // dW_hh = sum_s da_s^T h_s: one GEMM over all T * B rows
          dw = Tensor::uninitialized({G, H});
          simd::gemm<real>(true, false, G, H, T * B, real(1), da_all.data(), G, hs.data(), H,
                           real(0), dw.data(), H);
        }
        return std::vector<Tensor>{dgx, dh0, dc, dw};
      });
  return {outs[0], outs[1], outs[2]};
}

// The reference: the same step from primitive ops, each with its own node.
std::pair<Tensor, Tensor> lstm_cell_composed(const Tensor& gx, const Tensor& h, const Tensor& c,
                                             const Tensor& w_hh, const Tensor& mask) {
  const auto [B, H] = check_lstm_step("lstm_cell_composed", gx, h, c, w_hh, mask);
  Tensor a = gx + matmul(h, transpose(w_hh, 0, 1));  // [B,4H]
  std::vector<Tensor> q = split(a, H, 1);            // a_i, a_f, a_g, a_o
  Tensor i = sigmoid(q[0]), f = sigmoid(q[1]), g = tanh(q[2]), o = sigmoid(q[3]);
  Tensor c1 = f * c + i * g;
  Tensor h1 = o * tanh(c1);
  if (mask.defined()) {
    Tensor m = reshape(mask.detach(), {B, 1});
    h1 = where(m, h1, h);
    c1 = where(m, c1, c);
  }
  return {h1, c1};
}

}  // namespace attn::nn
