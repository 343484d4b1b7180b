#pragma once
// Will this configuration fit? Each key has its own upper limit (config.cpp), but keys
// multiply: batch_size 4096 and max_len 512 and hidden_size 2048 are each allowed, and
// together they ask for hundreds of GB. A tutorial adds up the few tensors that dominate a
// training step (activations kept for the backward, attention maps, logits) from its sizes,
// and the run stops before any work when the sum exceeds what the machine has, with a
// message that names the keys to lower:
//
//   MemoryEstimate m;
//   m.add("LSTM states", {"batch_size", "max_len", "hidden_size"}, B * T * H * 8);
//   m.add("logits", {"batch_size", "max_len", "alphabet"}, B * T * V * 3);
//   m.check();       // throws attn::Error naming the largest terms and their keys
//
// The counts are floats (4 bytes), and the estimate is deliberately rough (a factor of two
// either way): it exists to turn a run that would grow for minutes and die of std::bad_alloc
// into an error at once, not to predict the peak.
#include <cstdint>
#include <string>
#include <vector>

namespace attn::train {

class MemoryEstimate {
 public:
  // `floats` is a count of 4-byte numbers; given as double so products of large sizes cannot
  // overflow before they are compared.
  void add(std::string what, std::vector<std::string> keys, double floats);
  double bytes() const;
  // Throws attn::Error when bytes() exceeds `limit_bytes` (by default, the machine's
  // physical memory), naming the total, the limit and the largest terms with their keys.
  void check(double limit_bytes = 0) const;

 private:
  struct Term {
    std::string what;
    std::vector<std::string> keys;
    double floats;
  };
  std::vector<Term> terms_;
};

// The machine's physical memory in bytes (sysconf), or 8 GiB where it cannot be read.
double physical_memory_bytes();

}  // namespace attn::train
