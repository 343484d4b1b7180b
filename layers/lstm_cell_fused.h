#pragma once
// One step of an LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of
// Gers et al. 2000), twice on purpose:
//   lstm_cell_fused     one autograd op, forward and hand-written backward on the
//                       GEMM and the vector kernels: what nn::LSTM runs;
//   lstm_cell_composed  the same step from primitive ops (matmul, split, sigmoid, ...):
//                       the readable reference; autograd derives its backward.
// Tests hold the two equal in values and gradients.
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

}  // namespace attn::nn
