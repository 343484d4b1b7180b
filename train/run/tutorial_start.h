#pragma once
// The first lines of every tutorial's run(): read the command line, seed the global generator
// with --seed (every layer made afterwards draws its initial weights from it), and say what is
// running and where its files go.
//
//   const auto opts = attn::train::start_tutorial(argc, argv, "03_attention", "attention",
//                                                 "Attention (Bahdanau et al. 2014): ...");
//   // prints "attnlab tutorial 03: attention (quick run)" and "output: runs/03_attention"
#include <string>

#include "train/run/run_options.h"

namespace attn::train {

// `name` is the tutorial's folder ("03_attention"), `title` what the banner calls it, and
// `description` what --help prints under the usage.
// `data` says whether --data is taken (DataOption::kAccepted) or refused.
RunOptions start_tutorial(int argc, char** argv, const std::string& name, const std::string& title,
                          const std::string& description,
                          DataOption data = DataOption::kNotUsed);

}  // namespace attn::train
