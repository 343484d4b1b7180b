// RNN with tanh: x [B,T,I] -> output [B,T,D*H], h_n [L*D,B,H]; the step and the plumbing
// (unbind, stack_time, lengths) that the LSTM shares.
//
// One step, fused (gx [B,H], h [B,H], W_hh [H,H] -> h' [B,H]):
//   forward:   a = gx + h W_hh^T (one GEMM),   h' = tanh(a);   a row with mask 0 keeps h.
//   backward:  in the forward pass h' = tanh(a), so now da = dh' (1 - h'^2);
//              in the forward pass a = gx + h W_hh^T, so now
//                dgx = da,   dh = da W_hh  [B,H] x [H,H],   dW_hh = da^T h  [H,B] x [B,H];
//              a carried row passed h through: dh_b = dh'_b, da_b = 0.
#include "layers/rnn.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"
#include "layers/init.h"
#include "layers/linear.h"

namespace attn::nn {

namespace {

struct StepSizes {
  int64_t B, H;
};

StepSizes check_rnn_step(const char* op, const Tensor& gx, const Tensor& h, const Tensor& w_hh,
                         const Tensor& mask) {
  ATTN_CHECK(gx.defined() && h.defined() && w_hh.defined(), op,
             ": gx, h and w_hh must all be defined");
  ATTN_CHECK(w_hh.dim() == 2 && w_hh.size(0) == w_hh.size(1), op, ": w_hh of shape ",
             shape_str(w_hh.shape()), " must be square [H, H]");
  const int64_t H = w_hh.size(1);
  ATTN_CHECK(h.dim() == 2 && h.size(1) == H, op, ": h of shape ", shape_str(h.shape()),
             " must be [B, H] with H = ", H, " (w_hh ", shape_str(w_hh.shape()), ")");
  const int64_t B = h.size(0);
  ATTN_CHECK(gx.shape() == h.shape(), op, ": gx of shape ", shape_str(gx.shape()),
             " must match h of shape ", shape_str(h.shape()));
  if (mask.defined())
    ATTN_CHECK(mask.shape() == Shape{B}, op, ": mask of shape ", shape_str(mask.shape()),
               " must be [B] = [", B, "]");
  return {B, H};
}

}  // namespace

// ---- one step --------------------------------------------------------------

Tensor rnn_tanh_cell_fused(const Tensor& gx, const Tensor& h, const Tensor& w_hh,
                           const Tensor& mask) {
  ATTN_PROFILE_OP("rnn_tanh_cell_fused");
  // Plain variables, not a structured binding: the backward lambda captures them, which
  // clang accepts for a binding only from version 16.
  const StepSizes sizes = check_rnn_step("rnn_tanh_cell_fused", gx, h, w_hh, mask);
  const int64_t B = sizes.B, H = sizes.H;
  Tensor h1 = Tensor::empty({B, H});
  real* ph1 = h1.data();
  const real* pgx = gx.data();
  const real* ph = h.data();
  const real* pm = mask.defined() ? mask.data() : nullptr;
  simd::gemm<real>(false, true, B, H, H, real(1), ph, H, w_hh.data(), H, real(0), ph1, H);
  simd::add(ph1, pgx, ph1, B * H);  // a = gx + h W_hh^T
  simd::tanh(ph1, ph1, B * H);      // h' = tanh(a)
  if (pm)
    for (int64_t b = 0; b < B; ++b)
      if (pm[b] == 0) std::copy(ph + b * H, ph + (b + 1) * H, ph1 + b * H);

  const bool need_gx = gx.requires_grad(), need_h = h.requires_grad(),
             need_w = w_hh.requires_grad();
  return record("rnn_tanh_cell_fused", h1, {gx, h, w_hh},
                [y = h1.detach(), h, w_hh, mask, B, H, need_gx, need_h, need_w](const Tensor& gy) {
                  const real* pdy = gy.data();
                  const real* py = y.data();
                  const real* pm = mask.defined() ? mask.data() : nullptr;
                  Tensor da = Tensor::empty({B, H});  // also dL/dgx
                  real* pda = da.data();
                  for (int64_t k = 0; k < B * H; ++k) pda[k] = pdy[k] * (real(1) - py[k] * py[k]);
                  if (pm)
                    for (int64_t b = 0; b < B; ++b)
                      if (pm[b] == 0) std::fill(pda + b * H, pda + (b + 1) * H, real(0));
                  Tensor dh, dw;
                  if (need_h) {  // dh = da W_hh
                    dh = Tensor::empty({B, H});
                    simd::gemm<real>(false, false, B, H, H, real(1), pda, H, w_hh.data(), H,
                                     real(0), dh.data(), H);
                    if (pm)
                      for (int64_t b = 0; b < B; ++b)
                        if (pm[b] == 0)
                          std::copy(pdy + b * H, pdy + (b + 1) * H, dh.data() + b * H);
                  }
                  if (need_w) {  // dW_hh = da^T h
                    dw = Tensor::empty({H, H});
                    simd::gemm<real>(true, false, H, H, B, real(1), pda, H, h.data(), H, real(0),
                                     dw.data(), H);
                  }
                  return std::vector<Tensor>{need_gx ? da : Tensor(), dh, dw};
                });
}

Tensor rnn_tanh_cell_composed(const Tensor& gx, const Tensor& h, const Tensor& w_hh,
                              const Tensor& mask) {
  const auto [B, H] = check_rnn_step("rnn_tanh_cell_composed", gx, h, w_hh, mask);
  Tensor h1 = tanh(gx + matmul(h, transpose(w_hh, 0, 1)));
  if (mask.defined()) h1 = where(reshape(mask.detach(), {B, 1}), h1, h);
  return h1;
}

// ---- time-step plumbing ----------------------------------------------------

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  ATTN_PROFILE_OP("unbind");
  ATTN_CHECK(x.defined(), "unbind: the input is undefined");
  const Shape xs = x.shape();
  const int64_t d = normalize_dim(dim, x.dim(), "unbind");
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= xs[k];
  for (size_t k = d + 1; k < xs.size(); ++k) inner *= xs[k];
  const int64_t S = xs[d];
  Shape piece = xs;
  piece.erase(piece.begin() + d);
  std::vector<Tensor> outs;
  outs.reserve(S);
  const real* px = x.data();
  for (int64_t s = 0; s < S; ++s) {
    Tensor p = Tensor::empty(piece);
    real* pp = p.data();
    for (int64_t o = 0; o < outer; ++o)  // out_s[o, :] = x[o, s, :]
      std::copy(px + (o * S + s) * inner, px + (o * S + s + 1) * inner, pp + o * inner);
    outs.push_back(p);
  }
  if (S == 0) return outs;
  return record_multi(
      "unbind", std::move(outs), {x}, [xs, outer, S, inner](const std::vector<Tensor>& go) {
        // in the forward pass out_s[o, :] = x[o, s, :], so now gx[o, s, :] =
        // gout_s[o, :]: every element of x went to exactly one output (zero from an unused
        // one, whose gradient is undefined).
        Tensor gx = Tensor::empty(xs);
        real* pg = gx.data();
        for (int64_t s = 0; s < S; ++s) {
          const real* src = go[s].defined() ? go[s].data() : nullptr;
          for (int64_t o = 0; o < outer; ++o) {
            real* d = pg + (o * S + s) * inner;
            if (src)
              std::copy(src + o * inner, src + (o + 1) * inner, d);
            else
              std::fill(d, d + inner, real(0));
          }
        }
        return std::vector<Tensor>{gx};
      });
}

