#pragma once
// LSTM (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000), as PyTorch's
// nn.LSTMCell and nn.LSTM (batch_first=True).
//
// Shapes (B batch, T time, I input size, H hidden, L layers, D directions = 1 or 2):
//   LSTMCell  x [B, I], state {h, c} [B, H] each -> {h', c'}
//             [a_i | a_f | a_g | a_o] = x W_ih^T + b_ih + h W_hh^T + b_hh     (gates i, f, g, o)
//             c' = sigma(a_f) * c + sigma(a_i) * tanh(a_g),   h' = sigma(a_o) * tanh(c')
//   LSTM      x [B, T, I], state {h0, c0} [L*D, B, H] each (optional, zeros)
//             -> {output [B, T, D*H], {h_n, c_n} [L*D, B, H]}
//             layer l > 0 reads the output of layer l-1; the reverse direction reads
//             time backwards; output[:, t] = [h_t forward | h_t reverse] of the top layer.
//   lengths   optional [B], whole numbers in [1, T]: past a sequence's length its state
//             is carried unchanged and its output is zero (as PyTorch's packed sequences);
//             the reverse direction starts at each sequence's own last element.
//
//   nn::LSTM lstm(nn::LSTMOptions(64, 128).num_layers(2));
//   auto [out, state] = lstm(x);             // x [B, T, 64] -> out [B, T, 128]
//   auto [out2, s2] = lstm(x, state, lengths);
//
// Parameters carry PyTorch's names and shapes (so weights move both ways):
//   weight_ih_l{k}[_reverse] [4H, I or D*H],  weight_hh_l{k}[_reverse] [4H, H],
//   bias_ih_l{k}[_reverse] [4H],  bias_hh_l{k}[_reverse] [4H];  all ~ U(-1/sqrt(H), 1/sqrt(H)).
// The layer is the loop of layers/recurrent.h driving LSTMStep: x W_ih^T + b_ih + b_hh for
// every step in one GEMM, then the recurrence: by default as one op (lstm_sequence_fused,
// the fused step's kernels in a loop, layers/lstm_cell_fused.h), or with .fused(false) as
// the composed reference step per step.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/recurrent.h"
#include "layers/rnn.h"

namespace attn::nn {

// The recurrent state: hidden h and cell c. For LSTMCell each is [B, H]; for LSTM
// [L*D, B, H]. Undefined members mean zeros. `auto [h, c] = state;` works.
struct LSTMState {
  Tensor h, c;
};

// ---- the cell the loop drives ------------------------------------------------
// The LSTM step over given parameters (handles shared with the module that owns them):
//   input_gates     x [.., I] -> x W_ih^T + b_ih + b_hh [.., 4H]
//   step            gx_t [B, 4H], {h, c} -> {h', c'} (lstm_cell_fused, or composed)
//   fused_sequence  all steps as one op (lstm_sequence_fused) when fused
class LSTMStep final : public RecurrentCell {
 public:
  // b_ih and b_hh undefined: no bias. fused false: the composed reference step.
  LSTMStep(Tensor w_ih, Tensor w_hh, Tensor b_ih, Tensor b_hh, bool fused);
  int64_t state_size() const override { return 2; }
  Tensor input_gates(const Tensor& x) const override;
  RecurrentState step(const Tensor& gx_t, const RecurrentState& state,
                      const Tensor& mask_t = Tensor()) const override;
  std::optional<RecurrentSequence> fused_sequence(const Tensor& gx, const RecurrentState& state,
                                                  const Tensor& mask, bool reverse) const override;

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
  bool fused_;
};

// ---- LSTMCell --------------------------------------------------------------
using LSTMCellOptions = RecurrentCellOptions;  // layers/rnn.h

// Also a RecurrentCell (state {h, c}), so that a model can step it like any other cell.
class LSTMCell : public Module, public RecurrentCell {
 public:
  explicit LSTMCell(const LSTMCellOptions& options);
  // x [B, I], state {h, c} [B, H] (undefined: zeros) -> {h', c'} [B, H]
  LSTMState forward(const Tensor& x, const LSTMState& state = {}) const;
  LSTMState operator()(const Tensor& x, const LSTMState& state = {}) const {
    return forward(x, state);
  }
  void reset_parameters();  // U(-1/sqrt(H), 1/sqrt(H)) for every parameter

  int64_t state_size() const override { return 2; }
  Tensor input_gates(const Tensor& x) const override { return cell().input_gates(x); }
  RecurrentState step(const Tensor& gx_t, const RecurrentState& state,
                      const Tensor& mask_t = Tensor()) const override {
    return cell().step(gx_t, state, mask_t);
  }
  std::optional<RecurrentSequence> fused_sequence(const Tensor& gx, const RecurrentState& state,
                                                  const Tensor& mask, bool reverse) const override {
    return cell().fused_sequence(gx, state, mask, reverse);
  }
  LSTMStep cell() const;  // the step over this module's parameters

  LSTMCellOptions options;
  Tensor weight_ih;  // [4H, I]
  Tensor weight_hh;  // [4H, H]
  Tensor bias_ih;    // [4H], undefined without bias
  Tensor bias_hh;    // [4H], undefined without bias
};

// ---- LSTM ------------------------------------------------------------------
using LSTMOptions = RecurrentOptions;  // layers/rnn.h

class LSTM : public Module {
 public:
  explicit LSTM(const LSTMOptions& options);
  // x [B, T, I], state {h0, c0} [L*D, B, H] (each optional), lengths [B] (optional)
  //   -> {output [B, T, D*H], {h_n, c_n} [L*D, B, H]}
  std::pair<Tensor, LSTMState> forward(const Tensor& x, const LSTMState& state = {},
                                       const Tensor& lengths = Tensor()) const;
  std::pair<Tensor, LSTMState> operator()(const Tensor& x, const LSTMState& state = {},
                                          const Tensor& lengths = Tensor()) const {
    return forward(x, state, lengths);
  }
  // The same through the shared loop's types: initial {h0, c0} or empty
  // -> {output, {h_n, c_n}}.
  RecurrentLayersOutput run(const Tensor& x, const RecurrentState& initial = {},
                            const Tensor& lengths = Tensor()) const;
  void reset_parameters();

  LSTMOptions options;
  // One entry per layer and direction, k = layer * D + direction (PyTorch's order).
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;
};

}  // namespace attn::nn
