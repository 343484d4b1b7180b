#pragma once
// AllClose: compares two tensors elementwise with |a - b| <= atol + rtol |b|,
// and on failure reports the shapes, the number of mismatches, the first few
// (index, a, b) and the largest difference.
//   EXPECT_TRUE(AllClose(out, expected, 1e-5, 1e-6));
#include <gtest/gtest.h>

#include <vector>

#include "autograd/tensor.h"

namespace attn::testing {

::testing::AssertionResult AllClose(const Tensor& actual, const Tensor& expected,
                                    double rtol = 1e-5, double atol = 1e-6);
::testing::AssertionResult AllClose(const std::vector<real>& actual,
                                    const std::vector<real>& expected, double rtol = 1e-5,
                                    double atol = 1e-6);

}  // namespace attn::testing
