// Gradient checks of spectral normalisation: weight_orig / sigma with sigma = u^T W_mat v,
// through sigma as well as the division, for a convolution's 4-D weight and a linear layer's
// (wide and tall), and the SNConv2d / SNLinear modules w.r.t. input, weight_orig and bias.
// u and v are fixed vectors here: the power-iteration step makes them functions of W that
// the graph treats as constants (PyTorch's choice too), which central differences of W would
// see, so the rows run without the step (evaluation mode); the step itself is held to
// PyTorch by tests/unit/test_parity_sagan_layers.cpp.
#include <cmath>

#include "gradcheck/gradcheck_case.h"
#include "layers/spectral_norm.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// A fixed unit vector of length n, no two alike (phase tells them apart).
Tensor unit_vector(int64_t n, double phase) {
  std::vector<real> a(n);
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) {
    a[i] = static_cast<real>(std::sin(1.3 * double(i) + phase) + 0.2);
    ss += double(a[i]) * a[i];
  }
  for (real& ai : a) ai = static_cast<real>(ai / std::sqrt(ss));
  return Tensor::from_vector(a, {n});
}

// weight_orig / sigma for the row's weight, with fixed u [h] and v [w].
Tensor normalized(const X& x) {
  const int64_t h = x[0].size(0), w = x[0].numel() / h;
  Tensor u = unit_vector(h, 0.3), v = unit_vector(w, 1.1);
  return nn::spectral_normalize(x[0], u, v, /*update=*/false);
}

// The modules in evaluation mode, their parameters pointed at the row's inputs and their
// u, v set to fixed vectors.
Tensor sn_conv_module(const X& x) {
  nn::SNConv2d c(nn::Conv2dOptions(x[1].size(1), x[1].size(0), {x[1].size(2), x[1].size(3)})
                     .stride(2)
                     .padding(1));
  c.weight_orig = x[1];
  c.bias = x[2];
  c.weight_u.copy_(unit_vector(c.weight_u.numel(), 0.3));
  c.weight_v.copy_(unit_vector(c.weight_v.numel(), 1.1));
  c.eval();
  return c(x[0]);
}

Tensor sn_linear_module(const X& x) {
  nn::SNLinear fc(nn::LinearOptions(x[1].size(1), x[1].size(0)));
  fc.weight_orig = x[1];
  fc.bias = x[2];
  fc.weight_u.copy_(unit_vector(fc.weight_u.numel(), 0.3));
  fc.weight_v.copy_(unit_vector(fc.weight_v.numel(), 1.1));
  fc.eval();
  return fc(x[0]);
}

std::vector<GradcheckCase> cases() {
  return {
      {"spectral_normalize_conv_weight_4x3x2x2", {{4, 3, 2, 2}}, normalized},
      {"spectral_normalize_linear_wide_3x7", {{3, 7}}, normalized},
      {"spectral_normalize_linear_tall_6x2", {{6, 2}}, normalized},
      {"sn_conv2d_module_eval_4x4_stride2_pad1_b2",
       {{2, 2, 5, 5}, {3, 2, 4, 4}, {3}},
       sn_conv_module},
      {"sn_linear_module_eval_b4_5_to_3", {{4, 5}, {3, 5}, {3}}, sn_linear_module},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
