// RNN, LSTM and their cells: shapes, PyTorch's parameter names and shapes, the init range,
// the fused step equal to the composed one (values and gradients), the semantics of
// lengths, state carried across calls, and the errors (each names the layer and shapes).
// The numbers against PyTorch itself are in test_parity_rnn.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "layers/lstm.h"
#include "layers/lstm_cell_fused.h"
#include "layers/rnn.h"

namespace attn {
namespace {

using testing::AllClose;

// Parameter names and shapes, in registration order.
std::vector<std::pair<std::string, Shape>> names_and_shapes(const nn::Module& m) {
  std::vector<std::pair<std::string, Shape>> out;
  for (auto& [name, p] : m.named_parameters()) out.push_back({name, p.shape()});
  return out;
}

// Runs f, expects an attn::Error whose message contains every piece.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& pieces) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : pieces)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

// Copies every parameter of `from` into `to` (same architecture).
void copy_parameters(const nn::Module& from, nn::Module& to) {
  auto a = from.parameters(), b = to.parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
}

// x[b0:b0+1, 0:len, :] as a new tensor [1, len, I].
Tensor one_sequence(const Tensor& x, int64_t b0, int64_t len) {
  return slice(slice(x, 0, b0, b0 + 1), 1, 0, len).detach();
}

TEST(Rnn, LstmShapesAndStructuredBinding) {
  manual_seed(1);
  nn::LSTM lstm(nn::LSTMOptions(7, 4));
  Tensor x = Tensor::randn({3, 5, 7});
  auto [out, state] = lstm(x);
  EXPECT_EQ(out.shape(), (Shape{3, 5, 4}));
  EXPECT_EQ(state.h.shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(state.c.shape(), (Shape{1, 3, 4}));

  nn::LSTM deep(nn::LSTMOptions(7, 4).num_layers(3).bidirectional(true));
  auto [out2, state2] = deep(x);
  EXPECT_EQ(out2.shape(), (Shape{3, 5, 8}));
  EXPECT_EQ(state2.h.shape(), (Shape{6, 3, 4}));
  EXPECT_EQ(state2.c.shape(), (Shape{6, 3, 4}));
  // The last time step of the forward direction is the top layer's forward h_n.
  EXPECT_TRUE(AllClose(slice(slice(out2, 1, 4, 5), 2, 0, 4).reshape({3, 4}),
                       slice(state2.h, 0, 4, 5).reshape({3, 4}), 0, 0));
  // The reverse direction ends at t = 0.
  EXPECT_TRUE(AllClose(slice(slice(out2, 1, 0, 1), 2, 4, 8).reshape({3, 4}),
                       slice(state2.h, 0, 5, 6).reshape({3, 4}), 0, 0));
}

TEST(Rnn, RnnShapes) {
  manual_seed(2);
  nn::RNN rnn(nn::RNNOptions(5, 6).num_layers(2).bidirectional(true));
  auto [out, h_n] = rnn(Tensor::randn({2, 4, 5}));
  EXPECT_EQ(out.shape(), (Shape{2, 4, 12}));
  EXPECT_EQ(h_n.shape(), (Shape{4, 2, 6}));
  nn::RNNCell cell(nn::RNNCellOptions(5, 6));
  EXPECT_EQ(cell(Tensor::randn({2, 5})).shape(), (Shape{2, 6}));
  nn::LSTMCell lcell(nn::LSTMCellOptions(5, 6));
  auto [h1, c1] = lcell(Tensor::randn({2, 5}));
  EXPECT_EQ(h1.shape(), (Shape{2, 6}));
  EXPECT_EQ(c1.shape(), (Shape{2, 6}));
}

TEST(Rnn, ParameterNamesAndShapesAsPyTorch) {
  // torch.nn.LSTM(7, 4, num_layers=2, bidirectional=True).named_parameters()
  nn::LSTM lstm(nn::LSTMOptions(7, 4).num_layers(2).bidirectional(true));
  const std::vector<std::pair<std::string, Shape>> lstm_expected{{"weight_ih_l0", {16, 7}},
                                                                 {"weight_hh_l0", {16, 4}},
                                                                 {"bias_ih_l0", {16}},
                                                                 {"bias_hh_l0", {16}},
                                                                 {"weight_ih_l0_reverse", {16, 7}},
                                                                 {"weight_hh_l0_reverse", {16, 4}},
                                                                 {"bias_ih_l0_reverse", {16}},
                                                                 {"bias_hh_l0_reverse", {16}},
                                                                 {"weight_ih_l1", {16, 8}},
                                                                 {"weight_hh_l1", {16, 4}},
                                                                 {"bias_ih_l1", {16}},
                                                                 {"bias_hh_l1", {16}},
                                                                 {"weight_ih_l1_reverse", {16, 8}},
                                                                 {"weight_hh_l1_reverse", {16, 4}},
                                                                 {"bias_ih_l1_reverse", {16}},
                                                                 {"bias_hh_l1_reverse", {16}}};
  EXPECT_EQ(names_and_shapes(lstm), lstm_expected);

  // torch.nn.RNN(3, 5, num_layers=2, bias=False)
  nn::RNN rnn(nn::RNNOptions(3, 5).num_layers(2).bias(false));
  const std::vector<std::pair<std::string, Shape>> rnn_expected{{"weight_ih_l0", {5, 3}},
                                                                {"weight_hh_l0", {5, 5}},
                                                                {"weight_ih_l1", {5, 5}},
                                                                {"weight_hh_l1", {5, 5}}};
  EXPECT_EQ(names_and_shapes(rnn), rnn_expected);

  nn::LSTMCell lcell(nn::LSTMCellOptions(3, 2));
  const std::vector<std::pair<std::string, Shape>> lcell_expected{
      {"weight_ih", {8, 3}}, {"weight_hh", {8, 2}}, {"bias_ih", {8}}, {"bias_hh", {8}}};
  EXPECT_EQ(names_and_shapes(lcell), lcell_expected);

  nn::RNNCell cell(nn::RNNCellOptions(3, 2).bias(false));
  const std::vector<std::pair<std::string, Shape>> cell_expected{{"weight_ih", {2, 3}},
                                                                 {"weight_hh", {2, 2}}};
  EXPECT_EQ(names_and_shapes(cell), cell_expected);
  EXPECT_EQ(lstm.num_parameters(), 2 * (16 * 7 + 16 * 4 + 32) + 2 * (16 * 8 + 16 * 4 + 32));
}

TEST(Rnn, InitIsUniformOverPlusMinusOneOverSqrtH) {
  // PyTorch: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), H = 16 -> bound 0.25.
  manual_seed(3);
  nn::LSTM lstm(nn::LSTMOptions(20, 16).num_layers(2));
  for (auto& [name, p] : lstm.named_parameters()) {
    SCOPED_TRACE(name);
    real lo = 1, hi = -1;
    for (real v : p.to_vector()) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    EXPECT_GE(lo, -0.25f);
    EXPECT_LE(hi, 0.25f);
    EXPECT_LT(lo, -0.2f);  // the whole range is used (64+ draws)
    EXPECT_GT(hi, 0.2f);
  }
}

// The fused step and the composed one agree in values and in every gradient.
TEST(Rnn, FusedLstmStepEqualsComposed) {
  manual_seed(4);
  for (const bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "masked" : "unmasked");
    const int64_t B = 5, H = 33;  // odd sizes: GEMM edge blocks
    Tensor gx = Tensor::randn({B, 4 * H}), h = Tensor::randn({B, H}), c = Tensor::randn({B, H}),
           w = Tensor::randn({4 * H, H}) * real(0.2);
    Tensor mask = masked ? Tensor::from_vector({1, 0, 1, 1, 0}, {B}) : Tensor();
    std::vector<Tensor> a{gx.clone().detach(), h.clone().detach(), c.clone().detach(),
                          w.clone().detach()};
    std::vector<Tensor> b{gx.clone().detach(), h.clone().detach(), c.clone().detach(),
                          w.clone().detach()};
    for (auto* v : {&a, &b})
      for (Tensor& t : *v) t.requires_grad_(true);
    auto [h1, c1] = nn::lstm_cell_fused(a[0], a[1], a[2], a[3], mask);
    auto [h2, c2] = nn::lstm_cell_composed(b[0], b[1], b[2], b[3], mask);
    // float32: a few roundings of values of size ~1: rtol 1e-5, atol 1e-6.
    EXPECT_TRUE(AllClose(h1, h2, 1e-5, 1e-6)) << "h'";
    EXPECT_TRUE(AllClose(c1, c2, 1e-5, 1e-6)) << "c'";
    Tensor gh = Tensor::randn({B, H}), gc = Tensor::randn({B, H});
    ((h1 * gh).sum() + (c1 * gc).sum()).backward();
    ((h2 * gh).sum() + (c2 * gc).sum()).backward();
    const char* what[] = {"gx", "h", "c", "w_hh"};
    for (int k = 0; k < 4; ++k)
      EXPECT_TRUE(AllClose(a[k].grad(), b[k].grad(), 1e-4, 1e-5)) << "grad " << what[k];
  }
}

TEST(Rnn, FusedRnnStepEqualsComposed) {
  manual_seed(5);
  const int64_t B = 6, H = 17;
  Tensor gx = Tensor::randn({B, H}, true), h = Tensor::randn({B, H}, true),
         w = (Tensor::randn({H, H}) * real(0.3)).detach().requires_grad_(true);
  Tensor gx2 = gx.detach().clone().requires_grad_(true),
         h2 = h.detach().clone().requires_grad_(true), w2 = w.detach().clone().requires_grad_(true);
  Tensor mask = Tensor::from_vector({1, 1, 0, 1, 0, 1}, {B});
  Tensor y1 = nn::rnn_tanh_cell_fused(gx, h, w, mask);
  Tensor y2 = nn::rnn_tanh_cell_composed(gx2, h2, w2, mask);
  EXPECT_TRUE(AllClose(y1, y2, 1e-5, 1e-6));
  Tensor g = Tensor::randn({B, H});
  (y1 * g).sum().backward();
  (y2 * g).sum().backward();
  EXPECT_TRUE(AllClose(gx.grad(), gx2.grad(), 1e-4, 1e-5)) << "grad gx";
  EXPECT_TRUE(AllClose(h.grad(), h2.grad(), 1e-4, 1e-5)) << "grad h";
  EXPECT_TRUE(AllClose(w.grad(), w2.grad(), 1e-4, 1e-5)) << "grad w_hh";
}

// Whole layers, fused against composed: 2 layers, bidirectional, initial state, lengths.
TEST(Rnn, FusedLstmLayerEqualsComposedLayer) {
  manual_seed(6);
  auto opts = nn::LSTMOptions(9, 13).num_layers(2).bidirectional(true);
  nn::LSTM fused(opts), composed(nn::LSTMOptions(opts).fused(false));
  copy_parameters(fused, composed);
  Tensor x = Tensor::randn({4, 6, 9});
  Tensor h0 = Tensor::randn({4, 4, 13}), c0 = Tensor::randn({4, 4, 13});
  Tensor lengths = Tensor::from_vector({6, 2, 5, 1}, {4});
  std::vector<Tensor> in_a{x.clone().detach(), h0.clone().detach(), c0.clone().detach()};
  std::vector<Tensor> in_b{x.clone().detach(), h0.clone().detach(), c0.clone().detach()};
  for (auto* v : {&in_a, &in_b})
    for (Tensor& t : *v) t.requires_grad_(true);
  auto [oa, sa] = fused(in_a[0], {in_a[1], in_a[2]}, lengths);
  auto [ob, sb] = composed(in_b[0], {in_b[1], in_b[2]}, lengths);
  // float32, up to 2 layers x 6 steps of rounding: rtol 1e-4, atol 1e-5.
  EXPECT_TRUE(AllClose(oa, ob, 1e-4, 1e-5)) << "output";
  EXPECT_TRUE(AllClose(sa.h, sb.h, 1e-4, 1e-5)) << "h_n";
  EXPECT_TRUE(AllClose(sa.c, sb.c, 1e-4, 1e-5)) << "c_n";
  Tensor go = Tensor::randn(oa.shape()), gh = Tensor::randn(sa.h.shape()),
         gc = Tensor::randn(sa.c.shape());
  ((oa * go).sum() + (sa.h * gh).sum() + (sa.c * gc).sum()).backward();
  ((ob * go).sum() + (sb.h * gh).sum() + (sb.c * gc).sum()).backward();
  for (int k = 0; k < 3; ++k)
    EXPECT_TRUE(AllClose(in_a[k].grad(), in_b[k].grad(), 1e-4, 1e-5)) << "input " << k;
  auto pa = fused.named_parameters(), pb = composed.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(AllClose(pa[i].second.grad(), pb[i].second.grad(), 1e-4, 1e-5))
        << "grad " << pa[i].first;
}

// With lengths, each sequence of the batch behaves as if it ran alone, cut to its length:
// the same outputs up to its length (then zeros), the same final state, and for the reverse
// direction a start at its own last element.
template <typename Layer>
void check_lengths_mean_running_alone(Layer& layer, int64_t H, int64_t LD) {
  manual_seed(7);
  const int64_t B = 4, T = 6, I = layer.options.input_size();
  const int64_t DH = layer.options.num_directions() * H;
  Tensor x = Tensor::randn({B, T, I}, true);
  const std::vector<int64_t> len{3, 6, 1, 4};
  Tensor lengths = Tensor::from_vector({3, 6, 1, 4}, {B});
  auto [out, h_n] = [&] {
    if constexpr (std::is_same_v<Layer, nn::LSTM>) {
      auto [o, s] = layer(x, {}, lengths);
      return std::pair{o, s.h};
    } else {
      return layer(x, Tensor(), lengths);
    }
  }();
  for (int64_t b = 0; b < B; ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b));
    Tensor xb = one_sequence(x, b, len[b]);
    auto [ob, hb] = [&] {
      if constexpr (std::is_same_v<Layer, nn::LSTM>) {
        auto [o, s] = layer(xb);
        return std::pair{o, s.h};
      } else {
        return layer(xb);
      }
    }();
    Tensor got = slice(slice(out, 0, b, b + 1), 1, 0, len[b]);
    EXPECT_TRUE(AllClose(got, ob, 1e-5, 1e-6)) << "output up to the length";
    EXPECT_TRUE(AllClose(slice(h_n, 1, b, b + 1), hb, 1e-5, 1e-6)) << "h_n";
    Tensor rest = slice(slice(out, 0, b, b + 1), 1, len[b], T);
    for (real v : rest.to_vector()) ASSERT_EQ(v, 0) << "output past the length";
  }
  EXPECT_EQ(h_n.size(0), LD);
  EXPECT_EQ(out.size(2), DH);
  // Padding reaches no gradient.
  out.sum().backward();
  Tensor gpad = slice(slice(x.grad(), 0, 0, 1), 1, 3, T);
  for (real v : gpad.to_vector()) ASSERT_EQ(v, 0) << "gradient at a padded step";
}

