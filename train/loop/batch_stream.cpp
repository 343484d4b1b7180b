#include "train/loop/batch_stream.h"

#include "autograd/error.h"

namespace attn::train {

SeqBatchStream::SeqBatchStream(const std::vector<data::SeqPair>& pairs, int64_t batch_size,
                               uint64_t seed, bool bucket_by_length)
    : pairs_(pairs), batch_size_(batch_size), bucket_by_length_(bucket_by_length), gen_(seed) {
  ATTN_CHECK(!pairs.empty() && batch_size >= 1, "SeqBatchStream: ", pairs.size(),
             " pairs and batch_size ", batch_size, "; expected at least one of each");
}

const data::SeqBatch& SeqBatchStream::next() {
  if (pos_ == epoch_.size()) {
    epoch_ = data::make_batches(pairs_, batch_size_, gen_, /*shuffle=*/true,
                                bucket_by_length_);
    pos_ = 0;
  }
  return epoch_[pos_++];
}

int64_t SeqBatchStream::per_epoch() const {
  return (static_cast<int64_t>(pairs_.size()) + batch_size_ - 1) / batch_size_;
}

}  // namespace attn::train
