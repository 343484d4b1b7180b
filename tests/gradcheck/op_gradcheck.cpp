// The parameterised test every table row runs: a double-precision gradcheck.
#include <cmath>
#include <cstdio>

#include "gradcheck/gradcheck_case.h"

namespace attn::testing {

std::vector<Tensor> make_inputs(const GradcheckCase& c) {
  manual_seed(std::hash<std::string>{}(c.name) & 0xffffffff);
  std::vector<Tensor> xs;
  for (const Shape& s : c.shapes) xs.push_back(Tensor::randn(s, /*requires_grad=*/true));
  if (c.prepare) c.prepare(xs);
  return xs;
}

void make_positive(Tensor& t, real lo) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = std::abs(t.data()[i]) + lo;
}
void away_from(Tensor& t, real kink, real gap) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    real& v = t.data()[i];
    if (std::abs(v - kink) < gap) v = kink + (v < kink ? -gap : gap);
  }
}
void distinct_values(Tensor& t) {
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) t.data()[i] = real(((i * 7919) % n) - n / 2) * real(0.1);
}
void integer_values(Tensor& t, int64_t n) {
  Generator g(static_cast<uint64_t>(t.numel()) * 31 + static_cast<uint64_t>(n));
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = real(g.randint(n));
  t.requires_grad_(false);
}

TEST_P(OpGradcheck, MatchesCentralDifferences) {
  static_assert(sizeof(real) == sizeof(double), "gradient checks need the double build");
  const GradcheckCase& c = GetParam();
  std::vector<Tensor> xs = make_inputs(c);
  GradcheckResult r = gradcheck(c.f, xs, c.options, c.name);
  EXPECT_TRUE(r.ok) << r.report(xs);
  EXPECT_GT(r.checked, 0) << "nothing was checked for " << c.name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", r.max_rel_error);
  RecordProperty("max_rel_error", buf);
}

}  // namespace attn::testing