TEST(Rnn, LstmLengthsMeanEachSequenceRunsAlone) {
  nn::LSTM lstm(nn::LSTMOptions(5, 4).num_layers(2).bidirectional(true));
  check_lengths_mean_running_alone(lstm, 4, 4);
}

TEST(Rnn, RnnLengthsMeanEachSequenceRunsAlone) {
  nn::RNN rnn(nn::RNNOptions(5, 3).bidirectional(true));
  check_lengths_mean_running_alone(rnn, 3, 2);
}

// Feeding the returned state back in continues the sequence: two halves = the whole.
TEST(Rnn, LstmStateCarriesAcrossCalls) {
  manual_seed(8);
  nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2));
  Tensor x = Tensor::randn({2, 8, 3});
  auto [whole, s_whole] = lstm(x);
  auto [first, s1] = lstm(slice(x, 1, 0, 5));
  auto [second, s2] = lstm(slice(x, 1, 5, 8), s1);
  EXPECT_TRUE(AllClose(concat({first, second}, 1), whole, 1e-5, 1e-6));
  EXPECT_TRUE(AllClose(s2.h, s_whole.h, 1e-5, 1e-6));
  EXPECT_TRUE(AllClose(s2.c, s_whole.c, 1e-5, 1e-6));
}

// One LSTMCell step = an LSTM over one time step with the same weights.
TEST(Rnn, LstmCellEqualsOneStepOfLstm) {
  manual_seed(9);
  nn::LSTMCell cell(nn::LSTMCellOptions(6, 5));
  nn::LSTM lstm(nn::LSTMOptions(6, 5));
  lstm.weight_ih[0].copy_(cell.weight_ih);
  lstm.weight_hh[0].copy_(cell.weight_hh);
  lstm.bias_ih[0].copy_(cell.bias_ih);
  lstm.bias_hh[0].copy_(cell.bias_hh);
  Tensor x = Tensor::randn({3, 6}), h = Tensor::randn({3, 5}), c = Tensor::randn({3, 5});
  auto [h1, c1] = cell(x, {h, c});
  auto [out, s] = lstm(x.reshape({3, 1, 6}), {h.reshape({1, 3, 5}), c.reshape({1, 3, 5})});
  EXPECT_TRUE(AllClose(h1, s.h.reshape({3, 5}), 1e-6, 1e-7));
  EXPECT_TRUE(AllClose(c1, s.c.reshape({3, 5}), 1e-6, 1e-7));
  // And by hand, for one unit: c' = f c + i g, h' = o tanh(c'), gates i, f, g, o.
  auto a = [&](int gate, int64_t j) {
    double sum = cell.bias_ih.at({gate * 5 + j}) + cell.bias_hh.at({gate * 5 + j});
    for (int64_t k = 0; k < 6; ++k) sum += x.at({1, k}) * cell.weight_ih.at({gate * 5 + j, k});
    for (int64_t k = 0; k < 5; ++k) sum += h.at({1, k}) * cell.weight_hh.at({gate * 5 + j, k});
    return sum;
  };
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  const int64_t j = 2;
  const double cj = sig(a(1, j)) * c.at({1, j}) + sig(a(0, j)) * std::tanh(a(2, j));
  EXPECT_NEAR(c1.at({1, j}), cj, 1e-5);
  EXPECT_NEAR(h1.at({1, j}), sig(a(3, j)) * std::tanh(cj), 1e-5);
}

