#pragma once
// What every recurrent layer shares: the cell interface, and the one loop over layers,
// directions and time steps that drives any cell (RNN, LSTM; a GRU is one more cell).
//
// Shapes (B batch, T time, I input size, H hidden, G the cell's gate width: H for the tanh
// RNN, 4H for the LSTM, L layers, D directions = 1 or 2):
//   a cell's state   RecurrentState, [B, H] each: {h} (RNN), {h, c} (LSTM); h comes first
//                    and is the cell's output
//   input_gates      x [B, T, I] (or [B, I]) -> gx [B, T, G] (or [B, G]): the input's share
//                    of the gates, for every step at once (one GEMM)
//   step             gx_t [B, G], state, mask_t [B] (optional; 0 = carry the row's state)
//                    -> the next state
//   run_cell_over_time   gx [B, T, G], state, mask [B, T] -> out [B, T, H] (h_t, 0 where
//                    masked), the state after the last step
//   run_recurrent_layers x [B, T, I] -> output [B, T, D*H], final states [L*D, B, H] each:
//                    layer l > 0 reads layer l-1's output; direction 1 walks time backwards
//                    and starts at each sequence's own last element.
//
//   nn::LSTMCell cell(nn::LSTMCellOptions(8, 16));
//   nn::RecurrentState s = {h0, c0};
//   s = cell.step(cell.input_gates(x_t), s);   // x_t [B, 8] -> s = {h1, c1}, [B, 16] each
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attn::nn {

// A cell's state: h first (the output), then what else the cell carries (LSTM: c).
using RecurrentState = std::vector<Tensor>;

// A whole sequence through one cell: out [B, T, H] and the state after the last step.
struct RecurrentSequence {
  Tensor out;
  RecurrentState last;
};

// The interface a recurrent cell fills so the shared loop, and a model, can drive it.
class RecurrentCell {
 public:
  virtual ~RecurrentCell() = default;
  virtual int64_t state_size() const = 0;  // tensors in the state: RNN 1, LSTM 2
  // x [..., I] -> [..., G]: x W_ih^T + the biases that can be added before the recurrence.
  virtual Tensor input_gates(const Tensor& x) const = 0;
  // One step from the input's share gx_t [B, G]; rows with mask_t 0 carry their state.
  virtual RecurrentState step(const Tensor& gx_t, const RecurrentState& state,
                              const Tensor& mask_t = Tensor()) const = 0;
  // h, what the cell passes on to the next layer or to an output layer.
  Tensor output(const RecurrentState& state) const { return state.front(); }
  // Every step as one op, for a cell that has such a kernel (the fused LSTM); nullopt
  // means step by step. The results must equal the step-by-step ones.
  virtual std::optional<RecurrentSequence> fused_sequence(const Tensor& /*gx*/,
                                                          const RecurrentState& /*state*/,
                                                          const Tensor& /*mask*/,
                                                          bool /*reverse*/) const {
    return std::nullopt;
  }
};

// gx [B, T, G] through `cell` from `state`, t = 0..T-1 (reverse: T-1..0); mask [B, T] or
// undefined. The cell's fused sequence when it has one, else unbind, step, stack_time.
RecurrentSequence run_cell_over_time(const RecurrentCell& cell, const Tensor& gx,
                                     const RecurrentState& state, const Tensor& mask = Tensor(),
                                     bool reverse = false);

// The layers x directions loop of a recurrent layer. cells[k], k = l * D + d (PyTorch's
// order); initial: one tensor per state member, each [L*D, B, H] or undefined (zeros), or
// empty (all zeros);
// lengths [B] or undefined. `layer` names the caller in errors.
struct RecurrentLayersOutput {
  Tensor output;         // [B, T, D*H]
  RecurrentState final;  // [L*D, B, H] each
};
RecurrentLayersOutput run_recurrent_layers(const std::string& layer, const Tensor& x,
                                           const std::vector<const RecurrentCell*>& cells,
                                           int64_t num_layers, int64_t hidden_size,
                                           const RecurrentState& initial,
                                           const Tensor& lengths = Tensor());

}  // namespace attn::nn
