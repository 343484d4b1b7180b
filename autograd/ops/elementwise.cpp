// Elementwise arithmetic with broadcasting. Shapes: a, b -> broadcast(a, b).
#include "autograd/ops/elementwise.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/broadcast_loop.h"
#include "autograd/ops/reduce.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"

namespace attn {

namespace {

// out[i] = f(a[i], b[i]) over the broadcast of a and b.
template <typename F>
Tensor map2(const char* op, const Tensor& a, const Tensor& b, F f) {
  ATTN_CHECK(a.defined() && b.defined(), op, ": an input is undefined");
  Tensor out = Tensor::uninitialized(broadcast_shapes(a.shape(), b.shape(), op));
  const real* pa = a.data();
  const real* pb = b.data();
  real* po = out.data();
  const int64_t n = out.numel();
  if (a.shape() == b.shape()) {  // the common case: a flat loop the compiler vectorises
    parallel_elements(n, [=](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    });
  } else if (b.numel() == 1) {
    const real s = pb[0];
    parallel_elements(n, [=](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], s);
    });
  } else {
    detail::broadcast_rows<2>(
        out.shape(),
        {broadcast_strides(a.shape(), out.shape()), broadcast_strides(b.shape(), out.shape())},
        [&](int64_t o, const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st,
            int64_t m) {
          const real* ra = pa + off[0];
          const real* rb = pb + off[1];
          real* ro = po + o;
          // One branch per row; inside, loops of fixed strides that vectorise.
          if (st[0] == 1 && st[1] == 1) {
            for (int64_t j = 0; j < m; ++j) ro[j] = f(ra[j], rb[j]);
          } else if (st[0] == 1 && st[1] == 0) {
            const real y = rb[0];
            for (int64_t j = 0; j < m; ++j) ro[j] = f(ra[j], y);
          } else if (st[0] == 0 && st[1] == 1) {
            const real x = ra[0];
            for (int64_t j = 0; j < m; ++j) ro[j] = f(x, rb[j]);
          } else {
            for (int64_t j = 0; j < m; ++j) ro[j] = f(ra[j * st[0]], rb[j * st[1]]);
          }
        });
  }
  return out;
}

// out[i] = f(x[i]).
template <typename F>
Tensor map1(const char* op, const Tensor& x, F f) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  Tensor out = Tensor::uninitialized(x.shape());
  const real* px = x.data();
  real* po = out.data();
  parallel_elements(x.numel(), [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = f(px[i]);
  });
  return out;
}

// A broadcast input received one gradient per output it fed: sum them.
Tensor reduce_to(const Tensor& g, const Shape& shape) {
  return g.shape() == shape ? g : sum_to(g, shape);
}

}  // namespace

// ---- a + b:  d/da = 1, d/db = 1 ----------------------------------------------
Tensor add(const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("add");
  Tensor out = map2("add", a, b, [](real x, real y) { return x + y; });
  return record("add", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{reduce_to(g, sa), reduce_to(g, sb)};
  });
}

// ---- a - b:  d/da = 1, d/db = -1 ---------------------------------------------
Tensor sub(const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("sub");
  Tensor out = map2("sub", a, b, [](real x, real y) { return x - y; });
  return record("sub", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{reduce_to(g, sa), reduce_to(neg(g), sb)};
  });
}

// ---- a * b:  d/da = b, d/db = a ----------------------------------------------
Tensor mul(const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("mul");
  Tensor out = map2("mul", a, b, [](real x, real y) { return x * y; });
  return record("mul", out, {a, b}, [a, b](const Tensor& g) {
    return std::vector<Tensor>{a.requires_grad() ? reduce_to(mul(g, b), a.shape()) : Tensor(),
                               b.requires_grad() ? reduce_to(mul(g, a), b.shape()) : Tensor()};
  });
}

