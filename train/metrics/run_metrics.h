#pragma once
// What every tutorial's metrics.json says about the run itself, beside its results: how long
// it took, and how to make it again.
//   seconds   wall-clock time since `start`
//   quick, seed, threads   the run's flags
//   config    the configuration used: every key read, with its value (Config::effective)
//
//   attn::train::record_run(metrics, opts, start);
#include <chrono>
#include <nlohmann/json.hpp>

#include "train/run/run_options.h"

namespace attn::train {

void record_run(nlohmann::json& metrics, const RunOptions& opts,
                std::chrono::steady_clock::time_point start);

}  // namespace attn::train
