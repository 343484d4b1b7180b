#include "train/metrics/run_metrics.h"

#include "train/run/timing.h"

namespace attn::train {

void record_run(nlohmann::json& metrics, const RunOptions& opts,
                std::chrono::steady_clock::time_point start) {
  metrics["seconds"] = seconds_since(start);
  metrics["quick"] = opts.quick;
  metrics["seed"] = opts.seed;
  metrics["threads"] = opts.threads;
  metrics["config"] = opts.config.effective();
}

}  // namespace attn::train
