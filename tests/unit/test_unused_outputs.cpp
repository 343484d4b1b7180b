// Ops with several outputs (record_multi) whose loss uses only some of them. The engine
// passes an unused output's gradient as an undefined tensor (autograd/node.h), and every
// multi-output backward must read it as zero: the gradients must equal those of the same
// loss with the unused output added in at weight 0, where the engine hands over a real
// gradient of zeros.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "layers/additive_attention.h"
#include "layers/lstm_cell_fused.h"
#include "layers/rnn.h"
#include "layers/scaled_dot_product.h"

namespace attn {
namespace {

using attn::testing::AllClose;

TEST(UnusedOutputs, TheEnginePassesAnUnusedOutputsGradientUndefined) {
  Tensor x = Tensor::randn({3}, true);
  bool first_defined = false, second_defined = true;
  auto outs = record_multi("two_copies", {x.detach().clone(), x.detach().clone()}, {x},
                           [&](const std::vector<Tensor>& g) {
                             first_defined = g[0].defined();
                             second_defined = g[1].defined();
                             return std::vector<Tensor>{g[0]};
                           });
  outs[0].sum().backward();
  EXPECT_TRUE(first_defined);
  EXPECT_FALSE(second_defined);
  EXPECT_TRUE(AllClose(x.grad(), Tensor::ones({3}), 0, 0));
}

// The gradients of `inputs` for loss(outputs) + 0 * sum(unused outputs) (every gradient
// defined) and for loss(outputs) alone (the unused ones undefined) must agree exactly.
using Outputs = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
void expect_same_gradients(std::vector<Tensor> inputs, const Outputs& f,
                           const std::vector<size_t>& used) {
  std::vector<std::vector<Tensor>> grads(2);
  for (int with_zero_weight = 0; with_zero_weight < 2; ++with_zero_weight) {
    for (Tensor& t : inputs) t.zero_grad();
    const std::vector<Tensor> outs = f(inputs);
    Tensor loss = Tensor::zeros({});
    for (size_t i = 0; i < outs.size(); ++i) {
      const bool is_used = std::find(used.begin(), used.end(), i) != used.end();
      // A fixed, uneven weighting so that no gradient is accidentally symmetric.
      if (is_used) loss = loss + (outs[i] * outs[i]).sum() * real(0.5 + 0.25 * i);
      else if (with_zero_weight) loss = loss + outs[i].sum() * real(0);
    }
    loss.backward();
    for (const Tensor& t : inputs) grads[with_zero_weight].push_back(t.grad().clone());
  }
  for (size_t k = 0; k < inputs.size(); ++k)
    EXPECT_TRUE(AllClose(grads[0][k], grads[1][k], 0, 1e-6)) << "input " << k;
}

TEST(UnusedOutputs, AttentionWithOnlyTheOutputOrOnlyTheWeights) {
  manual_seed(11);
  std::vector<Tensor> qkv{Tensor::randn({2, 3, 4}, true), Tensor::randn({2, 5, 4}, true),
                          Tensor::randn({2, 5, 6}, true)};
  const Outputs f = [](const std::vector<Tensor>& x) {
    auto r = nn::multi_head_scaled_dot_product_attention(x[0], x[1], x[2], 2, {}, 0.0);
    return std::vector<Tensor>{r.output, r.weights};
  };
  expect_same_gradients(qkv, f, {0});
  expect_same_gradients(qkv, f, {1});
}

TEST(UnusedOutputs, AdditiveAttentionWithOnlyTheContextOrOnlyTheWeights) {
  manual_seed(12);
  std::vector<Tensor> in{Tensor::randn({2, 4}, true), Tensor::randn({2, 3, 4}, true),
                         Tensor::randn({4}, true), Tensor::randn({2, 3, 5}, true)};
  const Outputs f = [](const std::vector<Tensor>& x) {
    auto r = nn::additive_attention_fused(x[0], x[1], x[2], x[3]);
    return std::vector<Tensor>{r.output, r.weights};
  };
  expect_same_gradients(in, f, {0});
  expect_same_gradients(in, f, {1});
}

TEST(UnusedOutputs, LstmCellAndSequenceWithOneStateUnused) {
  manual_seed(13);
  const int64_t B = 2, T = 3, H = 4;
  std::vector<Tensor> cell{Tensor::randn({B, 4 * H}, true), Tensor::randn({B, H}, true),
                           Tensor::randn({B, H}, true), Tensor::randn({4 * H, H}, true)};
  const Outputs step = [](const std::vector<Tensor>& x) {
    auto [h1, c1] = nn::lstm_cell_fused(x[0], x[1], x[2], x[3]);
    return std::vector<Tensor>{h1, c1};
  };
  expect_same_gradients(cell, step, {0});
  expect_same_gradients(cell, step, {1});

  std::vector<Tensor> seq{Tensor::randn({B, T, 4 * H}, true), Tensor::randn({B, H}, true),
                          Tensor::randn({B, H}, true), Tensor::randn({4 * H, H}, true)};
  const Outputs run = [](const std::vector<Tensor>& x) {
    nn::LSTMSequence s = nn::lstm_sequence_fused(x[0], x[1], x[2], x[3]);
    return std::vector<Tensor>{s.out, s.h_n, s.c_n};
  };
  expect_same_gradients(seq, run, {0});     // the outputs only
  expect_same_gradients(seq, run, {1});     // h_n only
  expect_same_gradients(seq, run, {2});     // c_n only
  expect_same_gradients(seq, run, {0, 2});  // h_n unused
}

TEST(UnusedOutputs, UnbindWithSomeSlicesUnused) {
  manual_seed(14);
  std::vector<Tensor> x{Tensor::randn({2, 4, 3}, true)};
  const Outputs f = [](const std::vector<Tensor>& in) { return nn::unbind(in[0], 1); };
  expect_same_gradients(x, f, {1});
  expect_same_gradients(x, f, {0, 3});
}

}  // namespace
}  // namespace attn