TEST(Rnn, GradientsReachInitialStateAndEveryParameter) {
  manual_seed(10);
  nn::LSTM lstm(nn::LSTMOptions(4, 3).num_layers(2).bidirectional(true));
  Tensor x = Tensor::randn({2, 5, 4}, true);
  Tensor h0 = Tensor::randn({4, 2, 3}, true), c0 = Tensor::randn({4, 2, 3}, true);
  auto [out, s] = lstm(x, {h0, c0});
  (out.sum() + s.c.sum()).backward();
  for (const Tensor& t : {x, h0, c0}) {
    ASSERT_TRUE(t.grad().defined());
    double norm = 0;
    for (real v : t.grad().to_vector()) norm += std::abs(v);
    EXPECT_GT(norm, 0);
  }
  for (auto& [name, p] : lstm.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    double norm = 0;
    for (real v : p.grad().to_vector()) norm += std::abs(v);
    EXPECT_GT(norm, 0) << name;
  }
}

TEST(Rnn, NoGraphUnderNoGrad) {
  nn::LSTM lstm(nn::LSTMOptions(3, 4));
  NoGradGuard no_grad;
  auto [out, s] = lstm(Tensor::randn({2, 3, 3}));
  EXPECT_FALSE(out.requires_grad());
  EXPECT_EQ(out.grad_fn(), nullptr);
  EXPECT_FALSE(s.h.requires_grad());
}

