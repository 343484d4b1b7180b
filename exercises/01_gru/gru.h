#pragma once
// Exercise 1: the GRU (Cho et al. 2014), as PyTorch's nn.GRUCell and nn.GRU (batch_first=True).
// You write the functions of gru.cpp; this header is given (do not change it: the tests and
// the reference solution compile against it).
//
// Shapes (B batch, T time, I input size, H hidden, L layers, D directions = 1 or 2). The
// gates are stacked in PyTorch's order r, z, n: rows [0, H) of W_ih, W_hh, b_ih, b_hh are
// the reset gate's, [H, 2H) the update gate's, [2H, 3H) the candidate's.
//   gru_cell  gx [B, 3H] = x W_ih^T + b_ih (the input's share), h [B, H] -> h' [B, H]
//             gh = h W_hh^T + b_hh                                   [B, 3H]
//             r  = sigmoid(gx_r + gh_r)                              [B, H]
//             z  = sigmoid(gx_z + gh_z)                              [B, H]
//             n  = tanh(gx_n + r * gh_n)     (b_hn inside the product, as PyTorch)
//             h' = (1 - z) * n + z * h
//   GRUCell   x [B, I], h [B, H] (undefined: zeros) -> h' [B, H]
//   GRU       x [B, T, I], h0 [L*D, B, H] (undefined: zeros), lengths [B] (optional)
//             -> {output [B, T, D*H], h_n [L*D, B, H]}
//
// Parameters, with PyTorch's names and shapes (so its weights load by name), every one
// initialised U(-1/sqrt(H), 1/sqrt(H)):
//   GRUCell   weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H]
//   GRU       weight_ih_l{k}[_reverse] [3H, I or D*H], weight_hh_l{k}[_reverse] [3H, H],
//             bias_ih_l{k}[_reverse] [3H], bias_hh_l{k}[_reverse] [3H]
//             registered layer by layer, forward direction before reverse, and within one
//             (layer, direction) in the order weight_ih, weight_hh, bias_ih, bias_hh.
#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/recurrent.h"
#include "layers/rnn.h"

namespace attn::exercises {

// ---- step 1: one step --------------------------------------------------------------------
// gx [B, 3H], h [B, H], w_hh [3H, H], b_hh [3H] or undefined (no bias), mask [B] or undefined
// (a row whose mask is 0 keeps h unchanged: the sequence has ended) -> h' [B, H].
Tensor gru_cell(const Tensor& gx, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh,
                const Tensor& mask = Tensor());

// Given: the step that the shared recurrent loop (layers/recurrent.h) drives, over weights
// owned by a module. The input's share x W_ih^T + b_ih is computed for all T steps at once.
class GRUStep final : public nn::RecurrentCell {
 public:
  GRUStep(Tensor w_ih, Tensor w_hh, Tensor b_ih, Tensor b_hh)
      : w_ih_(std::move(w_ih)), w_hh_(std::move(w_hh)), b_ih_(std::move(b_ih)),
        b_hh_(std::move(b_hh)) {}
  int64_t state_size() const override { return 1; }  // {h}
  Tensor input_gates(const Tensor& x) const override { return nn::linear(x, w_ih_, b_ih_); }
  nn::RecurrentState step(const Tensor& gx_t, const nn::RecurrentState& state,
                          const Tensor& mask_t = Tensor()) const override {
    return {gru_cell(gx_t, state[0], w_hh_, b_hh_, mask_t)};
  }

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

// ---- step 2: GRUCell ---------------------------------------------------------------------
// Also a RecurrentCell (state {h}), so a seq2seq decoder can step it like the LSTMCell.
class GRUCell : public nn::Module, public nn::RecurrentCell {
 public:
  // Registers the four parameters (bias only when options.bias()) and initialises them.
  explicit GRUCell(const nn::RecurrentCellOptions& options);
  // x [B, I], h [B, H] (undefined: zeros) -> h' [B, H]; wrong shapes throw attn::Error.
  Tensor forward(const Tensor& x, const Tensor& h = Tensor()) const;
  Tensor operator()(const Tensor& x, const Tensor& h = Tensor()) const { return forward(x, h); }

  GRUStep cell() const { return GRUStep(weight_ih, weight_hh, bias_ih, bias_hh); }
  int64_t state_size() const override { return 1; }
  Tensor input_gates(const Tensor& x) const override { return cell().input_gates(x); }
  nn::RecurrentState step(const Tensor& gx_t, const nn::RecurrentState& state,
                          const Tensor& mask_t = Tensor()) const override {
    return cell().step(gx_t, state, mask_t);
  }

  nn::RecurrentCellOptions options;
  Tensor weight_ih;  // [3H, I]
  Tensor weight_hh;  // [3H, H]
  Tensor bias_ih;    // [3H], undefined without bias
  Tensor bias_hh;    // [3H], undefined without bias
};

// ---- step 3: GRU ---------------------------------------------------------------------------
class GRU : public nn::Module {
 public:
  // Registers weight_ih_l0, weight_hh_l0, ... for every layer and direction; initialises them.
  explicit GRU(const nn::RecurrentOptions& options);
  // x [B, T, I], h0 [L*D, B, H] or undefined, lengths [B] or undefined
  //   -> {output [B, T, D*H], h_n [L*D, B, H]}: one GRUStep per layer and direction, driven
  //   by nn::run_recurrent_layers.
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor(),
                                    const Tensor& lengths = Tensor()) const;
  std::pair<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0 = Tensor(),
                                       const Tensor& lengths = Tensor()) const {
    return forward(x, h0, lengths);
  }

  nn::RecurrentOptions options;
  // One entry per layer and direction, k = layer * D + direction (PyTorch's order).
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;
};

}  // namespace attn::exercises
