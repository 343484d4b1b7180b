// Exercise 1: the GRU. Four kinds of check, each failure naming what is wrong:
//   PyTorch   your GRUCell and GRU, given PyTorch's weights (by name), against PyTorch's
//             outputs and gradients (fixtures/gru.json, made by fixtures/make_fixtures.py);
//   gradient  your gru_cell and GRU against central differences, in double precision;
//   behaviour what a GRU must do: the update gate at 1 keeps the state, at 0 takes the
//             candidate; past a sequence's length nothing changes; the cell stepped through
//             the shared loop is the layer; PyTorch's parameter names, shapes and init;
//   errors    a wrong shape is an attn::Error that names the layer.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/01_gru/gru.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"

namespace attn::exercises {
namespace {

using nlohmann::json;
using testing::tensor_of;

// Copies the fixture's parameters into the module by PyTorch's names, after checking that
// the module registers exactly those names, in that order, with those shapes.
::testing::AssertionResult load_by_name(nn::Module& m, const json& c) {
  const nn::NamedTensors mine = m.named_parameters();
  const json& theirs = c.at("parameters");
  std::string list;
  for (const auto& [name, p] : mine) list += " " + name + shape_str(p.shape());
  if (mine.size() != theirs.size())
    return ::testing::AssertionFailure() << "your module registers " << mine.size()
                                         << " parameters:" << list << "; PyTorch has "
                                         << theirs.size() << ": " << theirs.dump();
  NoGradGuard no_grad;
  for (size_t i = 0; i < mine.size(); ++i) {
    const std::string name = theirs[i].at("name");
    const Shape shape = theirs[i].at("shape").get<Shape>();
    if (mine[i].first != name || mine[i].second.shape() != shape)
      return ::testing::AssertionFailure()
             << "parameter " << i << " is " << mine[i].first << shape_str(mine[i].second.shape())
             << "; PyTorch's is " << name << shape_str(shape) << " (yours, in order:" << list
             << ")";
    Tensor p = mine[i].second;
    const Tensor src = tensor_of(c, name);
    std::copy(src.data(), src.data() + src.numel(), p.data());
  }
  return ::testing::AssertionSuccess();
}

void expect_parameter_grads(const nn::Module& m, const json& c) {
  for (const auto& [name, p] : m.named_parameters())
    EXPECT_TRUE(Matches(p.grad(), tensor_of(c, "grad_" + name), "dL/d" + name));
}

nn::RecurrentCellOptions cell_options(const json& c) {
  return nn::RecurrentCellOptions(c.at("input_size"), c.at("hidden_size")).bias(c.at("bias"));
}

nn::RecurrentOptions layer_options(const json& c) {
  return nn::RecurrentOptions(c.at("input_size"), c.at("hidden_size"))
      .num_layers(c.at("num_layers"))
      .bidirectional(c.at("bidirectional"));
}

// ---- PyTorch ---------------------------------------------------------------------------------

TEST(PyTorch, GRUCellOutputAndGradients) {
  const json fixture = load_exercise_fixture("01_gru/fixtures/gru.json");
  for (const json& c : fixture.at("cases")) {
    if (c.at("kind") != "cell") continue;
    SCOPED_TRACE("GRUCell(" + c.at("input_size").dump() + ", " + c.at("hidden_size").dump() +
                 ", bias " + c.at("bias").dump() + ")");
    GRUCell cell(cell_options(c));
    ASSERT_TRUE(load_by_name(cell, c));
    Tensor x = tensor_of(c, "x", true), h = tensor_of(c, "h", true);
    const Tensor h1 = cell(x, h);
    ASSERT_TRUE(Matches(h1, tensor_of(c, "h1"), "h'"));
    (h1 * tensor_of(c, "grad_out")).sum().backward();
    EXPECT_TRUE(Matches(x.grad(), tensor_of(c, "grad_x"), "dL/dx"));
    EXPECT_TRUE(Matches(h.grad(), tensor_of(c, "grad_h"), "dL/dh"));
    expect_parameter_grads(cell, c);
  }
}

TEST(PyTorch, GRULayerOutputStateAndGradients) {
  const json fixture = load_exercise_fixture("01_gru/fixtures/gru.json");
  for (const json& c : fixture.at("cases")) {
    if (c.at("kind") != "layer") continue;
    SCOPED_TRACE("GRU(" + c.at("input_size").dump() + ", " + c.at("hidden_size").dump() +
                 ", num_layers " + c.at("num_layers").dump() + ", bidirectional " +
                 c.at("bidirectional").dump() + ")");
    GRU gru(layer_options(c));
    ASSERT_TRUE(load_by_name(gru, c));
    Tensor x = tensor_of(c, "x", true);
    Tensor h0 = testing::has_tensor(c, "h0") ? tensor_of(c, "h0", true) : Tensor();
    const Tensor lengths =
        testing::has_tensor(c, "lengths") ? tensor_of(c, "lengths") : Tensor();
    const auto [out, h_n] = gru(x, h0, lengths);
    ASSERT_TRUE(Matches(out, tensor_of(c, "output"), "output"));
    ASSERT_TRUE(Matches(h_n, tensor_of(c, "h_n"), "h_n"));
    ((out * tensor_of(c, "grad_output")).sum() + (h_n * tensor_of(c, "grad_h_n")).sum())
        .backward();
    EXPECT_TRUE(Matches(x.grad(), tensor_of(c, "grad_x"), "dL/dx"));
    if (h0.defined()) {
      EXPECT_TRUE(Matches(h0.grad(), tensor_of(c, "grad_h0"), "dL/dh0"));
    }
    expect_parameter_grads(gru, c);
  }
}

// ---- gradient checks -------------------------------------------------------------------------

TEST(Gradient, GruCellWithAndWithoutMask) {
  manual_seed(1);
  const int64_t B = 3, H = 4;
  std::vector<Tensor> in = {Tensor::randn({B, 3 * H}, true), Tensor::randn({B, H}, true),
                            Tensor::randn({3 * H, H}, true), Tensor::randn({3 * H}, true)};
  const std::vector<std::string> names = {"gx", "h", "w_hh", "b_hh"};
  EXPECT_TRUE(GradientsAgree([](const std::vector<Tensor>& v) {
    return gru_cell(v[0], v[1], v[2], v[3]);
  }, in, names));
  const Tensor mask = Tensor::from_vector({1, 0, 1}, {B});
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) {
    return gru_cell(v[0], v[1], v[2], v[3], mask);
  }, in, names));
}