// ---- a / b:  d/da = 1/b, d/db = -a/b^2 ---------------------------------------
Tensor div(const Tensor& a, const Tensor& b) {
  ATTN_PROFILE_OP("div");
  Tensor out = map2("div", a, b, [](real x, real y) { return x / y; });
  return record("div", out, {a, b}, [a, b](const Tensor& g) {
    Tensor ga, gb;
    if (a.requires_grad()) ga = reduce_to(div(g, b), a.shape());
    if (b.requires_grad()) gb = reduce_to(neg(div(mul(g, a), mul(b, b))), b.shape());
    return std::vector<Tensor>{ga, gb};
  });
}

// ---- -a:  d/da = -1 -----------------------------------------------------------
Tensor neg(const Tensor& a) {
  ATTN_PROFILE_OP("neg");
  Tensor out = map1("neg", a, [](real x) { return -x; });
  return record("neg", out, {a}, [](const Tensor& g) { return std::vector<Tensor>{neg(g)}; });
}

// ---- a^p:  d/da = p a^(p-1) ---------------------------------------------------
Tensor pow(const Tensor& a, real p) {
  ATTN_PROFILE_OP("pow");
  Tensor out = map1("pow", a, [p](real x) { return std::pow(x, p); });
  return record("pow", out, {a}, [a, p](const Tensor& g) {
    Tensor local = map1("pow", a, [p](real x) { return p * std::pow(x, p - 1); });
    return std::vector<Tensor>{mul(g, local)};
  });
}

// ---- exp(a):  d/da = exp(a) = y -----------------------------------------------
Tensor exp(const Tensor& a) {
  ATTN_PROFILE_OP("exp");
  Tensor y = map1("exp", a, [](real x) { return std::exp(x); });
  return record("exp", y, {a},
                [y = y.detach()](const Tensor& g) { return std::vector<Tensor>{mul(g, y)}; });
}

// ---- log(a):  d/da = 1/a ------------------------------------------------------
Tensor log(const Tensor& a) {
  ATTN_PROFILE_OP("log");
  Tensor y = map1("log", a, [](real x) { return std::log(x); });
  return record("log", y, {a}, [a](const Tensor& g) { return std::vector<Tensor>{div(g, a)}; });
}

// ---- sqrt(a):  d/da = 1 / (2 sqrt(a)) = 1 / (2y) ------------------------------
Tensor sqrt(const Tensor& a) {
  ATTN_PROFILE_OP("sqrt");
  Tensor y = map1("sqrt", a, [](real x) { return std::sqrt(x); });
  return record("sqrt", y, {a}, [y = y.detach()](const Tensor& g) {
    return std::vector<Tensor>{div(g, mul(y, Tensor::scalar(2)))};
  });
}

// ---- |a|:  d/da = sign(a) (0 at the kink a = 0, as PyTorch) -------------------
Tensor abs(const Tensor& a) {
  ATTN_PROFILE_OP("abs");
  Tensor y = map1("abs", a, [](real x) { return std::abs(x); });
  return record("abs", y, {a}, [a](const Tensor& g) {
    Tensor sign = map1("abs", a, [](real x) { return real((x > 0) - (x < 0)); });
    return std::vector<Tensor>{mul(g, sign)};
  });
}

// ---- clamp(a, lo, hi):  d/da = 1 where lo <= a <= hi, else 0 -------------------
Tensor clamp(const Tensor& a, real lo, real hi) {
  ATTN_PROFILE_OP("clamp");
  ATTN_CHECK(lo <= hi, "clamp: lo ", lo, " is greater than hi ", hi);
  Tensor y = map1("clamp", a, [lo, hi](real x) { return std::min(std::max(x, lo), hi); });
  return record("clamp", y, {a}, [a, lo, hi](const Tensor& g) {
    Tensor inside = map1("clamp", a, [lo, hi](real x) { return real(x >= lo && x <= hi); });
    return std::vector<Tensor>{mul(g, inside)};
  });
}

}  // namespace attn
