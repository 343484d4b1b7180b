// Gradient checks of matmul: 2-D, batched, broadcast batches, vectors, and
// sizes on either side of the GEMM's register and vector blocks (16, 32).
#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
Tensor mm(const X& x) {
  return matmul(x[0], x[1]);
}
void const_b(X& x) {
  x[1].requires_grad_(false);
}
void const_a(X& x) {
  x[0].requires_grad_(false);
}

// matmul is linear in each operand (quadratic in x for x x), so central
// differences are exact at any step; a large step keeps the rounding of L
// (a sum over hundreds of outputs) far below the tolerance: with eps 1e-6 it
// alone is ~1e-8 and would blur the check.
const GradcheckOptions kExact{.eps = 1e-3};

std::vector<GradcheckCase> cases() {
  return {
      // 2-D
      {"matmul_3x7_7x1", {{3, 7}, {7, 1}}, mm, kExact},
      {"matmul_1x17_17x3", {{1, 17}, {17, 3}}, mm, kExact},
      {"matmul_15x17_17x33", {{15, 17}, {17, 33}}, mm, kExact},
      {"matmul_33x31_31x16", {{33, 31}, {31, 16}}, mm, kExact},
      {"matmul_17x32_32x15", {{17, 32}, {32, 15}}, mm, kExact},
      // batched: a shared B (as in a Linear layer), both batched
      {"matmul_2x3x7_7x5", {{2, 3, 7}, {7, 5}}, mm, kExact},
      {"matmul_2x3x7_2x7x5", {{2, 3, 7}, {2, 7, 5}}, mm, kExact},
      {"matmul_3x7_2x7x5_shared_a", {{3, 7}, {2, 7, 5}}, mm, kExact},
      // broadcast batch dimensions: the gradient of the broadcast operand sums
      {"matmul_1x3x7_4x7x5", {{1, 3, 7}, {4, 7, 5}}, mm, kExact},
      {"matmul_4x1x3x7_5x7x2", {{4, 1, 3, 7}, {5, 7, 2}}, mm, kExact},
      {"matmul_2x1x3x7_1x3x7x2", {{2, 1, 3, 7}, {1, 3, 7, 2}}, mm, kExact},
      {"matmul_3x2x17x5_2x5x33", {{3, 2, 17, 5}, {2, 5, 33}}, mm, kExact},
      // vectors, promoted as torch does
      {"matmul_vec7_vec7", {{7}, {7}}, mm, kExact},
      {"matmul_vec7_7x3", {{7}, {7, 3}}, mm, kExact},
      {"matmul_3x7_vec7", {{3, 7}, {7}}, mm, kExact},
      {"matmul_vec7_2x7x3", {{7}, {2, 7, 3}}, mm, kExact},
      {"matmul_2x3x7_vec7", {{2, 3, 7}, {7}}, mm, kExact},
      {"matmul_vec33_33x17", {{33}, {33, 17}}, mm, kExact},
      // only one side requires grad; the same tensor on both sides
      {"matmul_const_b_2x3x7_7x5", {{2, 3, 7}, {7, 5}}, mm, kExact, const_b},
      {"matmul_const_a_3x7_2x7x5", {{3, 7}, {2, 7, 5}}, mm, kExact, const_a},
      {"matmul_self_5x5", {{5, 5}}, [](const X& x) { return matmul(x[0], x[0]); }, kExact},
      // in an expression: the gradient of matmul feeds and is fed by others
      {"matmul_chain_4x6_6x5_5x3",
       {{4, 6}, {6, 5}, {5, 3}},
       [](const X& x) { return matmul(matmul(x[0], x[1]) * x[0].sum(), x[2]); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
