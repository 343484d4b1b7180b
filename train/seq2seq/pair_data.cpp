#include "train/seq2seq/pair_data.h"

#include <iostream>
#include <utility>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/sentence_pairs.h"
#include "data/seq_tasks.h"

namespace attn::train {

PairData task_pair_data(const std::string& task_name, int alphabet, int64_t train_pairs,
                        int64_t test_per_length, int64_t min_len, int64_t max_len, uint64_t seed) {
  data::TaskOptions to;
  to.alphabet = alphabet;
  const auto task = data::make_task(task_name, to);
  Generator gen(seed);
  PairData d;
  d.name = "task \"" + task_name + "\", source lengths " + std::to_string(min_len) + "-" +
           std::to_string(max_len);
  d.src_vocab = task->src_vocab();
  d.tgt_vocab = task->tgt_vocab();
  d.train = data::make_train_set(*task, train_pairs, min_len, max_len, gen);
  d.test = data::make_test_set(*task, test_per_length, min_len, max_len, gen);
  return d;
}

PairData load_pair_data(const PairSettings& s, const RunOptions& opts) {
  if (opts.data_path.empty())
    return task_pair_data(s.task, s.alphabet, s.train_pairs, s.test_per_length, s.min_len,
                          s.max_len, opts.seed * 7919 + 1);
  data::SentencePairOptions o;
  o.max_len = s.data_max_len;
  o.max_pairs = s.data_max_pairs;
  o.swap_columns = s.swap_columns;
  data::SentencePairs sp = data::load_sentence_pairs(opts.data_path, o, opts.seed);
  for (const auto& w : sp.warnings)
    std::cerr << opts.data_path.string() << ":" << w.line << ": skipped: " << w.message << "\n";
  if (sp.malformed > static_cast<int64_t>(sp.warnings.size()))
    std::cerr << "... " << sp.malformed << " malformed lines in all\n";
  PairData d;
  d.name = "sentence pairs from " + opts.data_path.filename().string();
  d.src_vocab = sp.src_vocab;
  d.tgt_vocab = sp.tgt_vocab;
  d.train = std::move(sp.train);
  std::map<int64_t, std::vector<data::SeqPair>> by_length;
  for (auto& p : sp.test) by_length[static_cast<int64_t>(p.src.size())].push_back(std::move(p));
  for (auto& [len, pairs] : by_length)
    if (pairs.size() >= 10) d.test[len] = std::move(pairs);
  ATTN_CHECK(!d.test.empty(), "--data ", opts.data_path.string(),
             ": no source length has 10 test pairs; give more pairs (data_max_pairs)");
  return d;
}

}  // namespace attn::train
