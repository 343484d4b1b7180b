// Reductions beyond sum (which lives in sum.cpp): mean, var, max, argmax.
//   x [..] -> the reduced dims removed, or kept with size 1 when keepdim.
// N' below is the number of elements folded into one output: the product of
// the reduced sizes.
#include "autograd/ops/reduce.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/reduce_shape.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// N': how many elements of x each output of the reduction over `dims` sums.
int64_t count_reduced(const Shape& x, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= x[d];
  return n;
}

// The output shape of a reduction along one dim (max, argmax).
Shape along_shape(const Shape& x, int64_t d, bool keepdim) {
  if (x.empty()) return {};  // a 0-d tensor reduces to itself
  Shape out = x;
  if (keepdim)
    out[d] = 1;
  else
    out.erase(out.begin() + d);
  return out;
}

// For every (o, i) of x seen as [outer, n, inner]: the first j of the largest
// x[o, j, i]. A NaN counts as larger than any number (max propagates NaN, as in
// PyTorch). j runs in the outer loop so that the reads follow memory.
std::vector<int64_t> argmax_along(const real* x, const detail::AlongDim& a) {
  std::vector<int64_t> arg(a.outer * a.inner, 0);
  std::vector<real> best(a.inner);
  for (int64_t o = 0; o < a.outer; ++o) {
    const real* xo = x + o * a.n * a.inner;
    int64_t* ao = arg.data() + o * a.inner;
    for (int64_t i = 0; i < a.inner; ++i) best[i] = xo[i];
    for (int64_t j = 1; j < a.n; ++j) {
      const real* row = xo + j * a.inner;
      for (int64_t i = 0; i < a.inner; ++i) {
        const real v = row[i];
        if (v > best[i] || (std::isnan(v) && !std::isnan(best[i]))) {
          best[i] = v;
          ao[i] = j;
        }
      }
    }
  }
  return arg;
}

// The dim of max/argmax, checked: it must exist and must not be empty.
detail::AlongDim reduction_along(const Tensor& x, int64_t dim, const char* op, int64_t& d) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  d = detail::checked_dim(x.shape(), dim, op);
  const detail::AlongDim a = detail::along_dim(x.shape(), d);
  ATTN_CHECK(a.n > 0, op, ": dimension ", dim, " of a tensor of shape ", shape_str(x.shape()),
             " has size 0, and an empty set has no largest element");
  return a;
}

}  // namespace

// ---- mean(x) = sum(x) / N' ----------------------------------------------------------
// Written from sum and div, so its backward is theirs: dL/dx = dL/dy / N' everywhere.
// An empty tensor gives 0/0 = NaN, as in PyTorch.
Tensor mean(const Tensor& x) {
  return mean(x, {}, false);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  ATTN_CHECK(x.defined(), "mean: the input is undefined");
  std::vector<int64_t> dims = dims_in;
  detail::reduced_shape(x.shape(), dims, "mean");  // errors name mean, not sum
  const int64_t N = count_reduced(x.shape(), dims);
  return div(sum(x, dims, keepdim), Tensor::scalar(real(N)));
}

// ---- var(x) = sum((x - mean)^2) / (N' - c),  c = 1 if unbiased else 0 --------------
// Fused: one node. The deviations d = x - mean are computed in a second pass over
// x (not as E[x^2] - E[x]^2, which cancels catastrophically when |mean| >> std).
// Backward: dvar/dx_k = 2 d_k / (N' - c) - (2 / (N' - c)) sum_i d_i / N'; the second
// term is 0 because the deviations sum to zero, so dL/dx = dL/dvar * 2 d / (N' - c).
// With unbiased and N' = 1 the value and gradient are 0/0 = NaN, as in PyTorch.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims_in, bool unbiased, bool keepdim) {
  ATTN_PROFILE_OP("var");
  ATTN_CHECK(x.defined(), "var: the input is undefined");
  std::vector<int64_t> dims = dims_in;
  const Shape kept = detail::reduced_shape(x.shape(), dims, "var");
  const int64_t N = count_reduced(x.shape(), dims);
  const real denom = real(N - (unbiased ? 1 : 0));
  Tensor dev, out;
  {
    NoGradGuard no_grad;
    const Tensor xd = x.detach();
    const Tensor mu = div(sum_to(xd, kept), Tensor::scalar(real(N)));
    dev = sub(xd, mu);  // [..]: x - mean, the mean broadcast back over the reduced dims
    out = div(sum_to(mul(dev, dev), kept), Tensor::scalar(denom));
    if (!keepdim) out = reshape(out, detail::drop_dims(kept, dims));
  }
  return record("var", out.detach(), {x}, [dev, kept, denom](const Tensor& g) {
    Tensor gx = expand(reshape(g, kept), dev.shape());  // dL/dvar, one per element of x
    real* pg = gx.data();
    const real* pd = dev.data();
    const real scale = 2 / denom;
    for (int64_t i = 0; i < gx.numel(); ++i) pg[i] *= scale * pd[i];
    return std::vector<Tensor>{gx};
  });
}

// ---- max(x, dim): y[o, i] = max_j x[o, j, i] -------------------------------------------
// The max is x at one position j*, so dy/dx[o, j, i] = 1 if j == j* else 0: the
// gradient goes to the (first) argmax and every other element gets none.
Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  ATTN_PROFILE_OP("max");
  int64_t d = 0;
  const detail::AlongDim a = reduction_along(x, dim, "max", d);
  std::vector<int64_t> arg = argmax_along(x.data(), a);
  Tensor y = Tensor::empty(along_shape(x.shape(), d, keepdim));
  const real* px = x.data();
  real* py = y.data();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i)
      py[o * a.inner + i] = px[(o * a.n + arg[o * a.inner + i]) * a.inner + i];
  return record("max", y, {x}, [a, arg = std::move(arg), xs = x.shape()](const Tensor& g) {
    Tensor gx = Tensor::zeros(xs);
    const real* pg = g.data();
    real* pgx = gx.data();
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i)
        pgx[(o * a.n + arg[o * a.inner + i]) * a.inner + i] = pg[o * a.inner + i];
    return std::vector<Tensor>{gx};
  });
}

// ---- argmax(x, dim): the first j of the max, as a whole number --------------------------
// Piecewise constant, so it has no gradient: the result is outside the graph.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  ATTN_PROFILE_OP("argmax");  // no node, but time a decoder spends
  int64_t d = 0;
  const detail::AlongDim a = reduction_along(x, dim, "argmax", d);
  const std::vector<int64_t> arg = argmax_along(x.data(), a);
  Tensor out = Tensor::empty(along_shape(x.shape(), d, keepdim));
  real* po = out.data();
  for (size_t k = 0; k < arg.size(); ++k) po[k] = real(arg[k]);
  return out;
}

}  // namespace attn
