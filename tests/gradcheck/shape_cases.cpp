// Gradient checks of the ops that move data: transpose, permute, slice,
// split, concat, stack. Odd sizes, negative dims, every dim of a 3-D tensor.
#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

std::vector<GradcheckCase> cases() {
  return {
      // transpose / permute
      {"transpose_3x7", {{3, 7}}, [](const X& x) { return transpose(x[0], 0, 1); }},
      {"transpose_last_two_2x3x7", {{2, 3, 7}}, [](const X& x) { return transpose(x[0], -1, -2); }},
      {"transpose_0_2_3x1x7", {{3, 1, 7}}, [](const X& x) { return transpose(x[0], 0, 2); }},
      {"transpose_same_dim_3x7", {{3, 7}}, [](const X& x) { return x[0].transpose(1, -1); }},
      // larger than one 32x32 tile: L sums 3034 terms, so its rounding over
      // 2 eps leaves ~3e-9 of noise in each numeric derivative (hence atol)
      {"transpose_tiles_2x37x41",
       {{2, 37, 41}},
       [](const X& x) { return x[0].transpose(1, 2); },
       {.atol = 1e-8}},
      {"t_17x3", {{17, 3}}, [](const X& x) { return x[0].t(); }},
      {"permute_120_3x7x2",
       {{3, 7, 2}},
       [](const X& x) {
         return permute(x[0], {1, 2, 0});
       }},
      {"permute_201_3x7x2",
       {{3, 7, 2}},
       [](const X& x) {
         return permute(x[0], {2, 0, 1});
       }},
      {"permute_021_3x7x2",
       {{3, 7, 2}},
       [](const X& x) {
         return permute(x[0], {0, -1, 1});
       }},
      {"permute_heads_BTHD_to_BHTD",
       {{2, 3, 5, 7}},
       [](const X& x) {
         return permute(x[0], {0, 2, 1, 3});
       }},
      {"permute_reverse_2x1x3x7",
       {{2, 1, 3, 7}},
       [](const X& x) {
         return permute(x[0], {3, 2, 1, 0});
       }},
      {"permute_1_17", {{17}}, [](const X& x) { return permute(x[0], {0}); }},
      {"permute_twice_used_3x7",
       {{3, 7}},
       [](const X& x) { return transpose(x[0], 0, 1) * transpose(x[0], 0, 1); }},
      // slice
      {"slice_dim0_3x7x5", {{3, 7, 5}}, [](const X& x) { return slice(x[0], 0, 1, 3); }},
      {"slice_dim1_step2_3x7x5", {{3, 7, 5}}, [](const X& x) { return slice(x[0], 1, 0, 7, 2); }},
      {"slice_dim2_step3_3x7x5", {{3, 7, 5}}, [](const X& x) { return slice(x[0], 2, 1, 5, 3); }},
      {"slice_negative_bounds_17", {{17}}, [](const X& x) { return slice(x[0], -1, -9, -2); }},
      {"slice_end_clamped_3x7", {{3, 7}}, [](const X& x) { return slice(x[0], -1, 4, 100); }},
      {"slice_step_past_end_1x7", {{1, 7}}, [](const X& x) { return x[0].slice(1, 2, 7, 4); }},
      {"slice_overlapping_sum_7x3",
       {{7, 3}},
       [](const X& x) { return slice(x[0], 0, 0, 5) + slice(x[0], 0, 2, 7); }},
      {"split_uneven_17x3",
       {{17, 3}},
       [](const X& x) {
         auto p = split(x[0], 5, 0);  // 5, 5, 5, 2
         return concat({p[3] * 2.0, p[0], p[2] * p[1]}, 0);
       }},
      {"split_dim_neg1_3x7",
       {{3, 7}},
       [](const X& x) {
         auto p = split(x[0], 3, -1);  // 3, 3, 1
         return p[0] * p[1] + p[2];
       }},
      // concat / stack
      {"concat_dim0_3x7_1x7_2x7",
       {{3, 7}, {1, 7}, {2, 7}},
       [](const X& x) {
         return concat({x[0], x[1], x[2]}, 0);
       }},
      {"concat_dim1_2x3x5_2x1x5",
       {{2, 3, 5}, {2, 1, 5}},
       [](const X& x) {
         return concat({x[0], x[1]}, 1);
       }},
      {"concat_dim_neg1_2x3x5_2x3x7",
       {{2, 3, 5}, {2, 3, 7}},
       [](const X& x) {
         return concat({x[0], x[1]}, -1);
       }},
      {"concat_same_input_twice_3x7",
       {{3, 7}},
       [](const X& x) {
         return concat({x[0], x[0] * x[0]}, 1);
       }},
      {"concat_one_input_17", {{17}}, [](const X& x) { return concat({x[0]}, 0); }},
      {"stack_dim0_3x7",
       {{3, 7}, {3, 7}, {3, 7}},
       [](const X& x) {
         return stack({x[0], x[1], x[2]}, 0);
       }},
      {"stack_dim1_3x7",
       {{3, 7}, {3, 7}},
       [](const X& x) {
         return stack({x[0], x[1]}, 1);
       }},
      {"stack_dim_neg1_3x7",
       {{3, 7}, {3, 7}},
       [](const X& x) {
         return stack({x[1], x[0]}, -1);
       }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
