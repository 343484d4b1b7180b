// Selection by a mask (nonzero = true).
//   masked_fill  x [..], mask broadcastable to x -> out [x's shape]
//                out = value where mask, x elsewhere
//                attention: scores [B,T,T] with a padding mask [B,1,T] and value
//                -inf, so softmax gives the masked keys weight exactly 0
//   where        cond, a, b broadcastable together -> out [their broadcast]
//                out = a where cond, b elsewhere
// Backward: a selected element is a copy of its source, a filled one a
// constant, so the gradient goes through where the source was chosen and is
// 0 elsewhere; a broadcast input sums it back to its own shape (sum_to).
// The mask and cond get no gradient: they are not differentiable.
#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/broadcast_loop.h"
#include "autograd/ops/indexing.h"
#include "autograd/ops/reduce.h"
#include "autograd/profiler.h"

namespace attn {

Tensor masked_fill(const Tensor& x, const Tensor& mask, real value) {
  ATTN_PROFILE_OP("masked_fill");
  ATTN_CHECK(x.defined() && mask.defined(), "masked_fill: an input is undefined");
  const Shape& xs = x.shape();
  const Shape& ms = mask.shape();
  // The mask may broadcast to x, but x may not grow to the mask's shape.
  bool fits = ms.size() <= xs.size();
  for (size_t k = 0; fits && k < ms.size(); ++k) {
    const int64_t mk = ms[ms.size() - 1 - k], xk = xs[xs.size() - 1 - k];
    fits = mk == xk || mk == 1;
  }
  ATTN_CHECK(fits, "masked_fill: mask of shape ", shape_str(ms),
             " does not broadcast to x of shape ", shape_str(xs),
             " (aligned on the right, each mask size must equal x's or be 1)");
  Tensor out = Tensor::empty(xs);
  const real* px = x.data();
  const real* pm = mask.data();
  real* po = out.data();
  const auto m_stride = broadcast_strides(ms, xs);
  detail::broadcast_for_each<1>(xs, {m_stride}, [&](int64_t i, const std::array<int64_t, 1>& o) {
    po[i] = pm[o[0]] != 0 ? value : px[i];
  });
  return record("masked_fill", out, {x}, [mask = mask.detach(), m_stride](const Tensor& g) {
    // in the forward pass out = mask ? value : x, so now gx = mask ? 0 : g.
    Tensor gx = Tensor::empty(g.shape());
    const real* pg = g.data();
    const real* pm = mask.data();
    real* pgx = gx.data();
    detail::broadcast_for_each<1>(g.shape(), {m_stride},
                                  [&](int64_t i, const std::array<int64_t, 1>& o) {
                                    pgx[i] = pm[o[0]] != 0 ? real(0) : pg[i];
                                  });
    return std::vector<Tensor>{gx};
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("where");
  ATTN_CHECK(cond.defined() && a.defined() && b.defined(), "where: an input is undefined");
  const Shape shape =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  const std::array<std::vector<int64_t>, 3> strides{broadcast_strides(cond.shape(), shape),
                                                    broadcast_strides(a.shape(), shape),
                                                    broadcast_strides(b.shape(), shape)};
  Tensor out = Tensor::empty(shape);
  const real* pc = cond.data();
  const real* pa = a.data();
  const real* pb = b.data();
  real* po = out.data();
  detail::broadcast_for_each<3>(shape, strides, [&](int64_t i, const std::array<int64_t, 3>& o) {
    po[i] = pc[o[0]] != 0 ? pa[o[1]] : pb[o[2]];
  });
  return record("where", out, {a, b},
                [cond = cond.detach(), c_stride = strides[0], sa = a.shape(), sb = b.shape(),
                 need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
                  // in the forward pass out = cond ? a : b, so now ga = cond ? g : 0 and
                  // gb = cond ? 0 : g, each summed back to its input's shape.
                  Tensor ga_full = Tensor::empty(g.shape()), gb_full = Tensor::empty(g.shape());
                  const real* pg = g.data();
                  const real* pc = cond.data();
                  real* pga = ga_full.data();
                  real* pgb = gb_full.data();
                  detail::broadcast_for_each<1>(g.shape(), {c_stride},
                                                [&](int64_t i, const std::array<int64_t, 1>& o) {
                                                  const bool take_a = pc[o[0]] != 0;
                                                  pga[i] = take_a ? pg[i] : real(0);
                                                  pgb[i] = take_a ? real(0) : pg[i];
                                                });
                  Tensor ga, gb;
                  if (need_a) ga = ga_full.shape() == sa ? ga_full : sum_to(ga_full, sa);
                  if (need_b) gb = gb_full.shape() == sb ? gb_full : sum_to(gb_full, sb);
                  return std::vector<Tensor>{ga, gb};
                });
}

}  // namespace attn