TEST(Gradient, TwoLayerBidirectionalGRUWithLengths) {
  manual_seed(2);
  GRU gru(nn::RecurrentOptions(3, 4).num_layers(2).bidirectional(true));
  const Tensor lengths = Tensor::from_vector({3, 1}, {2});
  std::vector<Tensor> in = {Tensor::randn({2, 3, 3}, true), Tensor::randn({4, 2, 4}, true),
                            gru.weight_hh[0], gru.weight_ih[3], gru.bias_hh[1], gru.bias_ih[2]};
  EXPECT_TRUE(GradientsAgree([&](const std::vector<Tensor>& v) {
    const auto [out, h_n] = gru(v[0], v[1], lengths);
    return concat({out.reshape({-1}), h_n.reshape({-1})}, 0);
  }, in, {"x", "h0", "weight_hh_l0", "weight_ih_l1_reverse", "bias_hh_l0_reverse", "bias_ih_l1"}));
}

// ---- behaviour -------------------------------------------------------------------------------

// The gate rows of b_hh for the update gate z are [H, 2H).
Tensor with_update_bias(int64_t H, real value) {
  std::vector<real> b(3 * H, 0);
  for (int64_t i = H; i < 2 * H; ++i) b[i] = value;
  return Tensor::from_vector(b, {3 * H});
}

TEST(Behaviour, UpdateGateAtOneKeepsTheStateAtZeroTakesTheCandidate) {
  manual_seed(3);
  const int64_t B = 2, H = 3;
  const Tensor gx = Tensor::randn({B, 3 * H}), h = Tensor::randn({B, H}),
               w_hh = Tensor::randn({3 * H, H});
  // z = sigmoid(60) = 1 to 1e-26: h' = h.
  EXPECT_TRUE(Matches(gru_cell(gx, h, w_hh, with_update_bias(H, 60)), h,
                      "h' with the update gate z = 1 (should be h)", 1e-12));
  // z = 0: h' = n = tanh(gx_n + r * (h W_hn^T)), with r = sigmoid(gx_r + h W_hr^T).
  const Tensor gh = matmul(h, w_hh.transpose(0, 1));
  const Tensor r = sigmoid(gx.slice(1, 0, H) + gh.slice(1, 0, H));
  const Tensor n = tanh(gx.slice(1, 2 * H, 3 * H) + r * gh.slice(1, 2 * H, 3 * H));
  EXPECT_TRUE(Matches(gru_cell(gx, h, w_hh, with_update_bias(H, -60)), n,
                      "h' with the update gate z = 0 (should be the candidate n)", 1e-12));
  // A masked row keeps its state whatever the gates say.
  const Tensor h1 = gru_cell(gx, h, w_hh, Tensor(), Tensor::from_vector({0, 1}, {B}));
  EXPECT_TRUE(Matches(h1.slice(0, 0, 1), h.slice(0, 0, 1), "h' of a row with mask 0", 0));
}

