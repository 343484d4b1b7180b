#include "helpers/all_close.h"

#include <cmath>
#include <sstream>

namespace attn::testing {

::testing::AssertionResult AllClose(const std::vector<real>& a, const std::vector<real>& b,
                                    double rtol, double atol) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << "sizes differ: " << a.size() << " vs " << b.size();
  size_t bad = 0, worst = 0;
  double max_diff = 0;
  std::ostringstream first;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - double(b[i]));
    const bool ok = d <= atol + rtol * std::abs(double(b[i]));  // NaN is never ok
    if (d > max_diff || std::isnan(d)) max_diff = d, worst = i;
    if (!ok && bad++ < 5) first << "\n  [" << i << "] " << a[i] << " vs " << b[i];
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << a.size() << " elements differ (rtol " << rtol << ", atol " << atol
         << "); max |diff| " << max_diff << " at [" << worst << "]; first:" << first.str();
}

::testing::AssertionResult AllClose(const Tensor& actual, const Tensor& expected, double rtol,
                                    double atol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shapes differ: " << shape_str(actual.shape())
                                         << " vs " << shape_str(expected.shape());
  return AllClose(actual.to_vector(), expected.to_vector(), rtol, atol);
}

}  // namespace attn::testing
