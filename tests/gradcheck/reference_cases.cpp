// Gradient checks of the reading versions (autograd/ops/reference/): their hand-written
// backward loops against central differences, so that they can serve as oracles.
#include <limits>

#include "autograd/ops/reference/matmul.h"
#include "autograd/ops/reference/softmax.h"
#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
Tensor mm(const X& x) {
  return reference_matmul(x[0], x[1]);
}
void mask_some0(X& x) {  // every fourth entry -inf, as masked_fill writes
  for (int64_t i = 0; i < x[0].numel(); i += 4)
    x[0].data()[i] = -std::numeric_limits<real>::infinity();
}

// Linear in each operand, so central differences are exact at a large step (see
// matmul_cases.cpp).
const GradcheckOptions kExact{.eps = 1e-3};

std::vector<GradcheckCase> cases() {
  return {
      {"reference_matmul_3x7_7x5", {{3, 7}, {7, 5}}, mm, kExact},
      {"reference_matmul_2x3x7_2x7x5", {{2, 3, 7}, {2, 7, 5}}, mm, kExact},
      {"reference_matmul_4x1x3x7_5x7x2", {{4, 1, 3, 7}, {5, 7, 2}}, mm, kExact},
      {"reference_matmul_vec7_2x7x3", {{7}, {2, 7, 3}}, mm, kExact},
      {"reference_matmul_3x7_vec7", {{3, 7}, {7}}, mm, kExact},
      {"reference_softmax_dim1_2x3x7",
       {{2, 3, 7}},
       [](const X& x) { return reference_softmax(x[0], 1); }},
      {"reference_softmax_dim_neg1_3x17",
       {{3, 17}},
       [](const X& x) { return reference_softmax(x[0], -1); }},
      {"reference_softmax_masked_dim0_7x3",
       {{7, 3}},
       [](const X& x) { return reference_softmax(x[0], 0); },
       {},
       mask_some0},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
