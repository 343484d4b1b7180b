#pragma once
// One step of an LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of
// Gers et al. 2000), twice on purpose:
//   lstm_cell_fused     one autograd op, forward and hand-written backward on the
//                       GEMM and the vector kernels: what nn::LSTM runs;
//   lstm_cell_composed  the same step from primitive ops (matmul, split, sigmoid, ...):
//                       the readable reference; autograd derives its backward.
// Tests hold the two equal in values and gradients. lstm_sequence_fused (below) runs the
// fused step's kernels over a whole sequence as one op.
//
// Shapes (B batch, H hidden; the four gates side by side in PyTorch's order i, f, g, o):
//   gx   [B, 4H]  the input's share of the gates, x W_ih^T + b_ih + b_hh. An LSTM layer
//                 computes it for every time step at once (one big GEMM) before its loop.
//   h, c [B, H]   the previous hidden and cell state
//   w_hh [4H, H]  the recurrent weight (PyTorch's weight_hh_l*)
//   mask [B]      optional, 1 = take the step, 0 = carry h and c unchanged (a sequence
//                 that has already ended); undefined = every row steps.
// Returns {h', c'}, each [B, H]:
//   a = gx + h W_hh^T;   i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o)
//   c' = f * c + i * g;  h' = o * tanh(c')
//
//   auto [h1, c1] = nn::lstm_cell_fused(gx, h0, c0, lstm.weight_hh[0]);
#include <utility>

#include "autograd/tensor.h"

namespace attn::nn {

std::pair<Tensor, Tensor> lstm_cell_fused(const Tensor& gx, const Tensor& h, const Tensor& c,
                                          const Tensor& w_hh, const Tensor& mask = Tensor());

std::pair<Tensor, Tensor> lstm_cell_composed(const Tensor& gx, const Tensor& h, const Tensor& c,
                                             const Tensor& w_hh, const Tensor& mask = Tensor());

// The whole recurrence of one layer and direction as one op, the step's kernels in a loop
// (what nn::LSTM runs by default). One node instead of T, no per-step tensors, and the
// backward sums dW_hh = sum_t da_t^T h_{t-1} in one GEMM over all T * B rows.
//   gx [B, T, 4H] (x W_ih^T + b_ih + b_hh for every step), h0, c0 [B, H], w_hh [4H, H],
//   mask [B, T] (optional; 0 = the sequence has ended: carry the state, output 0),
//   reverse: walk t = T-1 .. 0 (the backward direction of a bidirectional layer)
//   -> out [B, T, H] (h_t, or 0 where masked), h_n, c_n [B, H] (the state after the last step)
struct LSTMSequence {
  Tensor out, h_n, c_n;
};
LSTMSequence lstm_sequence_fused(const Tensor& gx, const Tensor& h0, const Tensor& c0,
                                 const Tensor& w_hh, const Tensor& mask = Tensor(),
                                 bool reverse = false);

}  // namespace attn::nn
