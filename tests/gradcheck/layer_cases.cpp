// Gradient checks of the layers, w.r.t. the input and every parameter. A row
// either calls the layer's function (nn::linear, nn::layer_norm, ...) with the
// row's inputs as its parameters, or builds the module inside the lambda and
// points its parameters at the row's inputs, so the module's own forward runs.
#include <memory>

#include "gradcheck/gradcheck_case.h"
#include "layers/activation_modules.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/flatten.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/sequential.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using std::make_shared;

// prepare: input k becomes token ids in [0, n) (a constant).
auto ids(size_t k, int64_t n) {
  return [k, n](X& x) { integer_values(x[k], n); };
}
// prepare: ids in [0, n) with a padding id at every third position.
auto ids_with_pad(size_t k, int64_t n, int64_t pad) {
  return [k, n, pad](X& x) {
    integer_values(x[k], n);
    for (int64_t i = 0; i < x[k].numel(); i += 3) x[k].data()[i] = static_cast<real>(pad);
  };
}

// Embedding with padding_idx 0: the padding row is a constant zero row (its
// gradient is held at 0 on purpose, which central differences would not see);
// rows 1..V-1 come from the input and are checked.
Tensor embed_pad0(const X& x) {
  Tensor W = concat({Tensor::zeros({1, x[0].size(1)}), x[0]}, 0);
  return nn::embedding(x[1], W, 0);
}

Tensor linear_module(const X& x) {
  nn::Linear fc(nn::LinearOptions(x[1].size(1), x[1].size(0)));
  fc.weight = x[1];
  fc.bias = x[2];
  return fc(x[0]);
}

Tensor layer_norm_module(const X& x) {
  nn::LayerNorm ln(nn::LayerNormOptions({x[1].size(0)}).eps(1e-5));
  ln.weight = x[1];
  ln.bias = x[2];
  return ln(x[0]);
}

// Linear -> Tanh -> Linear through Sequential, every parameter from the row.
Tensor mlp_sequential(const X& x) {
  nn::Sequential mlp(make_shared<nn::Linear>(nn::LinearOptions(4, 5)), make_shared<nn::Tanh>(),
                     make_shared<nn::Linear>(nn::LinearOptions(5, 3)));
  mlp.at<nn::Linear>(0).weight = x[1];
  mlp.at<nn::Linear>(0).bias = x[2];
  mlp.at<nn::Linear>(2).weight = x[3];
  mlp.at<nn::Linear>(2).bias = x[4];
  return mlp(x[0]);
}

// Dropout draws a mask; reseeding inside f gives every evaluation the same one.
Tensor dropout_fixed_mask(const X& x) {
  manual_seed(99);
  return nn::dropout(x[0], 0.3, /*training=*/true);
}

