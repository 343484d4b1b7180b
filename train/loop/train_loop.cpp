#include "train/loop/train_loop.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include "autograd/error.h"
#include "train/optim/clip_grad.h"
#include "train/run/progress.h"
#include "train/run/timing.h"

namespace attn::train {

double mean_loss(const std::vector<double>& losses, size_t begin, size_t end) {
  ATTN_CHECK(begin < end && end <= losses.size(), "mean_loss: the range [", begin, ", ", end,
             ") is empty or past the ", losses.size(), " losses");
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += losses[i];
  return sum / static_cast<double>(end - begin);
}

double mean_of_last_tenth(const std::vector<double>& losses) {
  const size_t k = std::max<size_t>(1, losses.size() / 10);
  return mean_loss(losses, losses.size() - k, losses.size());
}

double TrainLog::final_loss() const {
  if (steps_per_epoch <= 0) return mean_of_last_tenth(losses);
  // The last epoch: the steps after the last whole number of epochs, or a whole epoch.
  const auto per = static_cast<size_t>(steps_per_epoch);
  size_t in_last = losses.size() % per;
  if (in_last == 0) in_last = std::min(per, losses.size());
  return mean_loss(losses, losses.size() - in_last, losses.size());
}

TrainLog train_loop(optim::Optimizer& optimizer, const LoopOptions& options,
                    const std::function<Tensor()>& next_loss) {
  ATTN_CHECK(options.steps >= 1, "train_loop: steps is ", options.steps, ", expected at least 1");
  ATTN_CHECK(options.steps_per_epoch >= 0 && options.clip >= 0,
             "train_loop: steps_per_epoch and clip must be >= 0; got ", options.steps_per_epoch,
             " and ", options.clip);
  std::unique_ptr<LRScheduler> schedule;
  if (options.schedule) schedule = std::make_unique<LRScheduler>(optimizer, options.schedule);
  const int64_t epochs =
      options.steps_per_epoch > 0
          ? (options.steps + options.steps_per_epoch - 1) / options.steps_per_epoch
          : 0;
  TrainLog log;
  log.steps_per_epoch = options.steps_per_epoch;
  log.losses.reserve(static_cast<size_t>(options.steps));
  ProgressBar bar(options.steps, {.label = options.label});
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (int64_t step = 1; step <= options.steps; ++step) {
    optimizer.zero_grad();
    Tensor loss = next_loss();
    loss.backward();
    if (options.clip > 0) clip_grad_norm(optimizer.parameters(), options.clip);
    optimizer.step();
    if (schedule) schedule->step();
    log.losses.push_back(loss.item());
    if (epochs > 0) {
      const int64_t epoch = (step - 1) / options.steps_per_epoch + 1;
      bar.update(step, log.losses.back(),
                 "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs));
    } else {
      bar.update(step, log.losses.back());
    }
  }
  bar.finish();
  log.seconds = seconds_since(t0);
  log.cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  return log;
}

}  // namespace attn::train