// An unrolled sequence of 3000 steps: the iterative engine walks and frees it.
TEST(Rnn, LongSequenceBackward) {
  manual_seed(11);
  nn::LSTM lstm(nn::LSTMOptions(2, 3));
  Tensor x = Tensor::randn({1, 3000, 2}, true);
  auto [out, s] = lstm(x);
  s.h.sum().backward();
  EXPECT_TRUE(x.grad().defined());
  for (real v : x.grad().to_vector()) ASSERT_TRUE(std::isfinite(v));
}

TEST(Rnn, ErrorsNameTheLayerAndTheShapes) {
  nn::LSTM lstm(nn::LSTMOptions(7, 4).num_layers(2));
  expect_error([&] { lstm(Tensor::randn({3, 7})); }, {"LSTM", "[3,7]", "3-D"});
  expect_error([&] { lstm(Tensor::randn({3, 5, 6})); }, {"LSTM", "[3,5,6]", "input_size 6", "7"});
  expect_error(
      [&] {
        lstm(Tensor::randn({3, 5, 7}), {Tensor::zeros({1, 3, 4}), Tensor()});
      },
      {"LSTM", "h0", "[1,3,4]", "[2,3,4]"});
  expect_error(
      [&] {
        lstm(Tensor::randn({3, 5, 7}), {Tensor(), Tensor::zeros({2, 3, 5})});
      },
      {"LSTM", "c0", "[2,3,5]", "[2,3,4]"});
  Tensor x = Tensor::randn({3, 5, 7});
  expect_error(
      [&] {
        lstm(x, {}, Tensor::from_vector({5, 0, 2}, {3}));
      },
      {"LSTM", "lengths[1] = 0", "1 <= length <= 5"});
  expect_error(
      [&] {
        lstm(x, {}, Tensor::from_vector({5, 6, 2}, {3}));
      },
      {"LSTM", "lengths[1] = 6", "5 time steps"});
  expect_error(
      [&] {
        lstm(x, {}, Tensor::from_vector({5, 2.5, 2}, {3}));
      },
      {"LSTM", "lengths[1] = 2.5", "whole"});
  expect_error(
      [&] {
        lstm(x, {}, Tensor::from_vector({5, 2}, {2}));
      },
      {"LSTM", "lengths of shape [2]", "[3]"});

  nn::RNN rnn(nn::RNNOptions(7, 4).bidirectional(true));
  expect_error(
      [&] {
        rnn(Tensor::randn({3, 5, 7}), Tensor::zeros({1, 3, 4}));
      },
      {"RNN", "h0", "[1,3,4]", "[2,3,4]"});
  expect_error([&] { rnn(Tensor::randn({3, 5, 2})); }, {"RNN", "[3,5,2]", "7"});
  expect_error([&] { rnn(Tensor::randn({3, 0, 7})); }, {"RNN", "[3,0,7]", "empty"});

  nn::LSTMCell cell(nn::LSTMCellOptions(7, 4));
  expect_error([&] { cell(Tensor::randn({3, 6})); }, {"LSTMCell", "[3,6]", "7"});
  expect_error(
      [&] {
        cell(Tensor::randn({3, 7}), {Tensor::zeros({2, 4}), Tensor()});
      },
      {"LSTMCell", "h", "[2,4]", "[3,4]"});
  nn::RNNCell rcell(nn::RNNCellOptions(7, 4));
  expect_error(
      [&] {
        rcell(Tensor::randn({3, 7}), Tensor::zeros({3, 5}));
      },
      {"RNNCell", "[3,5]", "[3,4]"});
  expect_error([&] { nn::LSTM bad(nn::LSTMOptions(7, 0)); }, {"LSTM", "hidden_size = 0"});
  expect_error(
      [&] {
        nn::lstm_cell_fused(Tensor::zeros({3, 15}), Tensor::zeros({3, 4}), Tensor::zeros({3, 4}),
                            Tensor::zeros({16, 4}));
      },
      {"lstm_cell_fused", "gx", "[3,15]", "[3,16]"});
  expect_error(
      [&] {
        nn::lstm_cell_fused(Tensor::zeros({3, 16}), Tensor::zeros({3, 4}), Tensor::zeros({3, 4}),
                            Tensor::zeros({12, 4}));
      },
      {"lstm_cell_fused", "w_hh", "[12,4]", "[4H, H]"});
  expect_error(
      [&] {
        nn::lstm_sequence_fused(Tensor::zeros({3, 5, 15}), Tensor::zeros({3, 4}),
                                Tensor::zeros({3, 4}), Tensor::zeros({16, 4}));
      },
      {"lstm_sequence_fused", "gx", "[3,5,15]", "4H = 16"});
  expect_error(
      [&] {
        nn::lstm_sequence_fused(Tensor::zeros({3, 5, 16}), Tensor::zeros({2, 4}),
                                Tensor::zeros({3, 4}), Tensor::zeros({16, 4}));
      },
      {"lstm_sequence_fused", "h0", "[2,4]", "[3,4]"});
}

}  // namespace
}  // namespace attn
