#pragma once
// Elementwise arithmetic with NumPy broadcasting, and elementwise math.
// Shapes: a [..], b [..] broadcastable -> out = broadcast_shapes(a, b).
// The backward of a broadcast input sums the gradient over the broadcast
// dimensions (sum_to), since one input element fed many outputs.
#include "autograd/tensor.h"

namespace attn {

Tensor add(const Tensor& a, const Tensor& b);  // a + b
Tensor sub(const Tensor& a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, const Tensor& b);  // a * b
Tensor div(const Tensor& a, const Tensor& b);  // a / b
Tensor neg(const Tensor& a);                   // -a
Tensor pow(const Tensor& a, real exponent);    // a^p
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);                      // d|a|/da = sign(a), 0 at 0
Tensor clamp(const Tensor& a, real lo, real hi);  // gradient 1 inside [lo, hi], 0 outside

}  // namespace attn
