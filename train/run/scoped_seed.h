#pragma once
// A side trip on the global generator: inside the scope, layers made (and anything else that
// draws from attn's global generator) draw from a sequence of their own seed; at the end of
// the scope the global generator is put back exactly as it was. The tutorials open with a
// demonstration on a small untrained model and then train with the draws of --seed as if
// the demonstration had never run.
//
//   {
//     attn::train::ScopedSeed own(opts.seed + 1000);
//     models::AttnSeq2Seq demo(...);   // initialised from seed + 1000
//   }                                   // the global generator: as before the scope
#include <cstdint>

#include "autograd/random.h"

namespace attn::train {

class ScopedSeed {
 public:
  explicit ScopedSeed(uint64_t seed) : saved_(global_generator()) { manual_seed(seed); }
  ~ScopedSeed() { global_generator() = saved_; }
  ScopedSeed(const ScopedSeed&) = delete;
  ScopedSeed& operator=(const ScopedSeed&) = delete;

 private:
  Generator saved_;
};

}  // namespace attn::train
