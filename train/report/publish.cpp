#include "train/report/publish.h"

#include <iostream>

namespace attn::train {

std::filesystem::path publish(Report& report, const RunOptions& opts) {
  report.run_info(opts);
  const std::filesystem::path page = report.save(opts.out_dir);
  std::cout << "\nopen " << page.string() << " in a browser\n";
  return page;
}

}  // namespace attn::train
