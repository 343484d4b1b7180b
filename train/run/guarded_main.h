#pragma once
// A tutorial's main(): run it, and turn an error into one line a learner can read
// ("error: config: lr = -1 ... must be > 0") and exit status 1, not an abort.
//
//   int main(int argc, char** argv) { return attn::train::guarded_main(run, argc, argv); }
#include <exception>
#include <iostream>

namespace attn::train {

inline int guarded_main(int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace attn::train
