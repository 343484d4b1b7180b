#pragma once
// RNN (Elman 1990) with tanh, as PyTorch's nn.RNNCell and nn.RNN (batch_first=True).
//
// Shapes (B batch, T time, I input size, H hidden, L layers, D directions = 1 or 2):
//   RNNCell   x [B, I], h [B, H] -> h' [B, H]
//             h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
//   RNN       x [B, T, I], h0 [L*D, B, H] (optional, zeros) -> output [B, T, D*H], h_n [L*D, B, H]
//             layer 0 reads x, layer l > 0 reads the output of layer l-1 ([B, T, D*H]);
//             the reverse direction reads time backwards; output[:, t] holds the top
//             layer's h_t of each direction side by side (forward, then reverse).
//   lengths   optional [B] of whole numbers in [1, T]: sequence b ends after lengths[b]
//             steps. Past its end its state is carried unchanged and its output is zero
//             (what PyTorch gives for a packed sequence); the reverse direction starts
//             at each sequence's own last element.
//
//   nn::RNN rnn(nn::RNNOptions(32, 64).num_layers(2).bidirectional(true));
//   auto [out, h_n] = rnn(x);                  // x [B, T, 32] -> out [B, T, 128]
//
// Parameters carry PyTorch's names and shapes, so weights move both ways:
//   weight_ih_l{k}[_reverse] [H, I or D*H],  weight_hh_l{k}[_reverse] [H, H],
//   bias_ih_l{k}[_reverse] [H],  bias_hh_l{k}[_reverse] [H];  all ~ U(-1/sqrt(H), 1/sqrt(H)).
// The layer is the loop of layers/recurrent.h driving TanhRNNStep: x W_ih^T + b_ih + b_hh
// for all time steps in one GEMM, then one step op per time step: rnn_tanh_cell_fused (one
// node, hand-written backward) or, with .fused(false), rnn_tanh_cell_composed (primitive
// ops, the reference).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/recurrent.h"

namespace attn::nn {

// ---- one step --------------------------------------------------------------
// gx [B, H] = x W_ih^T + b_ih + b_hh, h [B, H], w_hh [H, H], mask [B] (optional;
// 0 = carry h unchanged) -> h' = tanh(gx + h W_hh^T) [B, H].
Tensor rnn_tanh_cell_fused(const Tensor& gx, const Tensor& h, const Tensor& w_hh,
                           const Tensor& mask = Tensor());
Tensor rnn_tanh_cell_composed(const Tensor& gx, const Tensor& h, const Tensor& w_hh,
                              const Tensor& mask = Tensor());

// ---- time-step plumbing shared by RNN and LSTM --------------------------------
// x split along dim into its x.size(dim) slices, each without that dim, as torch.unbind.
// One op with many outputs: its backward writes a single gradient of x's shape (T slice
// ops would each allocate a whole zero gradient, T^2 work for a sequence).
std::vector<Tensor> unbind(const Tensor& x, int64_t dim);
// T tensors [B, N] -> [B, T, N]; with out_mask [B, T] (1 = keep), out[b, t] = hs[t][b] where
// out_mask[b, t] is nonzero and 0 elsewhere. One op, one copy.
Tensor stack_time(const std::vector<Tensor>& hs, const Tensor& out_mask = Tensor());
// Validates lengths [B] (whole numbers in [1, T]; `layer` names the caller in errors) and
// returns the mask [B, T]: 1 where t < lengths[b].
Tensor lengths_to_mask(const std::string& layer, const Tensor& lengths, int64_t B, int64_t T);
// mask [B, T] -> T constant masks [B] (column t: which rows take step t).
std::vector<Tensor> step_masks(const Tensor& mask);
// The checks every recurrent layer makes, with messages naming `layer` and the shapes:
// x must be [B, T, input_size] with B, T >= 1; a state must be exactly `expected`.
void check_sequence_input(const std::string& layer, const Tensor& x, int64_t input_size);
void check_state(const std::string& layer, const char* what, const Tensor& state,
                 const Shape& expected);

// ---- the cell the loop drives ------------------------------------------------
// The tanh RNN step over given parameters (handles shared with the module that owns them):
//   input_gates  x [.., I] -> x W_ih^T + b_ih + b_hh [.., H]
//   step         gx_t [B, H], {h} -> {h' = tanh(gx_t + h W_hh^T)}
class TanhRNNStep final : public RecurrentCell {
 public:
  // b_ih and b_hh undefined: no bias. fused false: the composed reference step.
  TanhRNNStep(Tensor w_ih, Tensor w_hh, Tensor b_ih, Tensor b_hh, bool fused);
  int64_t state_size() const override { return 1; }
  Tensor input_gates(const Tensor& x) const override;
  RecurrentState step(const Tensor& gx_t, const RecurrentState& state,
                      const Tensor& mask_t = Tensor()) const override;

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
  bool fused_;
};

// ---- RNNCell ---------------------------------------------------------------
// The options of a recurrent cell (RNNCell, LSTMCell; one type, two names).
class RecurrentCellOptions {
 public:
  RecurrentCellOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  ATTN_OPTION(int64_t, input_size, 0);
  ATTN_OPTION(int64_t, hidden_size, 0);
  ATTN_OPTION(bool, bias, true);
  ATTN_OPTION(bool, fused, true);  // false: the composed reference step (slower)
};
using RNNCellOptions = RecurrentCellOptions;

// Also a RecurrentCell (state {h}), so that a model can step it like any other cell.
class RNNCell : public Module, public RecurrentCell {
 public:
  explicit RNNCell(const RNNCellOptions& options);
  // x [B, I], h [B, H] (undefined: zeros) -> h' [B, H]
  Tensor forward(const Tensor& x, const Tensor& h = Tensor()) const;
  Tensor operator()(const Tensor& x, const Tensor& h = Tensor()) const { return forward(x, h); }
  void reset_parameters();  // U(-1/sqrt(H), 1/sqrt(H)) for every parameter

