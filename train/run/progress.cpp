#include "train/run/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "autograd/error.h"

#if defined(_WIN32)
#include <io.h>
#define ATTN_ISATTY(fd) _isatty(fd)
#define ATTN_FILENO(f) _fileno(f)
#else
#include <unistd.h>
#define ATTN_ISATTY(fd) ::isatty(fd)
#define ATTN_FILENO(f) ::fileno(f)
#endif

namespace attn::train {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_loss(double loss) {
  if (!std::isfinite(loss)) return std::isnan(loss) ? "nan" : (loss > 0 ? "inf" : "-inf");
  char buf[64];
  if (loss != 0 && std::abs(loss) < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3e", loss);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", loss);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::int64_t total, Options options)
    : total_(total), options_(std::move(options)) {
  if (total < 1) {
    throw Error("ProgressBar: total is " + std::to_string(total) + " steps; expected at least 1");
  }
  out_ = options_.out != nullptr ? options_.out : &std::cout;
  switch (options_.style) {
    case Style::kTerminal:
      terminal_ = true;
      break;
    case Style::kPlain:
      terminal_ = false;
      break;
    case Style::kAuto:
      terminal_ = out_ == &std::cout && ATTN_ISATTY(ATTN_FILENO(stdout)) != 0;
      break;
  }
  start_ = Clock::now();
  last_draw_ = start_;
}

ProgressBar::~ProgressBar() {
  try {
    finish();
  } catch (...) {
    // A destructor must not throw; a failed final print is not worth a crash.
  }
}

double ProgressBar::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-:--";
  const auto s = static_cast<std::int64_t>(std::llround(seconds));
  char buf[64];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

std::string ProgressBar::status_line() const {
  const double t = elapsed();
  const double rate = t > 0 && step_ > 0 ? static_cast<double>(step_) / t : 0;
  const std::string width_of_total = std::to_string(total_);
  std::string steps = std::to_string(step_);
  steps = std::string(width_of_total.size() - std::min(width_of_total.size(), steps.size()), ' ') +
          steps + "/" + width_of_total;

  std::string line;
  if (!options_.label.empty()) line += options_.label + " ";
  if (terminal_) {
    constexpr int kBarWidth = 24;
    const auto filled = static_cast<int>(kBarWidth * step_ / total_);
    line.append("[").append(filled, '#').append(kBarWidth - filled, '.').append("] ");
  }
  line += steps;
  if (!terminal_) line += " (" + std::to_string(100 * step_ / total_) + "%)";
  if (has_loss_) line += "  loss " + format_loss(loss_);
  if (!extra_.empty()) line += "  " + extra_;
  line += "  " + (rate > 0 ? (rate >= 100 ? fixed(rate, 0) : fixed(rate, 1)) : "-") + " steps/s";
  line += "  " + format_duration(t) + " elapsed";
  if (step_ < total_) {
    line += "  " + (rate > 0 ? format_duration((total_ - step_) / rate) : "-:--") + " left";
  }
  return line;
}

void ProgressBar::update(std::int64_t step, double loss, std::string_view extra) {
  if (finished_) return;
  step_ = std::clamp<std::int64_t>(step, 0, total_);
  loss_ = loss;
  has_loss_ = true;
  extra_.assign(extra.begin(), extra.end());
  if (terminal_) {
    const double since = std::chrono::duration<double>(Clock::now() - last_draw_).count();
    if (!drawn_ || since >= options_.min_interval_s || step_ == total_) draw_terminal();
  } else {
    // Print on entering each new tenth of the run (10%, 20%, ..., 100%).
    const std::int64_t decile = 10 * step_ / total_;
    if (decile > last_decile_) {
      last_decile_ = decile;
      print_plain();
    }
  }
}

void ProgressBar::draw_terminal() {
  const std::string line = status_line();
  // Pad with spaces over the end of a longer previous line (no escape codes needed).
  const std::size_t pad = last_width_ > line.size() ? last_width_ - line.size() : 0;
  *out_ << '\r' << line << std::string(pad, ' ') << std::flush;
  last_width_ = line.size();
  last_draw_ = Clock::now();
  last_printed_step_ = step_;
  drawn_ = true;
}

void ProgressBar::print_plain() {
  *out_ << status_line() << '\n' << std::flush;
  last_printed_step_ = step_;
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    if (last_printed_step_ != step_ || !drawn_) draw_terminal();
    *out_ << '\n' << std::flush;
  } else if (last_printed_step_ != step_) {
    print_plain();  // stopped early, or between two tenths
  }
}

}  // namespace attn::train
