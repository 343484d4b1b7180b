// Gradient checks of the recurrent layers: the fused steps (hand-written backward) and the
// composed references, the cells, and RNN/LSTM layers of 1 and 2 layers, bidirectional, with
// an initial state and with lengths, w.r.t. the input, the initial state and every parameter.
// Odd sizes (B = 3, T = 5, I = 7, H = 4, ...) so that no row/column mix-up hides.
// A layer's row builds the module inside the lambda and points its parameters at the row's
// inputs (in PyTorch's order: per layer and direction weight_ih, weight_hh, bias_ih, bias_hh);
// the checked function is the concatenation of output, h_n (and c_n), flattened.
#include <cstdint>

#include "gradcheck/gradcheck_case.h"
#include "layers/lstm.h"
#include "layers/lstm_cell_fused.h"
#include "layers/rnn.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

struct Config {
  int64_t I, H, L = 1;
  bool bidirectional = false, bias = true;
  int64_t gates = 1;  // 1 for RNN, 4 for LSTM
};

// Shapes of a layer's parameters, in PyTorch's registration order.
std::vector<Shape> parameter_shapes(const Config& c) {
  const int64_t D = c.bidirectional ? 2 : 1, G = c.gates * c.H;
  std::vector<Shape> s;
  for (int64_t l = 0; l < c.L; ++l)
    for (int64_t d = 0; d < D; ++d) {
      s.push_back({G, l == 0 ? c.I : D * c.H});
      s.push_back({G, c.H});
      if (c.bias) {
        s.push_back({G});
        s.push_back({G});
      }
    }
  return s;
}

// The row's inputs: x [B,T,I], then (when with_state) h0 (and c0 for an LSTM) [L*D,B,H], then
// the parameters.
std::vector<Shape> row_shapes(const Config& c, int64_t B, int64_t T, bool with_state) {
  const int64_t D = c.bidirectional ? 2 : 1;
  std::vector<Shape> s{{B, T, c.I}};
  if (with_state)
    for (int64_t k = 0; k < (c.gates == 4 ? 2 : 1); ++k) s.push_back({c.L * D, B, c.H});
  for (const Shape& p : parameter_shapes(c)) s.push_back(p);
  return s;
}

// Points the module's parameters at x[first], x[first + 1], ...
template <typename M>
void assign_parameters(M& m, const X& x, size_t first) {
  size_t i = first;
  for (size_t k = 0; k < m.weight_ih.size(); ++k) {
    m.weight_ih[k] = x[i++];
    m.weight_hh[k] = x[i++];
    if (m.options.bias()) {
      m.bias_ih[k] = x[i++];
      m.bias_hh[k] = x[i++];
    }
  }
}

Tensor flat(const std::vector<Tensor>& ts) {
  std::vector<Tensor> f;
  for (const Tensor& t : ts) f.push_back(reshape(t, {-1}));
  return concat(f, 0);
}

// A layer row projects ~100-250 outputs onto one number, so each central difference carries
// ~1e-9 of double rounding (|L| ~ 10 times 1e-16, divided by 2 eps = 2e-6): gradients of
// ~1e-4 need an absolute floor above that. A wrong backward is off by >= 1e-4 relative.
const GradcheckOptions kLayerOptions{.atol = 1e-8};

// lengths as a constant [B] tensor
Tensor lengths_of(const std::vector<real>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
}

GradcheckCase rnn_row(const std::string& name, Config c, int64_t B, int64_t T, bool with_state,
                      std::vector<real> lengths = {}, bool fused = true) {
  c.gates = 1;
  return {name, row_shapes(c, B, T, with_state),
          [c, with_state, lengths, fused](const X& x) {
            nn::RNN rnn(nn::RNNOptions(c.I, c.H)
                            .num_layers(c.L)
                            .bidirectional(c.bidirectional)
                            .bias(c.bias)
                            .fused(fused));
            assign_parameters(rnn, x, with_state ? 2 : 1);
            auto [out, h_n] = rnn(x[0], with_state ? x[1] : Tensor(),
                                  lengths.empty() ? Tensor() : lengths_of(lengths));
            return flat({out, h_n});
          },
          kLayerOptions};
}

