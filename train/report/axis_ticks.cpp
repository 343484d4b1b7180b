#include "train/report/axis_ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "autograd/error.h"

namespace attn::train {

namespace {

std::string printf_double(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// 1, 2 or 5 times a power of ten, the nearest to raw from above-ish.
double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double m = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return m * mag;
}

}  // namespace

std::string format_tick(double value, double step) {
  if (std::abs(value) < step * 1e-9) value = 0;  // -0.0 and 1e-17 from rounding print as 0
  const double mag = std::max(std::abs(value), step);
  if (mag >= 1e4 && std::fmod(step, 1000.0) == 0 && mag < 1e9) {
    // Large round numbers (step counts): 20000 -> "20k".
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step / 1000) + 1e-9)));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*fk", decimals, value / 1000);
    return buf;
  }
  if (mag < 1e-3 || mag >= 1e9) return printf_double("%.3g", value);
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

AxisTicks linear_ticks(double lo, double hi, int target, bool expand) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
    throw Error("linear_ticks: range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]; expected finite lo <= hi");
  }
  target = std::max(target, 2);
  if (lo == hi) {  // one value: give it some room
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step((hi - lo) / target);
  AxisTicks t;
  if (expand) {
    t.lo = std::floor(lo / step + 1e-9) * step;
    t.hi = std::ceil(hi / step - 1e-9) * step;
  } else {
    t.lo = lo;
    t.hi = hi;
  }
  const double first = std::ceil(t.lo / step - 1e-9) * step;
  for (double v = first; v <= t.hi + step * 1e-9; v += step) {
    // Recompute from an integer count so the error does not accumulate.
    const double tick = std::round(v / step) * step;
    t.values.push_back(tick);
    t.labels.push_back(format_tick(tick, step));
  }
  return t;
}

AxisTicks log_ticks(double lo, double hi) {
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi)) {
    throw Error("log_ticks: range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "]; expected 0 < lo <= hi, finite");
  }
  const int k0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int k1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  const int decades = std::max(k1 - k0, 1);
  // Data within ~2.5 decades: 1, 2, 5 per decade; wider: one tick per decade
  // (thinned further if needed).
  const bool fine = std::log10(hi / lo) <= 2.5;
  std::vector<double> mantissas = fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1};
  const int every = decades <= 8 ? 1 : (decades + 7) / 8;
  std::vector<double> candidates;
  for (int k = k0 - 1; k <= k1 + 1; ++k) {
    if ((k - k0) % every != 0) continue;
    for (double m : mantissas) candidates.push_back(m * std::pow(10.0, k));
  }
  AxisTicks t;
  t.lo = candidates.front();
  t.hi = candidates.back();
  for (double c : candidates) {
    if (c <= lo * (1 + 1e-9)) t.lo = c;
  }
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    if (*it >= hi * (1 - 1e-9)) t.hi = *it;
  }
  for (double c : candidates) {
    if (c >= t.lo * (1 - 1e-9) && c <= t.hi * (1 + 1e-9)) {
      t.values.push_back(c);
      t.labels.push_back(printf_double("%g", c));
    }
  }
  return t;
}

}  // namespace attn::train
