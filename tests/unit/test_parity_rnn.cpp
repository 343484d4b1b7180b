// PyTorch parity of RNN, LSTM and their cells: the fixtures in tests/data/parity/
// (rnn.json, lstm_*.json, rnn_cells.json) were written by tests/fixtures/make_rnn_fixtures.py
// (torch 1.13; outputs and gradients in float64 from float32 inputs and weights). The same
// numbers run here in float32 through the fused step (the default) and through the composed
// reference; every output, final state and gradient (input, initial state, every parameter,
// matched by PyTorch's name) is compared with |a - b| <= atol + rtol |b|.
//
// Tolerance: rtol 1e-4, atol 1e-5. The fixtures' weights are ~N(0, 0.25), so gate
// pre-activations reach |a| ~ 3 and a gradient passes through up to 2 layers x 6 steps of
// float32 products and sums (each ~1e-7 relative); 1e-4 leaves room for that growth while a
// wrong gate order or a missed term gives errors of 1e-1.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "layers/lstm.h"
#include "layers/rnn.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::has_tensor;
using testing::load_parity;
using testing::tensor_of;

constexpr double kRtol = 1e-4, kAtol = 1e-5;
// Copies every parameter of the case into the module by PyTorch's name, checking that the
// module has exactly the case's parameters with the same shapes.
void load_parameters(nn::Module& m, const json& c) {
  std::map<std::string, Tensor> params;
  for (auto& [name, p] : m.named_parameters()) params[name] = p;
  ASSERT_EQ(params.size(), c.at("parameters").size()) << "parameter count differs from PyTorch's";
  for (const std::string name : c.at("parameters")) {
    ASSERT_TRUE(params.count(name)) << "no parameter named " << name;
    Tensor src = tensor_of(c, name);
    ASSERT_EQ(params[name].shape(), src.shape()) << name;
    params[name].copy_(src);
  }
}

void expect_parameter_grads(nn::Module& m, const json& c) {
  for (auto& [name, p] : m.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << "no gradient reached " << name;
    EXPECT_TRUE(AllClose(p.grad(), tensor_of(c, "grad_" + name), kRtol, kAtol)) << "grad " << name;
  }
}

// The loss of the fixture: sum(output * g_out) + sum(h_n * g_h) [+ sum(c_n * g_c)].
Tensor fixture_loss(const json& c, const Tensor& out, const Tensor& h_n, const Tensor& c_n) {
  Tensor loss = (h_n * tensor_of(c, "grad_h_n")).sum();
  if (out.defined()) loss = loss + (out * tensor_of(c, "grad_output")).sum();
  if (c_n.defined()) loss = loss + (c_n * tensor_of(c, "grad_c_n")).sum();
  return loss;
}

void run_lstm_fixture(const std::string& file) {
  for (const bool fused : {true, false}) {
    const json fixture = load_parity(file);
    for (const json& c : fixture.at("cases")) {
      SCOPED_TRACE(file + "/" + c.at("name").get<std::string>() + (fused ? " fused" : " composed"));
      nn::LSTM lstm(nn::LSTMOptions(c.at("input_size"), c.at("hidden_size"))
                        .num_layers(c.at("num_layers"))
                        .bidirectional(c.at("bidirectional"))
                        .bias(c.at("bias"))
                        .fused(fused));
      load_parameters(lstm, c);
      Tensor x = tensor_of(c, "x", true);
      nn::LSTMState s0;
      if (has_tensor(c, "h0")) s0 = {tensor_of(c, "h0", true), tensor_of(c, "c0", true)};
      Tensor lengths = has_tensor(c, "lengths") ? tensor_of(c, "lengths") : Tensor();
      auto [out, s] = lstm(x, s0, lengths);
      EXPECT_TRUE(AllClose(out, tensor_of(c, "output"), kRtol, kAtol)) << "output";
      EXPECT_TRUE(AllClose(s.h, tensor_of(c, "h_n"), kRtol, kAtol)) << "h_n";
      EXPECT_TRUE(AllClose(s.c, tensor_of(c, "c_n"), kRtol, kAtol)) << "c_n";
      fixture_loss(c, out, s.h, s.c).backward();
      EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), kRtol, kAtol)) << "grad x";
      if (s0.h.defined()) {
        EXPECT_TRUE(AllClose(s0.h.grad(), tensor_of(c, "grad_h0"), kRtol, kAtol)) << "grad h0";
        EXPECT_TRUE(AllClose(s0.c.grad(), tensor_of(c, "grad_c0"), kRtol, kAtol)) << "grad c0";
      }
      expect_parameter_grads(lstm, c);
    }
  }
}

