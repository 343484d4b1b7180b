#pragma once
// A progress bar for training loops.
//
//   attn::train::ProgressBar bar(total_steps, {.label = "train"});
//   for (int step = 1; step <= total_steps; ++step) {
//     ...
//     bar.update(step, loss);
//   }
//   bar.finish();
//
// On a terminal (stdout is a tty) it is one line redrawn in place with '\r':
//   train [#########...............]  380/1000  loss 0.4123  52.1 steps/s  0:07 elapsed  0:12 left
// redrawn at most every min_interval seconds, so a fast loop does not spend
// its time printing. Elsewhere (CI logs, pipes, files) it prints a plain line
// at every tenth of the run and at the end, which reads well in a log.
//
// No global state; one bar belongs to one thread (not internally locked).
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace attn::train {

enum class ProgressStyle {
  kAuto,      // kTerminal if the output is std::cout and stdout is a terminal, else kPlain
  kTerminal,  // one line redrawn with '\r'
  kPlain,     // a line per 10% of the steps
};

struct ProgressOptions {
  std::string label;  // printed first, e.g. "train" or "epoch 3"
  ProgressStyle style = ProgressStyle::kAuto;
  std::ostream* out = nullptr;  // nullptr: std::cout
  double min_interval_s = 0.1;  // terminal redraw throttle
};

class ProgressBar {
 public:
  using Style = ProgressStyle;
  using Options = ProgressOptions;

  // total: the number of steps, >= 1 (throws attn::Error otherwise).
  explicit ProgressBar(std::int64_t total, Options options = {});
  ~ProgressBar();  // finishes the bar if finish() was not called
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Reports that `step` steps (1..total) are done and the latest loss.
  // `extra` is appended to the line as given (e.g. "acc 0.93").
  void update(std::int64_t step, double loss, std::string_view extra = {});

  // Draws the final state and ends the line. Safe to call twice.
  void finish();

  // The line that would be drawn now (without '\r' or padding): for tests.
  std::string status_line() const;

  // 0:07, 12:30, 1:02:03.
  static std::string format_duration(double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  void draw_terminal();
  void print_plain();
  double elapsed() const;

  std::int64_t total_;
  Options options_;
  std::ostream* out_;
  bool terminal_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
  bool finished_ = false;
  std::int64_t step_ = 0;
  std::int64_t last_printed_step_ = -1;
  std::int64_t last_decile_ = 0;
  double loss_ = 0;
  bool has_loss_ = false;
  std::string extra_;
  std::size_t last_width_ = 0;
};

}  // namespace attn::train
