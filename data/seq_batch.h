#pragma once
// Batches of (source, target) sequence pairs for the seq2seq tutorials:
// sequences of different lengths padded with <pad> into rectangles, with the
// masks and lengths that let the models ignore the padding.
//
// Shapes (B batch, S longest source, T longest target + 1):
//   src          [B, S]  source ids, <pad> (0) after each row's end; no <bos>/<eos>
//                        (the encoder knows where a row ends from src_lengths)
//   src_lengths  [B]     tokens in each source row, in [1, S]: the `lengths` of nn::LSTM
//   src_mask     [B, S]  1 where the token is real, 0 on padding (attention masks with it)
//   tgt_in       [B, T]  <bos> y1 ... yn, then <pad>: the decoder's inputs (teacher forcing)
//   tgt_out      [B, T]  y1 ... yn <eos>, then <pad>: what it must predict at each step
//   tgt_lengths  [B]     n + 1 for each row (the <eos> counts)
//   tgt_mask     [B, T]  1 on the n + 1 positions of tgt_out that count in the loss
// All are Tensors of whole numbers stored as `real` (exact up to 2^24).
//
//   std::vector<SeqPair> pairs = ...;               // from data/seq_tasks.h or sentence_pairs.h
//   Generator gen(seed);
//   for (const SeqBatch& b : make_batches(pairs, 64, gen, /*shuffle=*/true)) { ... }
//
// Everything random comes from the Generator passed in, so a run repeats
// exactly under its --seed.
#include <cstdint>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace attn::data {

// One example as token ids of its own vocabularies, without <bos>/<eos>.
struct SeqPair {
  std::vector<int64_t> src;  // at least one token
  std::vector<int64_t> tgt;  // may be empty (the target is then just <eos>)
  friend bool operator==(const SeqPair&, const SeqPair&) = default;
};

struct SeqBatch {
  Tensor src, src_lengths, src_mask;
  Tensor tgt_in, tgt_out, tgt_lengths, tgt_mask;
  std::vector<int64_t> indices;  // row b holds pairs[indices[b]] of the list it was made from
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

// Pads pairs[which[0]], pairs[which[1]], ... into one batch, in that order.
// Throws attn::Error for an empty selection, an index out of range, an empty
// source, or a negative id (naming the pair).
SeqBatch collate(const std::vector<SeqPair>& pairs, const std::vector<int64_t>& which);
// All of `pairs`, in order.
SeqBatch collate(const std::vector<SeqPair>& pairs);

// Cuts `pairs` into batches of `batch_size` (the last one may be smaller).
//   shuffle           the order of the pairs (and so of the batches) is drawn from gen;
//                     otherwise the pairs keep their order.
//   bucket_by_length  pairs of similar source length share a batch, so little
//                     padding is computed: the pairs are (shuffled, then) stably
//                     sorted by source then target length, cut, and with shuffle
//                     the batches' order is drawn again.
// Only `gen` is used, so the same seed gives the same batches.
std::vector<SeqBatch> make_batches(const std::vector<SeqPair>& pairs, int64_t batch_size,
                                   Generator& gen, bool shuffle = true,
                                   bool bucket_by_length = false);

// Fisher-Yates with `gen`: portable, unlike std::shuffle, whose draws differ
// between standard libraries.
void shuffle_indices(std::vector<int64_t>& order, Generator& gen);

}  // namespace attn::data
