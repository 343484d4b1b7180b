// reference_softmax: softmax along one dim as plain loops. See autograd/ops/reference/softmax.h.
#include "autograd/ops/reference/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/reduce_shape.h"
#include "autograd/profiler.h"

namespace attn {

Tensor reference_softmax(const Tensor& x, int64_t dim) {
  ATTN_PROFILE_OP("reference_softmax");
  ATTN_CHECK(x.defined(), "reference_softmax: the input is undefined");
  // x seen as [outer, n, inner]: row (o, i) is the n elements x[o, 0..n-1, i].
  const detail::AlongDim a =
      detail::along_dim(x.shape(), detail::checked_dim(x.shape(), dim, "reference_softmax"));
  const int64_t n = a.n, inner = a.inner;
  auto at = [n, inner](int64_t o, int64_t j, int64_t i) { return (o * n + j) * inner + i; };
  Tensor y = Tensor::empty(x.shape());
  const real* px = x.data();
  real* py = y.data();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      real m = -std::numeric_limits<real>::infinity();  // m = max_k x_k
      for (int64_t j = 0; j < n; ++j) m = std::max(m, px[at(o, j, i)]);
      double s = 0;  // s = sum_k exp(x_k - m)
      for (int64_t j = 0; j < n; ++j) s += std::exp(double(px[at(o, j, i)]) - m);
      for (int64_t j = 0; j < n; ++j)  // y_j = exp(x_j - m) / s
        py[at(o, j, i)] = static_cast<real>(std::exp(double(px[at(o, j, i)]) - m) / s);
    }
  return record("reference_softmax", y, {x}, [y = y.detach(), a, at](const Tensor& dy) {
    Tensor dx = Tensor::empty(y.shape());
    const real *py = y.data(), *pdy = dy.data();
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i) {
        double dot = 0;  // sum_j dy_j y_j
        for (int64_t j = 0; j < a.n; ++j) dot += double(pdy[at(o, j, i)]) * py[at(o, j, i)];
        for (int64_t j = 0; j < a.n; ++j)  // dx_k = y_k (dy_k - sum_j dy_j y_j)
          dx.data()[at(o, j, i)] = static_cast<real>(py[at(o, j, i)] * (pdy[at(o, j, i)] - dot));
      }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace attn
