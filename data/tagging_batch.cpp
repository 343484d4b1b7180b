#include "data/tagging_batch.h"

#include "autograd/error.h"

namespace attn::data {

TaggingBatch to_tagging_batch(const std::vector<SeqPair>& pairs, const SeqBatch& batch) {
  TaggingBatch out{batch.src, batch.src_lengths, Tensor::zeros(batch.src.shape()), batch.indices};
  const int64_t n = batch.src.size(1);
  for (int64_t r = 0; r < batch.size(); ++r) {
    const SeqPair& p = pairs[static_cast<size_t>(batch.indices[static_cast<size_t>(r)])];
    ATTN_CHECK(p.tgt.size() == p.src.size(), "to_tagging_batch: pair ",
               batch.indices[static_cast<size_t>(r)], " has ", p.src.size(), " source tokens and ",
               p.tgt.size(), " labels; a tagger needs one label per token");
    for (size_t i = 0; i < p.tgt.size(); ++i)
      out.targets.data()[r * n + static_cast<int64_t>(i)] = static_cast<real>(p.tgt[i]);
  }
  return out;
}

}  // namespace attn::data
