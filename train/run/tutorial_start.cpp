#include "train/run/tutorial_start.h"

#include <iostream>

#include "autograd/random.h"

namespace attn::train {

RunOptions start_tutorial(int argc, char** argv, const std::string& name, const std::string& title,
                          const std::string& description, DataOption data) {
  RunOptions opts = parse_run_options(argc, argv, name, description, data);
  manual_seed(opts.seed);
  std::cout << "attnlab tutorial " << name.substr(0, 2) << ": " << title
            << (opts.quick ? " (quick run)" : "") << "\noutput: " << opts.out_dir.string() << "\n";
  return opts;
}

}  // namespace attn::train
