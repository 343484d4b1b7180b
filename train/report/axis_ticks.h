#pragma once
// Where to put the ticks of a plot axis, and how to label them.
//
// Linear axes use the "nice numbers" rule: a step of 1, 2 or 5 times a power
// of ten, chosen so that about `target` ticks cover the data. Log axes put
// ticks at 1, 2, 5 x 10^k when the data spans few decades and at 10^k only
// when it spans many.
#include <string>
#include <vector>

namespace attn::train {

struct AxisTicks {
  double lo = 0, hi = 1;            // the axis range (data range, possibly widened)
  std::vector<double> values;       // tick positions, ascending, all in [lo, hi]
  std::vector<std::string> labels;  // one label per value
};

// Linear ticks. expand = true widens [lo, hi] to the enclosing tick
// multiples (for data ranges); false keeps the range as given (for a fixed
// range such as [0, 1]). lo == hi is widened around the value.
AxisTicks linear_ticks(double lo, double hi, int target = 5, bool expand = true);

// Log10 ticks for 0 < lo <= hi; the range snaps outwards to tick values.
AxisTicks log_ticks(double lo, double hi);

// A tick label with just enough decimals for the step ("0.25", "1e-05",
// "20k" for large round numbers).
std::string format_tick(double value, double step);

}  // namespace attn::train
