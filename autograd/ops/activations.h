#pragma once
// Activations, elementwise: x [..] -> y [..].
#include "autograd/tensor.h"

namespace attn {

Tensor tanh(const Tensor& x);     // dy/dx = 1 - y^2
Tensor sigmoid(const Tensor& x);  // dy/dx = y (1 - y)
Tensor relu(const Tensor& x);     // dy/dx = 1 where x > 0, else 0
// max(x, 0) + slope min(x, 0): dy/dx = 1 where x > 0, else slope (GANs' discriminators)
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor gelu(const Tensor& x);     // x * Phi(x), the exact (erf) form, as PyTorch's default

}  // namespace attn
