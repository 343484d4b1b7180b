#include "train/optim/lr_schedule.h"

#include <cmath>
#include <numbers>

#include "autograd/error.h"

namespace attn::train {

double StepDecay::operator()(int64_t step) const {
  ATTN_CHECK(step >= 0, "StepDecay: step must be >= 0, got ", step);
  ATTN_CHECK(step_size > 0, "StepDecay: step_size must be > 0, got ", step_size);
  ATTN_CHECK(std::isfinite(gamma) && gamma >= 0, "StepDecay: gamma must be finite and >= 0, got ",
             gamma);
  return base_lr * std::pow(gamma, static_cast<double>(step / step_size));
}

double WarmupCosine::operator()(int64_t step) const {
  ATTN_CHECK(step >= 0, "WarmupCosine: step must be >= 0, got ", step);
  ATTN_CHECK(warmup_steps >= 0 && total_steps > warmup_steps,
             "WarmupCosine: needs 0 <= warmup_steps < total_steps, got warmup_steps ", warmup_steps,
             " and total_steps ", total_steps);
  ATTN_CHECK(min_lr <= base_lr, "WarmupCosine: min_lr ", min_lr, " is above base_lr ", base_lr);
  if (step < warmup_steps) return base_lr * static_cast<double>(step + 1) / warmup_steps;
  if (step >= total_steps) return min_lr;
  // progress runs from 0 at the end of warm-up to 1 at total_steps.
  const double progress =
      static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * progress));
}

LRScheduler::LRScheduler(optim::Optimizer& optimizer, Schedule schedule)
    : optimizer_(optimizer), schedule_(std::move(schedule)) {
  ATTN_CHECK(static_cast<bool>(schedule_), "LRScheduler: the schedule is empty");
  optimizer_.set_lr(schedule_(0));
}

double LRScheduler::step() {
  const double lr = schedule_(step_ + 1);
  optimizer_.set_lr(lr);  // checks the value before the step counter moves
  ++step_;
  return lr;
}

}  // namespace attn::train
