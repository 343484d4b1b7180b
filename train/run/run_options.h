#pragma once
// The command line every tutorial shares (the run contract):
//
//   <tutorial> [--quick] [--config FILE.json] [--out DIR] [--seed N]
//              [--threads N] [--data PATH] [--help]
//
// (--data only where the tutorial says it reads real data: DataOption below.)
//
//   int main(int argc, char** argv) try {
//     const auto opts = attn::train::parse_run_options(argc, argv, "01_bottleneck",
//                                                      "Why seq2seq needs attention.");
//     const int epochs = opts.config.get("epochs", opts.quick ? 2 : 20);
//     opts.config.check_unknown_keys();
//     ...
//   } catch (const std::exception& e) {
//     std::cerr << "error: " << e.what() << "\n";
//     return 1;
//   }
//
// Values may follow the flag or an "=": "--seed 3" and "--seed=3".
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "train/run/config.h"

namespace attn::train {

// Whether a tutorial reads real data given with --data; one that does not
// refuses the flag rather than ignore it.
enum class DataOption { kNotUsed, kAccepted };

struct RunOptions {
  std::string tutorial;                // e.g. "01_bottleneck"
  bool quick = false;                  // --quick, or "quick": true in the config
  std::filesystem::path out_dir;       // --out; default runs/<tutorial>; exists after parsing
  std::uint64_t seed = 0;              // --seed
  int threads = 1;                     // --threads; default: the machine's hardware threads
  std::filesystem::path data_path;     // --data; empty: use the data the code generates
  std::filesystem::path config_path;   // --config; empty: none given
  Config config;                       // the hyperparameters of --config (empty without one)
  bool help = false;                   // --help was given (only the span overload returns it)
  std::vector<std::string> arguments;  // the command line as given, without the program name

  // "<tutorial> --quick --seed 1 ...": how to repeat this run (for the report).
  std::string command_line() const;
};

// Parses argv[1..argc). On --help prints the usage and the description to
// stdout and exits with status 0. Otherwise creates out_dir, checks that a
// file can be written there, sets the number of threads the kernels use
// (attn::set_num_threads) and returns the options.
// Throws attn::Error with a message a learner can act on for an unknown flag,
// a missing or malformed value, a bad --config file, --data given to a
// tutorial that takes none (`data` says whether this one does), or an
// out_dir that cannot be created or written: all before any training.
RunOptions parse_run_options(int argc, char** argv, std::string tutorial_name,
                             std::string description, DataOption data = DataOption::kNotUsed);

// The same without side effects on the process: `args` excludes the program
// name; on --help returns at once with help = true (nothing created). Creates
// out_dir otherwise. This is the overload the tests call.
RunOptions parse_run_options(std::span<const std::string> args, std::string tutorial_name,
                             const std::string& description,
                             DataOption data = DataOption::kNotUsed);

// The --help text (listing --data only for a tutorial that takes it).
std::string run_usage(const std::string& tutorial_name, const std::string& description,
                      DataOption data = DataOption::kNotUsed);

}  // namespace attn::train