  int64_t state_size() const override { return 1; }
  Tensor input_gates(const Tensor& x) const override { return cell().input_gates(x); }
  RecurrentState step(const Tensor& gx_t, const RecurrentState& state,
                      const Tensor& mask_t = Tensor()) const override {
    return cell().step(gx_t, state, mask_t);
  }
  TanhRNNStep cell() const;  // the step over this module's parameters

  RNNCellOptions options;
  Tensor weight_ih;  // [H, I]
  Tensor weight_hh;  // [H, H]
  Tensor bias_ih;    // [H], undefined without bias
  Tensor bias_hh;    // [H], undefined without bias
};

// ---- RNN -------------------------------------------------------------------
// The options of a recurrent layer (RNN, LSTM; one type, two names).
class RecurrentOptions {
 public:
  RecurrentOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  ATTN_OPTION(int64_t, input_size, 0);
  ATTN_OPTION(int64_t, hidden_size, 0);
  ATTN_OPTION(int64_t, num_layers, 1);
  ATTN_OPTION(bool, bidirectional, false);
  ATTN_OPTION(bool, bias, true);
  ATTN_OPTION(bool, fused, true);  // false: the composed reference step (slower)
  int64_t num_directions() const { return bidirectional() ? 2 : 1; }
};
using RNNOptions = RecurrentOptions;

class RNN : public Module {
 public:
  explicit RNN(const RNNOptions& options);
  // x [B, T, I], h0 [L*D, B, H] or undefined, lengths [B] or undefined
  //   -> {output [B, T, D*H], h_n [L*D, B, H]}
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor(),
                                    const Tensor& lengths = Tensor()) const;
  std::pair<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0 = Tensor(),
                                       const Tensor& lengths = Tensor()) const {
    return forward(x, h0, lengths);
  }
  // The same through the shared loop's types: initial {h0} or empty -> {output, {h_n}}.
  RecurrentLayersOutput run(const Tensor& x, const RecurrentState& initial = {},
                            const Tensor& lengths = Tensor()) const;
  void reset_parameters();

  RNNOptions options;
  // One entry per layer and direction, k = layer * D + direction (PyTorch's order).
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;
};

}  // namespace attn::nn