TEST(ParityRnn, RnnMatchesPyTorch) {
  for (const bool fused : {true, false}) {
    const json fixture = load_parity("rnn");
    for (const json& c : fixture.at("cases")) {
      SCOPED_TRACE(c.at("name").get<std::string>() + (fused ? " fused" : " composed"));
      nn::RNN rnn(nn::RNNOptions(c.at("input_size"), c.at("hidden_size"))
                      .num_layers(c.at("num_layers"))
                      .bidirectional(c.at("bidirectional"))
                      .bias(c.at("bias"))
                      .fused(fused));
      load_parameters(rnn, c);
      Tensor x = tensor_of(c, "x", true);
      Tensor h0 = has_tensor(c, "h0") ? tensor_of(c, "h0", true) : Tensor();
      auto [out, h_n] = rnn(x, h0);
      EXPECT_TRUE(AllClose(out, tensor_of(c, "output"), kRtol, kAtol)) << "output";
      EXPECT_TRUE(AllClose(h_n, tensor_of(c, "h_n"), kRtol, kAtol)) << "h_n";
      fixture_loss(c, out, h_n, Tensor()).backward();
      EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), kRtol, kAtol)) << "grad x";
      if (h0.defined()) {
        EXPECT_TRUE(AllClose(h0.grad(), tensor_of(c, "grad_h0"), kRtol, kAtol)) << "grad h0";
      }
      expect_parameter_grads(rnn, c);
    }
  }
}

TEST(ParityRnn, Lstm1LayerMatchesPyTorch) {
  run_lstm_fixture("lstm_1layer");
}
TEST(ParityRnn, Lstm2LayerMatchesPyTorch) {
  run_lstm_fixture("lstm_2layer");
}
TEST(ParityRnn, LstmBidirectionalMatchesPyTorch) {
  run_lstm_fixture("lstm_bidirectional");
}
// pack_padded_sequence with unsorted lengths: zero output past each length, final states
// at each sequence's own end, the reverse direction starting there.
TEST(ParityRnn, LstmWithLengthsMatchesPackedSequence) {
  run_lstm_fixture("lstm_lengths");
}

TEST(ParityRnn, CellsMatchPyTorch) {
  for (const bool fused : {true, false}) {
    const json fixture = load_parity("rnn_cells");
    for (const json& c : fixture.at("cases")) {
      SCOPED_TRACE(c.at("name").get<std::string>() + (fused ? " fused" : " composed"));
      const int64_t I = c.at("input_size"), H = c.at("hidden_size");
      Tensor x = tensor_of(c, "x", true), h0 = tensor_of(c, "h0", true);
      if (c.at("kind") == "rnn_cell") {
        nn::RNNCell cell(nn::RNNCellOptions(I, H).bias(c.at("bias")).fused(fused));
        load_parameters(cell, c);
        Tensor h1 = cell(x, h0);
        EXPECT_TRUE(AllClose(h1, tensor_of(c, "h_n"), kRtol, kAtol)) << "h'";
        fixture_loss(c, Tensor(), h1, Tensor()).backward();
        expect_parameter_grads(cell, c);
      } else {
        nn::LSTMCell cell(nn::LSTMCellOptions(I, H).bias(c.at("bias")).fused(fused));
        load_parameters(cell, c);
        Tensor c0 = tensor_of(c, "c0", true);
        auto [h1, c1] = cell(x, {h0, c0});
        EXPECT_TRUE(AllClose(h1, tensor_of(c, "h_n"), kRtol, kAtol)) << "h'";
        EXPECT_TRUE(AllClose(c1, tensor_of(c, "c_n"), kRtol, kAtol)) << "c'";
        fixture_loss(c, Tensor(), h1, c1).backward();
        EXPECT_TRUE(AllClose(c0.grad(), tensor_of(c, "grad_c0"), kRtol, kAtol)) << "grad c";
        expect_parameter_grads(cell, c);
      }
      EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), kRtol, kAtol)) << "grad x";
      EXPECT_TRUE(AllClose(h0.grad(), tensor_of(c, "grad_h0"), kRtol, kAtol)) << "grad h";
    }
  }
}

}  // namespace
}  // namespace attn
