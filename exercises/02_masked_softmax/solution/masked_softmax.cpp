// Exercise 2, the reference solution. From primitive ops, so autograd writes the backward:
//   keep   = 1 - [mask != 0]                       broadcast to the scores' shape
//   m      = max over dim of the unmasked scores   a constant (the softmax does not depend on
//            it), 0 for a row with nothing unmasked
//   e      = exp(s - m) where kept, 0 where masked (the exponent of a masked entry is set
//            to 0 before exp, so no inf ever appears, not even in the backward)
//   total  = sum over dim of e, plus 1 on rows with nothing kept (0 / 1 = 0, not 0 / 0)
//   w      = e / total
#include <limits>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "exercises/02_masked_softmax/masked_softmax.h"

namespace attn::exercises {

Tensor masked_softmax(const Tensor& scores, const Tensor& mask, int64_t dim) {
  ATTN_CHECK(scores.defined() && mask.defined(), "masked_softmax: scores and mask must be defined");
  ATTN_CHECK(scores.dim() >= 1, "masked_softmax: scores must have at least one dimension");
  const int64_t d = dim < 0 ? dim + scores.dim() : dim;
  ATTN_CHECK(d >= 0 && d < scores.dim(), "masked_softmax: dim ", dim, " is out of range for scores of shape ",
             shape_str(scores.shape()));
  // 1 where masked, 0 where kept, at the scores' full shape (masked_fill checks that the
  // mask broadcasts, and says so when it does not).
  const Tensor masked = masked_fill(Tensor::zeros(scores.shape()), mask.detach(), 1);
  const Tensor keep = 1 - masked;
  Tensor m, empty_row;
  {
    NoGradGuard no_grad;  // the shift is a constant: softmax(s - m) = softmax(s)
    empty_row = 1 - clamp(sum(keep, {d}, true), 0, 1);  // 1 on rows with nothing kept
    m = max(masked_fill(scores.detach(), masked, -std::numeric_limits<real>::infinity()), d, true);
    m = masked_fill(m, empty_row, 0);
  }
  const Tensor e = exp(masked_fill(scores - m, masked, 0)) * keep;
  return e / (sum(e, {d}, true) + empty_row);
}

}  // namespace attn::exercises
