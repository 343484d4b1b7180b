// The loop every recurrent layer shares. See layers/recurrent.h.
//
// For each layer l and direction d, with cell k = l * D + d:
//   gx = cell.input_gates(input)             [B, T, G], one GEMM for all T steps
//   out_d, state_d = run_cell_over_time(cell, gx, state0_k, mask, reverse = d == 1)
//   input of layer l+1 = [out_0 | out_1]      [B, T, D*H]
// Step by step the graph has one node per step and cell (the engine sums every step's dW_hh
// into W_hh.grad); a fused sequence is one node for all steps.
#include "layers/recurrent.h"

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/rnn.h"

namespace attn::nn {

RecurrentSequence run_cell_over_time(const RecurrentCell& cell, const Tensor& gx,
                                     const RecurrentState& state, const Tensor& mask,
                                     bool reverse) {
  if (auto fused = cell.fused_sequence(gx, state, mask, reverse)) return *fused;
  const int64_t T = gx.size(1);
  const std::vector<Tensor> gxs = unbind(gx, 1);
  const std::vector<Tensor> m_t = mask.defined() ? step_masks(mask) : std::vector<Tensor>(T);
  RecurrentState s = state;
  std::vector<Tensor> hs(T);
  for (int64_t i = 0; i < T; ++i) {
    const int64_t t = reverse ? T - 1 - i : i;
    s = cell.step(gxs[t], s, m_t[t]);
    hs[t] = cell.output(s);
  }
  return {stack_time(hs, mask), s};
}

RecurrentLayersOutput run_recurrent_layers(const std::string& layer, const Tensor& x,
                                           const std::vector<const RecurrentCell*>& cells,
                                           int64_t num_layers, int64_t hidden_size,
                                           const RecurrentState& initial, const Tensor& lengths) {
  const int64_t B = x.size(0), T = x.size(1), L = num_layers, H = hidden_size;
  const int64_t D = static_cast<int64_t>(cells.size()) / L;
  const size_t n_state = static_cast<size_t>(cells.front()->state_size());
  ATTN_CHECK(initial.empty() || initial.size() == n_state, layer, ": ", initial.size(),
             " initial state tensors for a cell that carries ", n_state);
  const Tensor mask = lengths.defined() ? lengths_to_mask(layer, lengths, B, T) : Tensor();
  // The given initial states, one [B, H] per cell k (undefined members start at zero).
  std::vector<std::vector<Tensor>> initial_k(n_state);
  auto given = [&](size_t i) { return !initial.empty() && initial[i].defined(); };
  for (size_t i = 0; i < n_state; ++i)
    if (given(i)) initial_k[i] = unbind(initial[i], 0);
  Tensor input = x;
  std::vector<std::vector<Tensor>> last(n_state);  // per state member, one [B, H] per k
  for (int64_t l = 0; l < L; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      const RecurrentCell& cell = *cells[k];
      RecurrentState s0(n_state);
      for (size_t i = 0; i < n_state; ++i)
        s0[i] = given(i) ? initial_k[i][k] : Tensor::zeros({B, H});
      RecurrentSequence seq = run_cell_over_time(cell, cell.input_gates(input), s0, mask, d == 1);
      outs.push_back(seq.out);
      for (size_t i = 0; i < n_state; ++i) last[i].push_back(seq.last[i]);
    }
    input = D == 2 ? concat(outs, 2) : outs[0];
  }
  RecurrentLayersOutput r;
  r.output = input;
  for (size_t i = 0; i < n_state; ++i) r.final.push_back(stack(last[i], 0));
  return r;
}

}  // namespace attn::nn
