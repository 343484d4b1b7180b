// Gradient checks of the elementwise ops, with broadcasting and odd sizes.
#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
void pos0(X& x) {
  make_positive(x[0]);
}
void pos1(X& x) {
  make_positive(x[1]);
}

std::vector<GradcheckCase> cases() {
  return {
      {"add_same_3x7", {{3, 7}, {3, 7}}, [](const X& x) { return x[0] + x[1]; }},
      {"add_broadcast_3x1x7_7", {{3, 1, 7}, {7}}, [](const X& x) { return x[0] + x[1]; }},
      {"add_broadcast_both_17x1_1x3", {{17, 1}, {1, 3}}, [](const X& x) { return x[0] + x[1]; }},
      {"add_scalar_tensor", {{}, {3, 7}}, [](const X& x) { return x[0] + x[1]; }},
      {"sub_broadcast_7x3_3", {{7, 3}, {3}}, [](const X& x) { return x[0] - x[1]; }},
      {"sub_1", {{1}, {1}}, [](const X& x) { return x[0] - x[1]; }},
      {"mul_same_17", {{17}, {17}}, [](const X& x) { return x[0] * x[1]; }},
      {"mul_broadcast_2x3x7_3x1", {{2, 3, 7}, {3, 1}}, [](const X& x) { return x[0] * x[1]; }},
      {"mul_self", {{3, 7}}, [](const X& x) { return x[0] * x[0]; }},
      {"div_broadcast_3x7_7", {{3, 7}, {7}}, [](const X& x) { return x[0] / x[1]; }, {}, pos1},
      {"div_1x17_17x1", {{1, 17}, {17, 1}}, [](const X& x) { return x[0] / x[1]; }, {}, pos1},
      {"neg_3x7", {{3, 7}}, [](const X& x) { return -x[0]; }},
      {"pow_3_7", {{7}}, [](const X& x) { return pow(x[0], 3); }},
      {"pow_half_3x7", {{3, 7}}, [](const X& x) { return pow(x[0], 0.5); }, {}, pos0},
      {"exp_3x7", {{3, 7}}, [](const X& x) { return exp(x[0]); }},
      {"log_17", {{17}}, [](const X& x) { return log(x[0]); }, {}, pos0},
      {"sqrt_3x7", {{3, 7}}, [](const X& x) { return sqrt(x[0]); }, {}, pos0},
      {"abs_3x7", {{3, 7}}, [](const X& x) { return abs(x[0]); }, {.kinks = {0.0}}},
      {"clamp_17",
       {{17}},
       [](const X& x) { return clamp(x[0], -0.5, 0.7); },
       {.kinks = {-0.5, 0.7}}},
      {"expr_reuse_3x7",
       {{3, 7}, {7}},
       [](const X& x) { return (x[0] * x[1] + x[0]) / (x[1] * x[1] + 1.0); }},
      {"sum_all_3x7", {{3, 7}}, [](const X& x) { return sum(x[0]); }},
      {"sum_dim1_keep_3x7x2", {{3, 7, 2}}, [](const X& x) { return sum(x[0], {1}, true); }},
      {"sum_dims_0_2_3x7x2",
       {{3, 7, 2}},
       [](const X& x) {
         return sum(x[0], {0, -1});
       }},
      {"sum_to_3x7_to_7", {{3, 7}}, [](const X& x) { return sum_to(x[0], {7}); }},
      {"expand_3x1_to_2x3x7",
       {{3, 1}},
       [](const X& x) {
         return expand(x[0], {2, 3, 7});
       }},
      {"reshape_3x7_to_7x3",
       {{3, 7}},
       [](const X& x) {
         return reshape(x[0], {7, -1}) * 2.0;
       }},
      {"flatten_2x3x7", {{2, 3, 7}}, [](const X& x) { return flatten(x[0], 1); }},
      {"squeeze_unsqueeze_3x1x7",
       {{3, 1, 7}},
       [](const X& x) { return unsqueeze(squeeze(x[0], 1), 0); }},
      {"clone_3x7", {{3, 7}}, [](const X& x) { return x[0].clone() * x[0]; }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
