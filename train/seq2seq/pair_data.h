#pragma once
// The pairs of a sequence-to-sequence experiment (tutorials 02 and 03): a training list and
// held-out pairs grouped by source length, the rows of an accuracy-by-length curve.
//
//   const train::PairData data = train::load_pair_data(settings, opts);
//   data.train;            // std::vector<SeqPair>
//   data.test.at(10);      // the held-out pairs with 10 source tokens
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/seq_batch.h"
#include "data/vocab.h"
#include "train/run/run_options.h"
#include "train/seq2seq/pair_settings.h"

namespace attn::train {

struct PairData {
  std::string name;  // what the report calls it: "task \"reverse\", source lengths 3-14"
  data::Vocab src_vocab, tgt_vocab;
  std::vector<data::SeqPair> train;
  std::map<int64_t, std::vector<data::SeqPair>> test;  // by source length
};

// `train_pairs` pairs of a task of data/seq_tasks.h with source lengths drawn uniformly from
// [min_len, max_len], then `test_per_length` new pairs of every length; all from Generator(seed).
PairData task_pair_data(const std::string& task, int alphabet, int64_t train_pairs,
                        int64_t test_per_length, int64_t min_len, int64_t max_len, uint64_t seed);

// The experiment's data: the sentence pairs of --data when given (lengths with fewer than
// 10 test pairs left out, which would make a jagged curve; warnings about skipped lines go to
// stderr), else the task of the settings from seed opts.seed * 7919 + 1, so tutorials 02 and
// 03 see the same pairs.
PairData load_pair_data(const PairSettings& s, const RunOptions& opts);

}  // namespace attn::train
