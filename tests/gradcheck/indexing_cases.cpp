// Gradient checks of the indexing ops: gather, index_select, masked_fill,
// where. Index tensors and masks are constants (requires_grad off); indices
// repeat, so the backward must accumulate, and masks broadcast.
#include <limits>

#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// x[k] becomes a constant 0/1 mask (from the sign of its random values).
void make_mask(Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = t.data()[i] > 0 ? 1 : 0;
  t.requires_grad_(false);
}

const real kNegInf = -std::numeric_limits<real>::infinity();

std::vector<GradcheckCase> cases() {
  return {
      // gather: index has x's rank; more index entries than rows, so repeats
      {"gather_dim0_3x7_idx9x7",
       {{3, 7}, {9, 7}},
       [](const X& x) { return gather(x[0], 0, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 3); }},
      {"gather_dim1_3x7x5_idx2x17x4",
       {{3, 7, 5}, {2, 17, 4}},
       [](const X& x) { return gather(x[0], 1, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 7); }},
      {"gather_dim_neg1_3x7x5_idx3x7x1",
       {{3, 7, 5}, {3, 7, 1}},
       [](const X& x) { return gather(x[0], -1, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 5); }},
      {"gather_dim0_17_idx17",
       {{17}, {17}},
       [](const X& x) { return gather(x[0], 0, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 17); }},
      // index_select: the embedding lookup (dim 0) and the other dims
      {"index_select_embedding_7x3_idx17",
       {{7, 3}, {17}},
       [](const X& x) { return index_select(x[0], 0, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 7); }},
      {"index_select_dim1_3x7x5_idx9",
       {{3, 7, 5}, {9}},
       [](const X& x) { return index_select(x[0], 1, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 7); }},
      {"index_select_dim_neg1_3x7x5_idx7",
       {{3, 7, 5}, {7}},
       [](const X& x) { return index_select(x[0], -1, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 5); }},
      {"index_select_one_row_1x17_idx3",
       {{1, 17}, {3}},
       [](const X& x) { return index_select(x[0], 0, x[1]); },
       {},
       [](X& x) { integer_values(x[1], 1); }},
      // masked_fill: the mask broadcasts to x
      {"masked_fill_same_shape_3x7",
       {{3, 7}, {3, 7}},
       [](const X& x) { return masked_fill(x[0], x[1], 0.5); },
       {},
       [](X& x) { make_mask(x[1]); }},
      {"masked_fill_pad_mask_2x3x7_2x1x7",
       {{2, 3, 7}, {2, 1, 7}},
       [](const X& x) { return masked_fill(x[0], x[1], -2.0); },
       {},
       [](X& x) { make_mask(x[1]); }},
      {"masked_fill_row_mask_3x7x5_7x1",
       {{3, 7, 5}, {7, 1}},
       [](const X& x) { return masked_fill(x[0], x[1], 1.0); },
       {},
       [](X& x) { make_mask(x[1]); }},
      // -inf as in attention; exp turns it into an exact 0, as softmax would
      {"masked_fill_neg_inf_then_exp_3x7",
       {{3, 7}, {7}},
       [](const X& x) { return exp(masked_fill(x[0], x[1], kNegInf)); },
       {},
       [](X& x) { make_mask(x[1]); }},
      // where: cond, a and b broadcast together
      {"where_same_shape_3x7",
       {{3, 7}, {3, 7}, {3, 7}},
       [](const X& x) { return where(x[0], x[1], x[2]); },
       {},
       [](X& x) { make_mask(x[0]); }},
      {"where_broadcast_cond3x1_a7_b3x7",
       {{3, 1}, {7}, {3, 7}},
       [](const X& x) { return where(x[0], x[1], x[2]); },
       {},
       [](X& x) { make_mask(x[0]); }},
      {"where_cond_grows_2x3x7_a1_b3x1",
       {{2, 3, 7}, {1}, {3, 1}},
       [](const X& x) { return where(x[0], x[1], x[2]); },
       {},
       [](X& x) { make_mask(x[0]); }},
      {"where_same_tensor_both_sides_17",
       {{17}, {17}},
       [](const X& x) { return where(x[0], x[1], x[1] * x[1]); },
       {},
       [](X& x) { make_mask(x[0]); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