GradcheckCase lstm_row(const std::string& name, Config c, int64_t B, int64_t T, bool with_state,
                       std::vector<real> lengths = {}, bool fused = true) {
  c.gates = 4;
  return {name, row_shapes(c, B, T, with_state),
          [c, with_state, lengths, fused](const X& x) {
            nn::LSTM lstm(nn::LSTMOptions(c.I, c.H)
                              .num_layers(c.L)
                              .bidirectional(c.bidirectional)
                              .bias(c.bias)
                              .fused(fused));
            assign_parameters(lstm, x, with_state ? 3 : 1);
            nn::LSTMState s0;
            if (with_state) s0 = {x[1], x[2]};
            auto [out, s] = lstm(x[0], s0, lengths.empty() ? Tensor() : lengths_of(lengths));
            return flat({out, s.h, s.c});
          },
          kLayerOptions};
}

// The bare steps: gx [B,4H], h, c [B,H], w_hh [4H,H] (and a constant mask).
Tensor lstm_step_fused(const X& x) {
  auto [h1, c1] = nn::lstm_cell_fused(x[0], x[1], x[2], x[3]);
  return flat({h1, c1});
}
Tensor lstm_step_composed(const X& x) {
  auto [h1, c1] = nn::lstm_cell_composed(x[0], x[1], x[2], x[3]);
  return flat({h1, c1});
}
Tensor lstm_step_fused_masked(const X& x) {
  auto [h1, c1] = nn::lstm_cell_fused(x[0], x[1], x[2], x[3], lengths_of({1, 0, 1}));
  return flat({h1, c1});
}
// Two steps chained, so dh and dc flow through a fused step into another.
Tensor lstm_two_fused_steps(const X& x) {
  auto [h1, c1] = nn::lstm_cell_fused(x[0], x[1], x[2], x[3]);
  auto [h2, c2] = nn::lstm_cell_fused(x[4], h1, c1, x[3]);
  return flat({h1, h2, c2});
}

