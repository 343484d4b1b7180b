#pragma once
// Batches for labelling every token (one class per source token, as tutorial 04's taggers):
// the source side of a SeqBatch, and the targets laid out like the source.
//
// Shapes (B batch, n longest source):
//   tokens   [B, n]  source ids, <pad> (0) after each row's end
//   lengths  [B]     real tokens in each row, in [1, n]
//   targets  [B, n]  the label id of every token, <pad> (0) past each row's end
//
//   const data::TaggingBatch b = data::to_tagging_batch(pairs, data::collate(pairs));
//   Tensor loss = models::tagging_loss(model(b.tokens, b.lengths).logits, b.targets);
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "data/seq_batch.h"

namespace attn::data {

struct TaggingBatch {
  Tensor tokens, lengths, targets;
  std::vector<int64_t> indices;  // row b holds pairs[indices[b]] of the list it was made from
};

// `batch` made from `pairs` (make_batches or collate). Throws attn::Error when a pair's
// target is not as long as its source.
TaggingBatch to_tagging_batch(const std::vector<SeqPair>& pairs, const SeqBatch& batch);

}  // namespace attn::data