Tensor stack_time(const std::vector<Tensor>& hs, const Tensor& out_mask) {
  ATTN_PROFILE_OP("stack_time");
  ATTN_CHECK(!hs.empty(), "stack_time: no time steps given; expected at least one [B, N]");
  for (size_t t = 0; t < hs.size(); ++t)
    ATTN_CHECK(hs[t].defined() && hs[t].dim() == 2 && hs[t].shape() == hs[0].shape(),
               "stack_time: step ", t, " has shape ",
               hs[t].defined() ? shape_str(hs[t].shape()) : "undefined",
               "; expected [B, N] like step 0 ", shape_str(hs[0].shape()));
  const int64_t T = static_cast<int64_t>(hs.size()), B = hs[0].size(0), N = hs[0].size(1);
  if (out_mask.defined())
    ATTN_CHECK(out_mask.shape() == (Shape{B, T}), "stack_time: out_mask of shape ",
               shape_str(out_mask.shape()), " must be [B, T] = [", B, ",", T, "]");
  const real* pm = out_mask.defined() ? out_mask.data() : nullptr;
  Tensor out = Tensor::empty({B, T, N});
  real* po = out.data();
  for (int64_t t = 0; t < T; ++t) {
    const real* ph = hs[t].data();
    for (int64_t b = 0; b < B; ++b) {
      real* dst = po + (b * T + t) * N;
      if (pm && pm[b * T + t] == 0)
        std::fill(dst, dst + N, real(0));
      else
        std::copy(ph + b * N, ph + (b + 1) * N, dst);
    }
  }
  return record(
      "stack_time", out, hs,
      [mask = out_mask.defined() ? out_mask.detach() : Tensor(), T, B, N](const Tensor& gout) {
        // in the forward pass out[b, t] = hs[t][b] (or 0 where masked), so now
        // dhs[t][b] = gout[b, t] (or 0).
        const real* pg = gout.data();
        const real* pm = mask.defined() ? mask.data() : nullptr;
        std::vector<Tensor> g(T);
        for (int64_t t = 0; t < T; ++t) {
          g[t] = Tensor::empty({B, N});
          real* dst = g[t].data();
          for (int64_t b = 0; b < B; ++b) {
            if (pm && pm[b * T + t] == 0)
              std::fill(dst + b * N, dst + (b + 1) * N, real(0));
            else
              std::copy(pg + (b * T + t) * N, pg + (b * T + t + 1) * N, dst + b * N);
          }
        }
        return g;
      });
}

