#pragma once
// One seeded generator for the whole library, so `--seed N` makes a run
// repeatable on every platform: xoshiro256** for bits (std:: distributions
// differ between standard libraries, this does not), Box-Muller for normals.
#include <cstdint>

namespace attn {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();
  double uniform();            // [0, 1)
  double normal();             // N(0, 1)
  int64_t randint(int64_t n);  // [0, n)

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

Generator& global_generator();
void manual_seed(uint64_t seed);

}  // namespace attn
