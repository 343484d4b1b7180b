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
#include "layers/lstm_cell_fused.h"

#include <algorithm>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
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

}  // namespace

std::pair<Tensor, Tensor> lstm_cell_fused(const Tensor& gx, const Tensor& h, const Tensor& c,
                                          const Tensor& w_hh, const Tensor& mask) {
  const auto [B, H] = check_lstm_step("lstm_cell_fused", gx, h, c, w_hh, mask);
  const int64_t G = 4 * H;
  Tensor acts = Tensor::empty({B, G});  // a, then activated in place: i | f | g | o
  Tensor tc = Tensor::empty({B, H});    // tanh(c')
  Tensor h1 = Tensor::empty({B, H}), c1 = Tensor::empty({B, H});
  real* pa = acts.data();
  real* ptc = tc.data();
  real* ph1 = h1.data();
  real* pc1 = c1.data();
  const real* pgx = gx.data();
  const real* ph = h.data();
  const real* pc = c.data();
  const real* pm = mask.defined() ? mask.data() : nullptr;

  // a = h W_hh^T: W_hh is stored [4H, H], so B is read transposed.
  simd::gemm<real>(false, true, B, G, H, real(1), ph, H, w_hh.data(), H, real(0), pa, G);
  for (int64_t b = 0; b < B; ++b) {
    real* a = pa + b * G;
    const real* gxr = pgx + b * G;
    for (int64_t j = 0; j < G; ++j) a[j] += gxr[j];  // a = gx + h W_hh^T
    simd::sigmoid(a, a, 2 * H);                      // i, f (adjacent)
    simd::tanh(a + 2 * H, a + 2 * H, H);             // g
    simd::sigmoid(a + 3 * H, a + 3 * H, H);          // o
    const real *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
    const real* cr = pc + b * H;
    real* c1r = pc1 + b * H;
    real* tcr = ptc + b * H;
    real* h1r = ph1 + b * H;
    for (int64_t j = 0; j < H; ++j) c1r[j] = f[j] * cr[j] + i[j] * g[j];
    simd::tanh(c1r, tcr, H);
    for (int64_t j = 0; j < H; ++j) h1r[j] = o[j] * tcr[j];
    if (pm && pm[b] == 0) {  // an ended sequence: carry its state
      std::copy(ph + b * H, ph + (b + 1) * H, h1r);
      std::copy(cr, cr + H, c1r);
    }
  }

  const bool need_gx = gx.requires_grad(), need_h = h.requires_grad(), need_c = c.requires_grad(),
             need_w = w_hh.requires_grad();
  auto outs = record_multi("lstm_cell_fused", {h1, c1}, {gx, h, c, w_hh},
                           [acts, tc, h, c, w_hh, mask, B, H, G, need_gx, need_h, need_c,
                            need_w](const std::vector<Tensor>& go) {
                             const real* pdh1 = go[0].data();
                             const real* pdc1 = go[1].data();
                             const real* pa = acts.data();
                             const real* ptc = tc.data();
                             const real* pc = c.data();
                             const real* pm = mask.defined() ? mask.data() : nullptr;
                             Tensor da = Tensor::empty({B, G});  // dL/da, which is also dL/dgx
                             Tensor dc = need_c ? Tensor::empty({B, H}) : Tensor();
                             real* pda = da.data();
                             real* pdc = need_c ? dc.data() : nullptr;
                             for (int64_t b = 0; b < B; ++b) {
                               real* d = pda + b * G;
                               const real* dh1 = pdh1 + b * H;
                               const real* dc1 = pdc1 + b * H;
                               if (pm && pm[b] == 0) {  // carried: c' = c, and no gate saw the loss
                                 std::fill(d, d + G, real(0));
                                 if (pdc) std::copy(dc1, dc1 + H, pdc + b * H);
                                 continue;
                               }
                               const real* a = pa + b * G;
                               const real *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
                               const real* tcr = ptc + b * H;
                               const real* cr = pc + b * H;
                               for (int64_t j = 0; j < H; ++j) {
                                 // h' = o * tanh(c')
                                 const real d_o = dh1[j] * tcr[j];
                                 const real dct =
                                     dc1[j] + dh1[j] * o[j] * (real(1) - tcr[j] * tcr[j]);
                                 // c' = f * c + i * g
                                 const real d_i = dct * g[j], d_f = dct * cr[j], d_g = dct * i[j];
                                 if (pdc) pdc[b * H + j] = dct * f[j];
                                 // i, f, o = sigma(a), g = tanh(a)
                                 d[j] = d_i * i[j] * (real(1) - i[j]);
                                 d[H + j] = d_f * f[j] * (real(1) - f[j]);
                                 d[2 * H + j] = d_g * (real(1) - g[j] * g[j]);
                                 d[3 * H + j] = d_o * o[j] * (real(1) - o[j]);
                               }
                             }
                             Tensor dh, dw;
                             if (need_h) {  // dh = da W_hh: [B,4H] x [4H,H]
                               dh = Tensor::empty({B, H});
                               simd::gemm<real>(false, false, B, H, G, real(1), pda, G, w_hh.data(),
                                                H, real(0), dh.data(), H);
                               if (pm)
                                 for (int64_t b = 0; b < B; ++b)
                                   if (pm[b] == 0)
                                     std::copy(pdh1 + b * H, pdh1 + (b + 1) * H, dh.data() + b * H);
                             }
                             if (need_w) {  // dW_hh = da^T h: [4H,B] x [B,H]
                               dw = Tensor::empty({G, H});
                               simd::gemm<real>(true, false, G, H, B, real(1), pda, G, h.data(), H,
                                                real(0), dw.data(), H);
                             }
                             return std::vector<Tensor>{need_gx ? da : Tensor(), dh, dc, dw};
                           });
  return {outs[0], outs[1]};
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