Tensor lengths_to_mask(const std::string& layer, const Tensor& lengths, int64_t B, int64_t T) {
  ATTN_CHECK(lengths.defined() && lengths.shape() == Shape{B}, layer, ": lengths of shape ",
             lengths.defined() ? shape_str(lengths.shape()) : "undefined", " must be [B] = [", B,
             "], one length per sequence of the batch");
  Tensor mask = Tensor::zeros({B, T});
  real* pm = mask.data();
  const real* pl = lengths.data();
  for (int64_t b = 0; b < B; ++b) {
    const real v = pl[b];
    ATTN_CHECK(std::isfinite(v) && v == std::floor(v), layer, ": lengths[", b, "] = ", v,
               " is not a whole number");
    ATTN_CHECK(v >= 1 && v <= static_cast<real>(T), layer, ": lengths[", b, "] = ", v,
               " is out of range for an input of ", T, " time steps (expected 1 <= length <= ", T,
               ")");
    std::fill(pm + b * T, pm + b * T + static_cast<int64_t>(v), real(1));
  }
  return mask;
}

std::vector<Tensor> step_masks(const Tensor& mask) {
  const int64_t B = mask.size(0), T = mask.size(1);
  std::vector<Tensor> m(T);
  const real* pm = mask.data();
  for (int64_t t = 0; t < T; ++t) {
    m[t] = Tensor::empty({B});
    for (int64_t b = 0; b < B; ++b) m[t].data()[b] = pm[b * T + t];
  }
  return m;
}

void check_sequence_input(const std::string& layer, const Tensor& x, int64_t input_size) {
  ATTN_CHECK(x.defined(), layer, ": the input is undefined");
  ATTN_CHECK(x.dim() == 3, layer, ": input of shape ", shape_str(x.shape()),
             " must be 3-D [batch, time, input_size = ", input_size, "] (batch first)");
  ATTN_CHECK(x.size(2) == input_size, layer, ": input of shape ", shape_str(x.shape()),
             " has input_size ", x.size(2), "; expected ", input_size);
  ATTN_CHECK(x.size(0) >= 1 && x.size(1) >= 1, layer, ": input of shape ", shape_str(x.shape()),
             " is empty; expected at least one sequence of at least one step");
}

void check_state(const std::string& layer, const char* what, const Tensor& state,
                 const Shape& expected) {
  ATTN_CHECK(state.shape() == expected, layer, ": ", what, " of shape ", shape_str(state.shape()),
             " must be ", shape_str(expected));
}

// ---- the cell the loop drives -------------------------------------------------

TanhRNNStep::TanhRNNStep(Tensor w_ih, Tensor w_hh, Tensor b_ih, Tensor b_hh, bool fused)
    : w_ih_(std::move(w_ih)),
      w_hh_(std::move(w_hh)),
      b_ih_(std::move(b_ih)),
      b_hh_(std::move(b_hh)),
      fused_(fused) {}

Tensor TanhRNNStep::input_gates(const Tensor& x) const {
  return b_ih_.defined() ? linear(x, w_ih_, b_ih_ + b_hh_) : linear(x, w_ih_);
}

RecurrentState TanhRNNStep::step(const Tensor& gx_t, const RecurrentState& state,
                                 const Tensor& mask_t) const {
  return {fused_ ? rnn_tanh_cell_fused(gx_t, state[0], w_hh_, mask_t)
                 : rnn_tanh_cell_composed(gx_t, state[0], w_hh_, mask_t)};
}

