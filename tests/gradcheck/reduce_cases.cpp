// Gradient checks of the reductions mean, var and max: all dims and chosen
// dims, keepdim both ways, negative dims, odd sizes, and size-1 dims.
#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
// max: no ties, so the argmax does not move when an input is nudged by eps.
void distinct0(X& x) {
  distinct_values(x[0]);
}

std::vector<GradcheckCase> cases() {
  return {
      {"mean_all_1", {{1}}, [](const X& x) { return mean(x[0]); }},
      {"mean_all_3x7", {{3, 7}}, [](const X& x) { return mean(x[0]); }},
      {"mean_method_all_2x3x7", {{2, 3, 7}}, [](const X& x) { return x[0].mean(); }},
      {"mean_dim0_3x7", {{3, 7}}, [](const X& x) { return mean(x[0], {0}); }},
      {"mean_dim_neg1_keep_2x3x7", {{2, 3, 7}}, [](const X& x) { return mean(x[0], {-1}, true); }},
      {"mean_dims_0_2_17x3x7",
       {{17, 3, 7}},
       [](const X& x) {
         return mean(x[0], {0, 2});
       }},
      {"mean_dims_0_2_keep_17x3x7",
       {{17, 3, 7}},
       [](const X& x) {
         return mean(x[0], {2, 0}, true);
       }},
      {"mean_size1_dim_3x1x7", {{3, 1, 7}}, [](const X& x) { return mean(x[0], {1}); }},
      {"var_all_17", {{17}}, [](const X& x) { return var(x[0], {}); }},
      {"var_all_unbiased_3x7", {{3, 7}}, [](const X& x) { return var(x[0], {}, true); }},
      {"var_dim1_3x7", {{3, 7}}, [](const X& x) { return var(x[0], {1}); }},
      {"var_dim1_unbiased_keep_3x7",
       {{3, 7}},
       [](const X& x) { return var(x[0], {1}, true, true); }},
      {"var_dim0_keep_7x3", {{7, 3}}, [](const X& x) { return var(x[0], {0}, false, true); }},
      {"var_dims_neg1_0_2x3x7",
       {{2, 3, 7}},
       [](const X& x) {
         return var(x[0], {-1, 0}, true);
       }},
      {"var_dim_neg2_keep_3x17x1",
       {{3, 17, 1}},
       [](const X& x) { return var(x[0], {-2}, false, true); }},
      // Far from 0: a mean that dwarfs the spread must not cost the gradient accuracy.
      {"var_offset_dim1_3x7", {{3, 7}}, [](const X& x) { return var(x[0] + 100.0, {1}); }},
      {"max_dim1_3x7", {{3, 7}}, [](const X& x) { return max(x[0], 1); }, {}, distinct0},
      {"max_dim0_keep_7x3", {{7, 3}}, [](const X& x) { return max(x[0], 0, true); }, {}, distinct0},
      {"max_dim_neg1_2x3x17",
       {{2, 3, 17}},
       [](const X& x) { return max(x[0], -1); },
       {},
       distinct0},
      {"max_dim1_keep_2x3x7",
       {{2, 3, 7}},
       [](const X& x) { return x[0].max(1, true); },
       {},
       distinct0},
      {"max_dim_neg3_2x3x7", {{2, 3, 7}}, [](const X& x) { return max(x[0], -3); }, {}, distinct0},
      {"max_size1_dim_3x1", {{3, 1}}, [](const X& x) { return max(x[0], 1); }, {}, distinct0},
      {"max_1", {{1}}, [](const X& x) { return max(x[0], 0); }},
      // A reduction inside an expression: normalise each row by its max and var.
      {"row_norm_3x7",
       {{3, 7}},
       [](const X& x) { return (x[0] - max(x[0], 1, true)) / (var(x[0], {1}, false, true) + 1.0); },
       {},
       distinct0},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
