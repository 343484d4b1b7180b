#pragma once
// The settings of a sequence-to-sequence experiment that tutorials 02 and 03 share: which
// pairs (a task of data/seq_tasks.h, or --data sentence pairs), how many, the model's sizes
// and its training. Tutorial 03 reads these same keys with the same defaults, so its
// bottleneck model is tutorial 02's.
//
// Keys (a JSON object given with --config) and their defaults, full / quick:
//   task            a task of data/seq_tasks.h: "reverse", "copy", "sort", "numbers", "dates"
//                                                                   "reverse"
//   alphabet        letters of copy/reverse/sort                    10
//   min_len         shortest source (tokens)                        3
//   max_len         longest source: training and test               20 / 14
//   train_pairs     training pairs, lengths drawn uniformly         24000 / 5000
//   test_per_length held-out pairs per source length                100 / 40
//   epochs          passes over the training pairs                  6
//   batch_size      pairs per step                                  64
//   lr              Adam step size                                  0.003
//   clip            gradient norm cap (clip_grad_norm)              1.0
//   embedding_dim   E                                               64 / 32
//   hidden_size     H: the size of the bottleneck                   128 / 64
//   cell            the recurrent kind of encoder and decoder       "lstm"
//                   (models/recurrent_registry.h): "lstm", or "gru" in the programs that
//                   link exercise 1's GRU (scripts/exercise 1 --tutorial 02 or 03)
// With --data FILE (tab-separated sentence pairs, data/sentence_pairs.h), also:
//   data_max_len    keep pairs with both sides of at most this many tokens   12
//   data_max_pairs  keep this many pairs at most (0: all)                    20000
//   swap_columns    read target<TAB>source                                   false
#include <cstdint>
#include <string>

#include "train/run/memory_estimate.h"
#include "train/run/run_options.h"

namespace attn::train {

struct PairSettings {
  std::string task;
  int alphabet;
  int64_t min_len, max_len, train_pairs, test_per_length;
  int64_t epochs, batch_size, embedding_dim, hidden_size;
  std::string cell;
  double lr, clip;
  int64_t data_max_len, data_max_pairs;
  bool swap_columns;
};

// Reads the keys above from opts.config and checks their ranges (attn::Error names the key).
// It does not call check_unknown_keys(): a tutorial reads its own keys after these, then
// checks.
PairSettings read_pair_settings(const RunOptions& opts);

// What a training step of the encoder-decoder holds, roughly (memory_estimate.h): the
// recurrent states and gates of both sides for every position and the logits. Tutorial 03
// adds its attention's terms before check().
MemoryEstimate pair_memory_estimate(const PairSettings& s, bool real_data);

}  // namespace attn::train
