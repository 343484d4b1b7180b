#pragma once
// The last lines of every tutorial: the run's details go on the page, the page is written to
// <out>/index.html, and the learner is told where to find it.
//
//   train::Report report("03 · Attention");
//   ...
//   train::publish(report, opts);    // prints "open runs/03_attention/index.html in a browser"
#include <filesystem>

#include "train/report/report.h"
#include "train/run/run_options.h"

namespace attn::train {

// report.run_info(opts), report.save(opts.out_dir), and a line on stdout. Returns the page.
std::filesystem::path publish(Report& report, const RunOptions& opts);

}  // namespace attn::train
