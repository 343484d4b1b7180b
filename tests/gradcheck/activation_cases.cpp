// Gradient checks of the activations: odd sizes, wide input ranges (where
// tanh and sigmoid saturate), and relu and leaky_relu with their kink at 0 kept out of reach.
#include "gradcheck/gradcheck_case.h"
#include "layers/activation_modules.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// Spreads N(0,1) inputs to N(0, s^2): reaches the flat tails of tanh/sigmoid/gelu.
void widen(Tensor& t, real s) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= s;
}
void wide0(X& x) {
  widen(x[0], 4);
}
void off_kink0(X& x) {
  away_from(x[0], 0.0);
}

std::vector<GradcheckCase> cases() {
  return {
      {"tanh_1", {{1}}, [](const X& x) { return tanh(x[0]); }},
      {"tanh_3x7", {{3, 7}}, [](const X& x) { return tanh(x[0]); }},
      {"tanh_wide_2x3x17", {{2, 3, 17}}, [](const X& x) { return tanh(x[0]); }, {}, wide0},
      {"tanh_method_scalar", {{}}, [](const X& x) { return x[0].tanh(); }},
      {"sigmoid_1", {{1}}, [](const X& x) { return sigmoid(x[0]); }},
      {"sigmoid_3x7", {{3, 7}}, [](const X& x) { return sigmoid(x[0]); }},
      {"sigmoid_wide_17x3", {{17, 3}}, [](const X& x) { return sigmoid(x[0]); }, {}, wide0},
      {"relu_1", {{1}}, [](const X& x) { return relu(x[0]); }, {.kinks = {0.0}}, off_kink0},
      {"relu_3x7", {{3, 7}}, [](const X& x) { return relu(x[0]); }, {.kinks = {0.0}}, off_kink0},
      {"relu_2x3x17",
       {{2, 3, 17}},
       [](const X& x) { return x[0].relu(); },
       {.kinks = {0.0}},
       off_kink0},
      {"leaky_relu_0p2_3x7",
       {{3, 7}},
       [](const X& x) { return leaky_relu(x[0], 0.2); },
       {.kinks = {0.0}},
       off_kink0},
      {"leaky_relu_default_method_2x3x17",
       {{2, 3, 17}},
       [](const X& x) { return x[0].leaky_relu(); },
       {.kinks = {0.0}},
       off_kink0},
      {"leaky_relu_module_0p2_17",
       {{17}},
       [](const X& x) { return nn::LeakyReLU(0.2)(x[0]); },
       {.kinks = {0.0}},
       off_kink0},
      {"gelu_1", {{1}}, [](const X& x) { return gelu(x[0]); }},
      {"gelu_3x7", {{3, 7}}, [](const X& x) { return gelu(x[0]); }},
      {"gelu_wide_17", {{17}}, [](const X& x) { return gelu(x[0]); }, {}, wide0},
      // Chains: each backward feeds the next, and x is used twice.
      {"tanh_of_sigmoid_times_x_3x7",
       {{3, 7}},
       [](const X& x) { return tanh(sigmoid(x[0]) * x[0]); }},
      {"gelu_of_tanh_plus_b_7x3",
       {{7, 3}, {3}},
       [](const X& x) { return gelu(tanh(x[0]) + x[1]); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
