// LSTMCell and LSTM: x [B,T,I] -> output [B,T,D*H], {h_n, c_n} [L*D,B,H].
//
// The layer is run_recurrent_layers (layers/recurrent.h) driving one LSTMStep per layer l
// and direction d:
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
#include <utility>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/lstm_cell_fused.h"
#include "layers/rnn.h"

namespace attn::nn {

// ---- the cell the loop drives -------------------------------------------------

LSTMStep::LSTMStep(Tensor w_ih, Tensor w_hh, Tensor b_ih, Tensor b_hh, bool fused)
    : w_ih_(std::move(w_ih)),
      w_hh_(std::move(w_hh)),
      b_ih_(std::move(b_ih)),
      b_hh_(std::move(b_hh)),
      fused_(fused) {}

Tensor LSTMStep::input_gates(const Tensor& x) const {
  return b_ih_.defined() ? linear(x, w_ih_, b_ih_ + b_hh_) : linear(x, w_ih_);
}

RecurrentState LSTMStep::step(const Tensor& gx_t, const RecurrentState& state,
                              const Tensor& mask_t) const {
  auto [h1, c1] = fused_ ? lstm_cell_fused(gx_t, state[0], state[1], w_hh_, mask_t)
                         : lstm_cell_composed(gx_t, state[0], state[1], w_hh_, mask_t);
  return {h1, c1};
}

std::optional<RecurrentSequence> LSTMStep::fused_sequence(const Tensor& gx,
                                                          const RecurrentState& state,
                                                          const Tensor& mask, bool reverse) const {
  if (!fused_) return std::nullopt;  // the reference: step by step
  LSTMSequence r = lstm_sequence_fused(gx, state[0], state[1], w_hh_, mask, reverse);
  return RecurrentSequence{r.out, {r.h_n, r.c_n}};
}

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
  const RecurrentState s = step(input_gates(x), {h, c});
  return {s[0], s[1]};
}

LSTMStep LSTMCell::cell() const {
  return LSTMStep(weight_ih, weight_hh, bias_ih, bias_hh, options.fused());
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
  RecurrentLayersOutput r = run(x, {state.h, state.c}, lengths);
  return {r.output, LSTMState{r.final[0], r.final[1]}};
}

RecurrentLayersOutput LSTM::run(const Tensor& x, const RecurrentState& initial,
                                const Tensor& lengths) const {
  check_sequence_input("LSTM", x, options.input_size());
  const int64_t B = x.size(0), H = options.hidden_size(), L = options.num_layers(),
                D = options.num_directions();
  ATTN_CHECK(initial.empty() || initial.size() == 2, "LSTM: ", initial.size(),
             " initial state tensors; expected {h0, c0} or none");
  if (!initial.empty() && initial[0].defined())
    check_state("LSTM", "h0", initial[0], {L * D, B, H});
  if (!initial.empty() && initial[1].defined())
    check_state("LSTM", "c0", initial[1], {L * D, B, H});
  std::vector<LSTMStep> steps;  // one cell per layer and direction, k = l * D + d
  for (int64_t k = 0; k < L * D; ++k)
    steps.emplace_back(weight_ih[k], weight_hh[k], bias_ih[k], bias_hh[k], options.fused());
  std::vector<const RecurrentCell*> cells;
  for (const LSTMStep& c : steps) cells.push_back(&c);
  return run_recurrent_layers("LSTM", x, cells, L, H, initial, lengths);
}

}  // namespace attn::nn