std::vector<GradcheckCase> cases() {
  const GradcheckOptions relu_kink{.kinks = {0.0}};
  return {
      // Linear: y = x W^T + b
      {"linear_5x4_to_3",
       {{5, 4}, {3, 4}, {3}},
       [](const X& x) { return nn::linear(x[0], x[1], x[2]); }},
      {"linear_2x3x4_to_5",
       {{2, 3, 4}, {5, 4}, {5}},
       [](const X& x) { return nn::linear(x[0], x[1], x[2]); }},
      {"linear_vector_4_to_3",
       {{4}, {3, 4}, {3}},
       [](const X& x) { return nn::linear(x[0], x[1], x[2]); }},
      {"linear_no_bias_7x4_to_2",
       {{7, 4}, {2, 4}},
       [](const X& x) { return nn::linear(x[0], x[1]); }},
      {"linear_module_3x4_to_5", {{3, 4}, {5, 4}, {5}}, linear_module},
      // Embedding: out[p] = E[ids[p]]; ids repeat, so the backward must add.
      {"embedding_V7_D3_ids2x4",
       {{7, 3}, {2, 4}},
       [](const X& x) { return nn::embedding(x[1], x[0]); },
       {},
       ids(1, 7)},
      {"embedding_padding0_V6_D3_ids9", {{5, 3}, {9}}, embed_pad0, {}, ids_with_pad(1, 6, 0)},
      {"embedding_times_input_V5_D4",
       {{5, 4}, {3}, {3, 4}},
       [](const X& x) { return nn::embedding(x[1], x[0]) * x[2]; },
       {},
       ids(1, 5)},
      // Dropout (training, a fixed mask) and its eval identity.
      {"dropout_p03_train_4x9", {{4, 9}}, dropout_fixed_mask},
      {"dropout_eval_4x9",
       {{4, 9}},
       [](const X& x) { return nn::dropout(x[0], 0.3, false) * 2.0; }},
      // LayerNorm, fused (the hand-written backward) and composed (the reference).
      {"layer_norm_fused_4x6",
       {{4, 6}, {6}, {6}},
       [](const X& x) { return nn::layer_norm(x[0], {6}, x[1], x[2]); }},
      {"layer_norm_fused_2x3x5_over_3x5",
       {{2, 3, 5}, {3, 5}, {3, 5}},
       [](const X& x) {
         return nn::layer_norm(x[0], {3, 5}, x[1], x[2]);
       }},
      {"layer_norm_fused_no_affine_3x7",
       {{3, 7}},
       [](const X& x) { return nn::layer_norm(x[0], {7}); }},
      {"layer_norm_fused_eps_0p1_2x4",
       {{2, 4}, {4}, {4}},
       [](const X& x) { return nn::layer_norm(x[0], {4}, x[1], x[2], 0.1); }},
      {"layer_norm_fused_weight_only_3x5",
       {{3, 5}, {5}},
       [](const X& x) { return nn::layer_norm(x[0], {5}, x[1]); }},
      {"layer_norm_composed_4x6",
       {{4, 6}, {6}, {6}},
       [](const X& x) { return nn::layer_norm_composed(x[0], {6}, x[1], x[2]); }},
      {"layer_norm_composed_2x3x5_over_3x5",
       {{2, 3, 5}, {3, 5}, {3, 5}},
       [](const X& x) {
         return nn::layer_norm_composed(x[0], {3, 5}, x[1], x[2]);
       }},
      {"layer_norm_module_2x3x8", {{2, 3, 8}, {8}, {8}}, layer_norm_module},
      // Activation modules.
      {"relu_module_3x7", {{3, 7}}, [](const X& x) { return nn::ReLU()(x[0]); }, relu_kink},
      {"tanh_module_3x7", {{3, 7}}, [](const X& x) { return nn::Tanh()(x[0]); }},
      {"sigmoid_module_3x7", {{3, 7}}, [](const X& x) { return nn::Sigmoid()(x[0]); }},
      {"gelu_module_3x7", {{3, 7}}, [](const X& x) { return nn::GELU()(x[0]); }},
      // Containers.
      {"flatten_module_2x3x4", {{2, 3, 4}}, [](const X& x) { return nn::Flatten()(x[0]) * 3.0; }},
      {"sequential_mlp_6x4_5_3", {{6, 4}, {5, 4}, {5}, {3, 5}, {3}}, mlp_sequential},
  };
}

ATTN_GRADCHECK_TABLE(cases());

// The fused LayerNorm and the composed reference, in double: the same numbers
// to ~1e-12 (they differ only in rounding), in value and every gradient.
TEST(LayerNormFusedVsComposed, AgreeInDouble) {
  manual_seed(17);
  const Shape S{3, 5};
  Tensor x = Tensor::randn({4, 3, 5}, true), w = Tensor::randn(S, true), b = Tensor::randn(S, true);
  Tensor gy = Tensor::randn({4, 3, 5});
  std::vector<std::vector<real>> got[2];
  for (int fused = 0; fused < 2; ++fused) {
    x.zero_grad(), w.zero_grad(), b.zero_grad();
    Tensor y = fused ? nn::layer_norm(x, S, w, b, 1e-5) : nn::layer_norm_composed(x, S, w, b, 1e-5);
    y.backward(gy);
    got[fused] = {y.to_vector(), x.grad().to_vector(), w.grad().to_vector(), b.grad().to_vector()};
  }
  for (size_t k = 0; k < 4; ++k)
    for (size_t i = 0; i < got[0][k].size(); ++i)
      ASSERT_NEAR(got[1][k][i], got[0][k][i], 1e-12) << "tensor " << k << " element " << i;
}

}  // namespace
}  // namespace attn::testing
