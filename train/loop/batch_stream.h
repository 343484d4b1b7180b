#pragma once
// An endless source of training batches from a list of sequence pairs: one pass over the
// list (an epoch) at a time, each in a new random order, sources of similar length together
// (little padding to compute). When a pass is used up the next is drawn.
//
//   train::SeqBatchStream batches(pairs, /*batch_size=*/64, /*seed=*/101);
//   (with bucket_by_length false, every batch mixes lengths: padded, the models mask the pad)
//   batches.per_epoch();              // ceil(pairs / 64) batches in every pass
//   const data::SeqBatch& b = batches.next();
//
// The stream has its own Generator: two streams made with the same seed yield the same
// batches in the same order (the tutorials train competing models on identical batches),
// and nothing else in the program draws from it.
#include <cstdint>
#include <vector>

#include "autograd/random.h"
#include "data/seq_batch.h"

namespace attn::train {

class SeqBatchStream {
 public:
  // `pairs` must outlive the stream. Throws attn::Error for no pairs or batch_size < 1.
  SeqBatchStream(const std::vector<data::SeqPair>& pairs, int64_t batch_size, uint64_t seed,
                 bool bucket_by_length = true);
  // The next batch (the reference holds until the following call).
  const data::SeqBatch& next();
  int64_t per_epoch() const;
  const std::vector<data::SeqPair>& pairs() const { return pairs_; }

 private:
  const std::vector<data::SeqPair>& pairs_;
  int64_t batch_size_;
  bool bucket_by_length_;
  Generator gen_;
  std::vector<data::SeqBatch> epoch_;
  size_t pos_ = 0;
};

}  // namespace attn::train
