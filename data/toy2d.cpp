#include "data/toy2d.h"

#include <cmath>
#include <numbers>
#include <utility>

#include "autograd/error.h"
#include "autograd/random.h"

namespace attn::data {

Toy2d make_spirals(const SpiralOptions& o, uint64_t seed) {
  ATTN_CHECK(o.points_per_class >= 2, "make_spirals: points_per_class is ", o.points_per_class,
             ", expected at least 2");
  ATTN_CHECK(o.classes >= 2, "make_spirals: classes is ", o.classes, ", expected at least 2");
  ATTN_CHECK(o.turns > 0, "make_spirals: turns is ", o.turns, ", expected > 0");
  ATTN_CHECK(o.noise >= 0, "make_spirals: noise is ", o.noise, ", expected >= 0");

  // A private generator: the data do not depend on what else drew random numbers.
  Generator gen(seed);
  const int64_t n = o.points_per_class;
  const int64_t total = n * o.classes;
  std::vector<double> xy(static_cast<size_t>(2 * total));
  std::vector<int> label(static_cast<size_t>(total));
  const double two_pi = 2.0 * std::numbers::pi;
  for (int k = 0; k < o.classes; ++k) {
    for (int64_t i = 0; i < n; ++i) {
      const double r = static_cast<double>(i) / static_cast<double>(n - 1);
      const double theta = two_pi * k / o.classes + o.turns * two_pi * r + o.noise * gen.normal();
      const size_t j = static_cast<size_t>(k * n + i);
      xy[2 * j] = r * std::cos(theta);
      xy[2 * j + 1] = r * std::sin(theta);
      label[j] = k;
    }
  }

  std::vector<size_t> order(static_cast<size_t>(total));
  for (size_t j = 0; j < order.size(); ++j) order[j] = j;
  if (o.shuffle) {
    // Fisher-Yates with the same generator: portable, unlike std::shuffle.
    for (size_t j = order.size() - 1; j > 0; --j) {
      const size_t m = static_cast<size_t>(gen.randint(static_cast<int64_t>(j + 1)));
      std::swap(order[j], order[m]);
    }
  }

  Toy2d out;
  out.classes = o.classes;
  out.points = Tensor::empty({total, 2});
  out.labels = Tensor::empty({total});
  real* p = out.points.data();
  real* l = out.labels.data();
  for (size_t j = 0; j < order.size(); ++j) {
    p[2 * j] = static_cast<real>(xy[2 * order[j]]);
    p[2 * j + 1] = static_cast<real>(xy[2 * order[j] + 1]);
    l[j] = static_cast<real>(label[order[j]]);
  }
  return out;
}

}  // namespace attn::data
