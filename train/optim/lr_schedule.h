#pragma once
// Learning-rate schedules: a schedule is a function of the step (0, 1, 2,
// ...) that returns the learning rate for that step; an LRScheduler applies
// one to an optimizer.
//
//   optim::Adam opt(model.parameters(), {.lr = 3e-4});
//   train::LRScheduler sched(opt, train::WarmupCosine{.base_lr = 3e-4,
//                                                     .warmup_steps = 100,
//                                                     .total_steps = 5000});
//   for (int64_t step = 0; step < 5000; ++step) {
//     ...; opt.step();
//     sched.step();              // the lr for the next step
//   }
//
// Why warm-up: Adam's second moment v starts at zero and its estimate is
// poor for the first steps, so full-size steps then can throw the weights
// far; a linear ramp lets the estimates settle. Why cosine: a large lr early
// makes fast progress, a small lr late lets the weights settle into a
// minimum; the cosine moves smoothly between the two.
#include <cstdint>
#include <functional>

#include "train/optim/optimizer.h"

namespace attn::train {

// base_lr · gamma^floor(step / step_size), as torch.optim.lr_scheduler.StepLR:
// the lr is cut by a factor gamma every step_size steps.
struct StepDecay {
  double base_lr = 1e-3;
  int64_t step_size = 1;  // > 0
  double gamma = 0.1;     // in (0, 1] for a decay
  double operator()(int64_t step) const;
};

// Linear warm-up from base_lr/warmup_steps to base_lr over steps
// 0 .. warmup_steps-1 (step s gets base_lr·(s+1)/warmup_steps, so step 0
// already moves), then half a cosine from base_lr down to min_lr at
// total_steps, and min_lr after that. With warmup_steps = 0 it is
// torch.optim.lr_scheduler.CosineAnnealingLR(T_max = total_steps, eta_min = min_lr).
struct WarmupCosine {
  double base_lr = 1e-3;
  int64_t warmup_steps = 0;  // >= 0
  int64_t total_steps = 1;   // > warmup_steps
  double min_lr = 0;
  double operator()(int64_t step) const;
};

using Schedule = std::function<double(int64_t step)>;

// Sets the optimizer's lr to schedule(0) when made, and to schedule(k) at the
// k-th call of step() (PyTorch's order: optimizer.step(), then scheduler.step()).
class LRScheduler {
 public:
  LRScheduler(optim::Optimizer& optimizer, Schedule schedule);
  // Advances to the next step, sets its lr on the optimizer and returns it.
  double step();
  int64_t current_step() const { return step_; }
  double current_lr() const { return optimizer_.lr(); }

 private:
  optim::Optimizer& optimizer_;
  Schedule schedule_;
  int64_t step_ = 0;
};

}  // namespace attn::train