// ---- RNNCell ---------------------------------------------------------------

RNNCell::RNNCell(const RNNCellOptions& opts) : Module("RNNCell"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size();
  ATTN_CHECK(I >= 1 && H >= 1, "RNNCell: sizes must be >= 1, got input_size = ", I,
             ", hidden_size = ", H);
  weight_ih = Tensor::empty({H, I});
  weight_hh = Tensor::empty({H, H});
  register_parameter("weight_ih", weight_ih);
  register_parameter("weight_hh", weight_hh);
  if (opts.bias()) {
    bias_ih = Tensor::empty({H});
    bias_hh = Tensor::empty({H});
    register_parameter("bias_ih", bias_ih);
    register_parameter("bias_hh", bias_hh);
  }
  reset_parameters();
}

void RNNCell::reset_parameters() {
  const double k = 1.0 / std::sqrt(static_cast<double>(options.hidden_size()));
  for (auto& [name, p] : named_parameters()) init::uniform_(p, -k, k);
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) const {
  const int64_t I = options.input_size(), H = options.hidden_size();
  ATTN_CHECK(x.defined() && x.dim() == 2 && x.size(1) == I, "RNNCell: input of shape ",
             x.defined() ? shape_str(x.shape()) : "undefined", " must be [B, input_size = ", I,
             "]");
  const int64_t B = x.size(0);
  Tensor h0 = h.defined() ? h : Tensor::zeros({B, H});
  if (h.defined()) check_state("RNNCell", "h", h, {B, H});
  return step(input_gates(x), {h0})[0];
}

TanhRNNStep RNNCell::cell() const {
  return TanhRNNStep(weight_ih, weight_hh, bias_ih, bias_hh, options.fused());
}

// ---- RNN -------------------------------------------------------------------

RNN::RNN(const RNNOptions& opts) : Module("RNN"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size(), L = opts.num_layers(),
                D = opts.num_directions();
  ATTN_CHECK(I >= 1 && H >= 1 && L >= 1, "RNN: sizes must be >= 1, got input_size = ", I,
             ", hidden_size = ", H, ", num_layers = ", L);
  // Sized once: the registry keeps pointers to these elements.
  weight_ih.resize(L * D);
  weight_hh.resize(L * D);
  bias_ih.resize(L * D);
  bias_hh.resize(L * D);
  for (int64_t l = 0; l < L; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      const std::string sfx = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      weight_ih[k] = Tensor::empty({H, l == 0 ? I : D * H});
      weight_hh[k] = Tensor::empty({H, H});
      register_parameter("weight_ih" + sfx, weight_ih[k]);
      register_parameter("weight_hh" + sfx, weight_hh[k]);
      if (opts.bias()) {
        bias_ih[k] = Tensor::empty({H});
        bias_hh[k] = Tensor::empty({H});
        register_parameter("bias_ih" + sfx, bias_ih[k]);
        register_parameter("bias_hh" + sfx, bias_hh[k]);
      }
    }
  reset_parameters();
}

void RNN::reset_parameters() {
  const double k = 1.0 / std::sqrt(static_cast<double>(options.hidden_size()));
  for (auto& [name, p] : named_parameters()) init::uniform_(p, -k, k);
}

std::pair<Tensor, Tensor> RNN::forward(const Tensor& x, const Tensor& h0,
                                       const Tensor& lengths) const {
  RecurrentLayersOutput r = run(x, {h0}, lengths);
  return {r.output, r.final[0]};
}

RecurrentLayersOutput RNN::run(const Tensor& x, const RecurrentState& initial,
                               const Tensor& lengths) const {
  check_sequence_input("RNN", x, options.input_size());
  const int64_t B = x.size(0), H = options.hidden_size(), L = options.num_layers(),
                D = options.num_directions();
  ATTN_CHECK(initial.size() <= 1, "RNN: ", initial.size(),
             " initial state tensors; expected {h0} or none");
  if (!initial.empty() && initial[0].defined()) check_state("RNN", "h0", initial[0], {L * D, B, H});
  std::vector<TanhRNNStep> steps;  // one cell per layer and direction, k = l * D + d
  for (int64_t k = 0; k < L * D; ++k)
    steps.emplace_back(weight_ih[k], weight_hh[k], bias_ih[k], bias_hh[k], options.fused());
  std::vector<const RecurrentCell*> cells;
  for (const TanhRNNStep& c : steps) cells.push_back(&c);
  return run_recurrent_layers("RNN", x, cells, L, H, initial, lengths);
}

}  // namespace attn::nn
