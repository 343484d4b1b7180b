#pragma once
// ramp(shape): a tensor holding 0, 1, 2, ... in row-major order, so a test can tell where
// every element of a reshaped, sliced or gathered result came from.
#include <cstddef>
#include <vector>

#include "autograd/tensor.h"

namespace attn::testing {

inline Tensor ramp(const Shape& s, bool requires_grad = false) {
  std::vector<real> v(static_cast<std::size_t>(numel(s)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<real>(i);
  return Tensor::from_vector(v, s, requires_grad);
}

}  // namespace attn::testing