// The whole recurrence as one op: gx [3,5,16], h0, c0 [3,4], w_hh [16,4]; lengths 3, 5, 1.
Tensor lstm_sequence(const X& x, bool reverse, bool masked) {
  Tensor mask = masked ? Tensor::from_vector({1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, {3, 5})
                       : Tensor();
  nn::LSTMSequence r = nn::lstm_sequence_fused(x[0], x[1], x[2], x[3], mask, reverse);
  return flat({r.out, r.h_n, r.c_n});
}

Tensor lstm_cell_module(const X& x, bool fused) {
  nn::LSTMCell cell(nn::LSTMCellOptions(7, 4).fused(fused));
  cell.weight_ih = x[3];
  cell.weight_hh = x[4];
  cell.bias_ih = x[5];
  cell.bias_hh = x[6];
  auto [h1, c1] = cell(x[0], {x[1], x[2]});
  return flat({h1, c1});
}

Tensor rnn_cell_module(const X& x, bool fused) {
  nn::RNNCell cell(nn::RNNCellOptions(7, 4).fused(fused));
  cell.weight_ih = x[2];
  cell.weight_hh = x[3];
  cell.bias_ih = x[4];
  cell.bias_hh = x[5];
  return cell(x[0], x[1]);
}

std::vector<GradcheckCase> cases() {
  const std::vector<Shape> step{{3, 16}, {3, 4}, {3, 4}, {16, 4}};
  const std::vector<Shape> seq{{3, 5, 16}, {3, 4}, {3, 4}, {16, 4}};
  const std::vector<Shape> rnn_step{{3, 4}, {3, 4}, {4, 4}};
  const std::vector<Shape> lstm_cell{{3, 7}, {3, 4}, {3, 4}, {16, 7}, {16, 4}, {16}, {16}};
  const std::vector<Shape> rnn_cell{{3, 7}, {3, 4}, {4, 7}, {4, 4}, {4}, {4}};
  const Config one{.I = 7, .H = 4};
  const Config two{.I = 7, .H = 4, .L = 2};
  const Config bi{.I = 7, .H = 4, .bidirectional = true};
  const Config two_bi{.I = 5, .H = 3, .L = 2, .bidirectional = true};
  const Config no_bias{.I = 6, .H = 5, .bias = false};
  return {
      // The LSTM step: fused (hand-written backward) and composed (the reference).
      {"lstm_step_fused_B3_H4", step, lstm_step_fused},
      {"lstm_step_composed_B3_H4", step, lstm_step_composed},
      {"lstm_step_fused_masked_B3_H4", step, lstm_step_fused_masked},
      {"lstm_two_fused_steps_B3_H4",
       {{3, 16}, {3, 4}, {3, 4}, {16, 4}, {3, 16}},
       lstm_two_fused_steps},
      // The fused recurrence over a sequence, forward and reverse, with and without a mask.
      {"lstm_sequence_fused_B3_T5_H4", seq,
       [](const X& x) { return lstm_sequence(x, false, false); }},
      {"lstm_sequence_fused_reverse_B3_T5_H4", seq,
       [](const X& x) { return lstm_sequence(x, true, false); }},
      {"lstm_sequence_fused_masked_B3_T5_H4", seq,
       [](const X& x) { return lstm_sequence(x, false, true); }},
      {"lstm_sequence_fused_reverse_masked_B3_T5_H4", seq,
       [](const X& x) { return lstm_sequence(x, true, true); }},
      // The RNN step.
      {"rnn_step_fused_B3_H4", rnn_step,
       [](const X& x) { return nn::rnn_tanh_cell_fused(x[0], x[1], x[2]); }},
      {"rnn_step_composed_B3_H4", rnn_step,
       [](const X& x) { return nn::rnn_tanh_cell_composed(x[0], x[1], x[2]); }},
      {"rnn_step_fused_masked_B3_H4", rnn_step,
       [](const X& x) {
         return nn::rnn_tanh_cell_fused(x[0], x[1], x[2], lengths_of({0, 1, 1}));
       }},
      // The cells as modules, every parameter.
      {"lstm_cell_fused_B3_I7_H4", lstm_cell, [](const X& x) { return lstm_cell_module(x, true); }},
      {"lstm_cell_composed_B3_I7_H4", lstm_cell,
       [](const X& x) { return lstm_cell_module(x, false); }},
      {"rnn_cell_fused_B3_I7_H4", rnn_cell, [](const X& x) { return rnn_cell_module(x, true); }},
      {"rnn_cell_composed_B3_I7_H4", rnn_cell,
       [](const X& x) { return rnn_cell_module(x, false); }},
      // RNN layers.
      rnn_row("rnn_1layer_B3_T5_I7_H4", one, 3, 5, false),
      rnn_row("rnn_1layer_h0_B3_T5_I7_H4", one, 3, 5, true),
      rnn_row("rnn_2layer_h0_B3_T5_I7_H4", two, 3, 5, true),
      rnn_row("rnn_bidirectional_h0_B3_T5_I7_H4", bi, 3, 5, true),
      rnn_row("rnn_2layer_bidirectional_lengths_B3_T5", two_bi, 3, 5, true, {2, 5, 4}),
      rnn_row("rnn_no_bias_B2_T3_I6_H5", no_bias, 2, 3, false),
      rnn_row("rnn_composed_bidirectional_lengths_B3_T5", bi, 3, 5, true, {5, 1, 3}, false),
      // LSTM layers.
      lstm_row("lstm_1layer_B3_T5_I7_H4", one, 3, 5, false),
      lstm_row("lstm_1layer_h0_c0_B3_T5_I7_H4", one, 3, 5, true),
      lstm_row("lstm_2layer_h0_c0_B3_T5_I7_H4", two, 3, 5, true),
      lstm_row("lstm_bidirectional_B3_T5_I7_H4", bi, 3, 5, false),
      lstm_row("lstm_bidirectional_h0_c0_B3_T5_I7_H4", bi, 3, 5, true),
      lstm_row("lstm_lengths_h0_c0_B3_T5_I7_H4", one, 3, 5, true, {3, 5, 1}),
      lstm_row("lstm_2layer_bidirectional_lengths_B3_T5", two_bi, 3, 5, true, {2, 5, 4}),
      lstm_row("lstm_no_bias_B2_T3_I6_H5", no_bias, 2, 3, false),
      lstm_row("lstm_composed_2layer_bidirectional_lengths", two_bi, 3, 4, true, {4, 1, 3}, false),
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