TEST(Behaviour, NothingChangesPastASequencesLength) {
  manual_seed(4);
  GRU gru(nn::RecurrentOptions(2, 3));
  const Tensor x = Tensor::randn({2, 5, 2});
  const auto [out, h_n] = gru(x, Tensor(), Tensor::from_vector({5, 2}, {2}));
  // Row 1 alone, cut to its 2 steps: the same last state, the same first two outputs.
  const auto [out1, h_n1] = gru(x.slice(0, 1, 2).slice(1, 0, 2));
  EXPECT_TRUE(Matches(h_n.slice(1, 1, 2), h_n1, "h_n of a row of length 2 in a batch of 5 steps"));
  EXPECT_TRUE(Matches(out.slice(0, 1, 2).slice(1, 0, 2), out1, "output of that row's 2 steps"));
  EXPECT_TRUE(Matches(out.slice(0, 1, 2).slice(1, 2, 5), Tensor::zeros({1, 3, 3}),
                      "output past that row's length (should be 0)", 0));
}

TEST(Behaviour, CellSteppedThroughTheSharedLoopIsTheLayer) {
  // What a seq2seq decoder does with a cell: input_gates, then step after step.
  manual_seed(5);
  GRUCell cell(nn::RecurrentCellOptions(3, 4));
  GRU gru(nn::RecurrentOptions(3, 4));
  {
    NoGradGuard no_grad;
    for (auto [dst, src] : {std::pair{gru.weight_ih[0], cell.weight_ih},
                            std::pair{gru.weight_hh[0], cell.weight_hh},
                            std::pair{gru.bias_ih[0], cell.bias_ih},
                            std::pair{gru.bias_hh[0], cell.bias_hh}})
      std::copy(src.data(), src.data() + src.numel(), dst.data());
  }
  const Tensor x = Tensor::randn({2, 4, 3}), h0 = Tensor::randn({2, 4});
  const nn::RecurrentSequence seq = nn::run_cell_over_time(cell, cell.input_gates(x), {h0});
  const auto [out, h_n] = gru(x, h0.reshape({1, 2, 4}));
  EXPECT_TRUE(Matches(seq.out, out, "GRUCell stepped over 4 steps vs GRU's output"));
  EXPECT_TRUE(Matches(cell(x.slice(1, 0, 1).squeeze(1), h0), out.slice(1, 0, 1).squeeze(1),
                      "GRUCell(x_0, h0) vs GRU's first output"));
}

TEST(Behaviour, PyTorchNamesShapesAndInit) {
  manual_seed(6);
  const int64_t H = 16;
  GRU gru(nn::RecurrentOptions(3, H).num_layers(2).bidirectional(true));
  std::vector<std::string> expected;
  for (std::string l : {"_l0", "_l1"})
    for (std::string d : {"", "_reverse"})
      for (std::string n : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
        expected.push_back(n + l + d);
  const nn::NamedTensors mine = gru.named_parameters();
  ASSERT_EQ(mine.size(), expected.size()) << "GRU(3, 16, num_layers 2, bidirectional): "
                                          << "PyTorch registers 16 parameters";
  const double k = 1 / std::sqrt(double(H));
  for (size_t i = 0; i < mine.size(); ++i) {
    const auto& [name, p] = mine[i];
    EXPECT_EQ(name, expected[i]) << "parameter " << i;
    const bool ih = name.rfind("weight_ih", 0) == 0, w = name[0] == 'w';
    const int64_t in = name.find("_l0") != std::string::npos ? 3 : 2 * H;
    const Shape shape = w ? Shape{3 * H, ih ? in : H} : Shape{3 * H};
    EXPECT_EQ(p.shape(), shape) << name << ": shape " << shape_str(p.shape()) << ", expected "
                                << shape_str(shape);
    double lo = 1e9, hi = -1e9;
    for (real v : p.to_vector()) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
    EXPECT_TRUE(lo >= -k && hi <= k && hi - lo > k) << name << " spans [" << lo << ", " << hi
                                                    << "]; expected U(-1/sqrt(H), 1/sqrt(H)) = U("
                                                    << -k << ", " << k << ")";
  }
  GRUCell cell(nn::RecurrentCellOptions(3, 4).bias(false));
  EXPECT_EQ(cell.named_parameters().size(), 2u) << "GRUCell without bias: weight_ih, weight_hh";
}

// ---- errors ----------------------------------------------------------------------------------

TEST(Errors, WrongShapesNameTheLayer) {
  GRUCell cell(nn::RecurrentCellOptions(3, 4));
  GRU gru(nn::RecurrentOptions(3, 4));
  EXPECT_TRUE(testing::ThrowsWith([&] { cell(Tensor::zeros({2, 5})); }, {"GRUCell", "[2,5]"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { cell(Tensor::zeros({2, 3}), Tensor::zeros({2, 3})); },
                                  {"GRUCell", "[2,3]"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { gru(Tensor::zeros({2, 3})); }, {"GRU", "[2,3]"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { gru(Tensor::zeros({2, 5, 3}), Tensor::zeros({2, 2, 4})); },
                                  {"GRU", "h0", "[2,2,4]"}));
  EXPECT_TRUE(testing::ThrowsWith(
      [&] { gru_cell(Tensor::zeros({2, 12}), Tensor::zeros({2, 4}), Tensor::zeros({4, 4}), Tensor()); },
      {"gru_cell", "w_hh"}));
}

}  // namespace
}  // namespace attn::exercises
