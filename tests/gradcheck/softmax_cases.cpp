// Gradient checks of softmax and log_softmax: every dim of a 3-D tensor (the
// contiguous last-dim path and the strided paths), negative dims, rows of 1,
// large inputs, and masked (-inf) entries.
#include <limits>

#include "gradcheck/gradcheck_case.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

void large0(X& x) {  // logits around 1000: exp would overflow without the max shift
  for (int64_t i = 0; i < x[0].numel(); ++i) x[0].data()[i] = 1000 + 10 * x[0].data()[i];
}
void mask_some0(X& x) {  // every fourth entry masked, as masked_fill(-inf) does
  for (int64_t i = 0; i < x[0].numel(); i += 4)
    x[0].data()[i] = -std::numeric_limits<real>::infinity();
}

std::vector<GradcheckCase> cases() {
  return {
      {"softmax_dim0_2x3x7", {{2, 3, 7}}, [](const X& x) { return softmax(x[0], 0); }},
      {"softmax_dim1_2x3x7", {{2, 3, 7}}, [](const X& x) { return softmax(x[0], 1); }},
      {"softmax_dim2_2x3x7", {{2, 3, 7}}, [](const X& x) { return softmax(x[0], 2); }},
      {"softmax_dim_neg1_3x17", {{3, 17}}, [](const X& x) { return softmax(x[0], -1); }},
      {"softmax_dim_neg3_2x3x7", {{2, 3, 7}}, [](const X& x) { return softmax(x[0], -3); }},
      {"softmax_1x1", {{1, 1}}, [](const X& x) { return softmax(x[0], 1); }},
      {"softmax_rows_of_1_7x1", {{7, 1}}, [](const X& x) { return softmax(x[0], 1); }},
      {"softmax_17", {{17}}, [](const X& x) { return x[0].softmax(0); }},
      {"softmax_large_3x7", {{3, 7}}, [](const X& x) { return softmax(x[0], 1); }, {}, large0},
      {"softmax_masked_dim1_3x7",
       {{3, 7}},
       [](const X& x) { return softmax(x[0], 1); },
       {},
       mask_some0},
      {"softmax_masked_dim0_7x3",
       {{7, 3}},
       [](const X& x) { return softmax(x[0], 0); },
       {},
       mask_some0},
      {"log_softmax_dim0_2x3x7", {{2, 3, 7}}, [](const X& x) { return log_softmax(x[0], 0); }},
      {"log_softmax_dim1_2x3x7", {{2, 3, 7}}, [](const X& x) { return log_softmax(x[0], 1); }},
      {"log_softmax_dim2_2x3x7", {{2, 3, 7}}, [](const X& x) { return log_softmax(x[0], 2); }},
      {"log_softmax_dim_neg2_17x3", {{17, 3}}, [](const X& x) { return log_softmax(x[0], -2); }},
      {"log_softmax_1", {{1}}, [](const X& x) { return log_softmax(x[0], 0); }},
      {"log_softmax_17", {{17}}, [](const X& x) { return x[0].log_softmax(-1); }},
      {"log_softmax_large_7x3_dim0",
       {{7, 3}},
       [](const X& x) { return log_softmax(x[0], 0); },
       {},
       large0},
      // The output gradient is not a constant: softmax feeds a product and a sum.
      {"softmax_weighted_sum_3x7",
       {{3, 7}, {3, 7}},
       [](const X& x) { return sum(softmax(x[0], -1) * x[1], {1}); }},
      {"log_softmax_nll_like_3x7",
       {{3, 7}},
       [](const X& x) { return -sum(log_softmax(x[0], 1) * softmax(x[0] * 0.5, 1), {1}); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
