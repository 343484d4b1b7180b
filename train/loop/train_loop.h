#pragma once
// The training loop every tutorial runs: for each step, draw a batch and compute its loss
// (the caller's closure), backward, clip the gradients' global norm, one optimizer step, one
// learning-rate schedule step; a progress bar; the per-step losses kept for the curves.
//
//   optim::Adam opt(model.parameters(), {.lr = 3e-3});
//   train::SeqBatchStream batches(pairs, 64, seed);
//   const train::TrainLog log = train::train_loop(
//       opt, {.steps = 5 * batches.per_epoch(), .steps_per_epoch = batches.per_epoch(),
//             .clip = 1.0, .label = "attention"},
//       [&] { return model.loss(batches.next()); });
//   log.final_loss();        // mean loss of the last epoch (or of the last tenth of the steps)
//
// Any model, any loss, any batch source: the loop sees only the closure and the optimizer
// (whose parameters are the ones clipped). One step, in PyTorch's order:
//   opt.zero_grad();  L = next_loss();  L.backward();  clip_grad_norm(params, clip);
//   opt.step();  schedule.step()
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "train/optim/lr_schedule.h"
#include "train/optim/optimizer.h"

namespace attn::train {

struct LoopOptions {
  int64_t steps = 1;            // optimizer steps in all, >= 1
  int64_t steps_per_epoch = 0;  // > 0: the bar shows "epoch e/E", final_loss is the last
                                // epoch's mean; 0: no epochs, final_loss is the last tenth's
  double clip = 0;              // > 0: cap the gradients' global norm at this; 0: no clipping
  Schedule schedule = nullptr;  // none: the optimizer's lr throughout
  std::string label = "train";  // the progress bar's label
};

// What a run of the loop leaves: one loss per step and the time it took.
struct TrainLog {
  std::vector<double> losses;  // the loss of every step, in order
  int64_t steps_per_epoch = 0;
  double seconds = 0;      // wall-clock time
  double cpu_seconds = 0;  // processor time (what a busy machine does not inflate)

  int64_t steps() const { return static_cast<int64_t>(losses.size()); }
  // The summary loss of the run, less noisy than one step's: the mean over the last epoch
  // when the loop ran by epochs, else the mean over the last tenth of the steps.
  double final_loss() const;
};

// The mean of losses[begin, end), summed in order.
double mean_loss(const std::vector<double>& losses, size_t begin, size_t end);
// The mean of the last tenth of the losses (at least one): one step's loss is noisy.
double mean_of_last_tenth(const std::vector<double>& losses);

// Runs `options.steps` steps of `optimizer` on the losses `next_loss` returns (each a [] scalar
// that requires a gradient). Throws attn::Error for steps < 1.
TrainLog train_loop(optim::Optimizer& optimizer, const LoopOptions& options,
                    const std::function<Tensor()>& next_loss);

}  // namespace attn::train
