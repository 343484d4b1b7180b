// LSTMCell and LSTM: x [B,T,I] -> output [B,T,D*H], {h_n, c_n} [L*D,B,H].
//
// The layer's loop, per layer l and direction d:
//   gx = x_l W_ih^T + (b_ih + b_hh)     [B,T,4H], one GEMM for all T steps
// fused (the default): out_d, h_n, c_n = lstm_sequence_fused(gx, h0, c0, W_hh, mask): one
//   node running the fused step's kernels for t = 0..T-1 (reverse: T-1..0); its backward
//   sums dW_hh over the steps in one GEMM.
// composed (.fused(false), the reference): gx_0 .. gx_{T-1} = unbind(gx, 1), then
//   (h, c) = lstm_cell_composed(gx_t, h, c, W_hh, mask_t) per step, out_d = stack_time(h_t);
//   ~20 nodes per step, and the engine sums every step's dW_hh into W_hh.grad.
#include "layers/lstm.h"

#include <cmath>
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/lstm_cell_fused.h"
#include "layers/rnn.h"

namespace attn::nn {

// ---- LSTMCell --------------------------------------------------------------

LSTMCell::LSTMCell(const LSTMCellOptions& opts) : Module("LSTMCell"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size();
  ATTN_CHECK(I >= 1 && H >= 1, "LSTMCell: sizes must be >= 1, got input_size = ", I,
             ", hidden_size = ", H);
  weight_ih = Tensor::empty({4 * H, I});
  weight_hh = Tensor::empty({4 * H, H});
  register_parameter("weight_ih", weight_ih);
  register_parameter("weight_hh", weight_hh);
  if (opts.bias()) {
    bias_ih = Tensor::empty({4 * H});
    bias_hh = Tensor::empty({4 * H});
    register_parameter("bias_ih", bias_ih);
    register_parameter("bias_hh", bias_hh);
  }
  reset_parameters();
}

void LSTMCell::reset_parameters() {
  const double k = 1.0 / std::sqrt(static_cast<double>(options.hidden_size()));
  for (auto& [name, p] : named_parameters()) init::uniform_(p, -k, k);
}

LSTMState LSTMCell::forward(const Tensor& x, const LSTMState& state) const {
  const int64_t I = options.input_size(), H = options.hidden_size();
  ATTN_CHECK(x.defined() && x.dim() == 2 && x.size(1) == I, "LSTMCell: input of shape ",
             x.defined() ? shape_str(x.shape()) : "undefined", " must be [B, input_size = ", I,
             "]");
  const int64_t B = x.size(0);
  if (state.h.defined()) check_state("LSTMCell", "h", state.h, {B, H});
  if (state.c.defined()) check_state("LSTMCell", "c", state.c, {B, H});
  Tensor h = state.h.defined() ? state.h : Tensor::zeros({B, H});
  Tensor c = state.c.defined() ? state.c : Tensor::zeros({B, H});
  Tensor gx = bias_ih.defined() ? linear(x, weight_ih, bias_ih + bias_hh) : linear(x, weight_ih);
  auto [h1, c1] = options.fused() ? lstm_cell_fused(gx, h, c, weight_hh)
                                  : lstm_cell_composed(gx, h, c, weight_hh);
  return {h1, c1};
}

// ---- LSTM ------------------------------------------------------------------

LSTM::LSTM(const LSTMOptions& opts) : Module("LSTM"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size(), L = opts.num_layers(),
                D = opts.num_directions();
  ATTN_CHECK(I >= 1 && H >= 1 && L >= 1, "LSTM: sizes must be >= 1, got input_size = ", I,
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
      weight_ih[k] = Tensor::empty({4 * H, l == 0 ? I : D * H});
      weight_hh[k] = Tensor::empty({4 * H, H});
      register_parameter("weight_ih" + sfx, weight_ih[k]);
      register_parameter("weight_hh" + sfx, weight_hh[k]);
      if (opts.bias()) {
        bias_ih[k] = Tensor::empty({4 * H});
        bias_hh[k] = Tensor::empty({4 * H});
        register_parameter("bias_ih" + sfx, bias_ih[k]);
        register_parameter("bias_hh" + sfx, bias_hh[k]);
      }
    }
  reset_parameters();
}

void LSTM::reset_parameters() {
  const double k = 1.0 / std::sqrt(static_cast<double>(options.hidden_size()));
  for (auto& [name, p] : named_parameters()) init::uniform_(p, -k, k);
}

std::pair<Tensor, LSTMState> LSTM::forward(const Tensor& x, const LSTMState& state,
                                           const Tensor& lengths) const {
  check_sequence_input("LSTM", x, options.input_size());
  const int64_t B = x.size(0), T = x.size(1), H = options.hidden_size(), L = options.num_layers(),
                D = options.num_directions();
  if (state.h.defined()) check_state("LSTM", "h0", state.h, {L * D, B, H});
  if (state.c.defined()) check_state("LSTM", "c0", state.c, {L * D, B, H});
  Tensor mask;  // [B, T], 1 while a sequence lasts
  std::vector<Tensor> m_t(T);
  if (lengths.defined()) {
    mask = lengths_to_mask("LSTM", lengths, B, T);
    m_t = step_masks(mask);
  }
  std::vector<Tensor> h0s = state.h.defined() ? unbind(state.h, 0) : std::vector<Tensor>();
  std::vector<Tensor> c0s = state.c.defined() ? unbind(state.c, 0) : std::vector<Tensor>();
  Tensor input = x;
  std::vector<Tensor> h_n, c_n;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      // x W_ih^T + b_ih + b_hh for every step at once: one GEMM of [B*T, in] x [in, 4H].
      Tensor gx = options.bias() ? linear(input, weight_ih[k], bias_ih[k] + bias_hh[k])
                                 : linear(input, weight_ih[k]);
      Tensor h = state.h.defined() ? h0s[k] : Tensor::zeros({B, H});
      Tensor c = state.c.defined() ? c0s[k] : Tensor::zeros({B, H});
      if (options.fused()) {  // the whole recurrence as one op
        LSTMSequence r = lstm_sequence_fused(gx, h, c, weight_hh[k], mask, /*reverse=*/d == 1);
        outs.push_back(r.out);
        h_n.push_back(r.h_n);
        c_n.push_back(r.c_n);
        continue;
      }
      // The reference: one composed step per time step, every op on the graph.
      std::vector<Tensor> gxs = unbind(gx, 1);
      std::vector<Tensor> hs(T);
      for (int64_t s = 0; s < T; ++s) {
        const int64_t t = d == 0 ? s : T - 1 - s;
        auto [h1, c1] = lstm_cell_composed(gxs[t], h, c, weight_hh[k], m_t[t]);
        h = h1;
        c = c1;
        hs[t] = h;
      }
      outs.push_back(stack_time(hs, mask));
      h_n.push_back(h);
      c_n.push_back(c);
    }
    input = D == 2 ? concat(outs, 2) : outs[0];
  }
  return {input, LSTMState{stack(h_n, 0), stack(c_n, 0)}};
}

}  // namespace attn::nn
