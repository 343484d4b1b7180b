#include "train/seq2seq/pair_settings.h"

#include <algorithm>

#include "autograd/error.h"

namespace attn::train {

PairSettings read_pair_settings(const RunOptions& opts) {
  const Config& cfg = opts.config;
  const bool q = opts.quick;
  PairSettings s;
  s.task = cfg.get("task", "reverse");
  s.alphabet = cfg.get("alphabet", 10);
  s.min_len = cfg.get<int64_t>("min_len", 3);
  s.max_len = cfg.get<int64_t>("max_len", q ? 14 : 20);
  s.train_pairs = cfg.get<int64_t>("train_pairs", q ? 5000 : 24000);
  s.test_per_length = cfg.get<int64_t>("test_per_length", q ? 40 : 100);
  s.epochs = cfg.get<int64_t>("epochs", 6);
  s.batch_size = cfg.get<int64_t>("batch_size", 64);
  s.lr = cfg.get("lr", 0.003);
  s.clip = cfg.get("clip", 1.0);
  s.embedding_dim = cfg.get<int64_t>("embedding_dim", q ? 32 : 64);
  s.hidden_size = cfg.get<int64_t>("hidden_size", q ? 64 : 128);
  // Read (and so recorded in the run's config) only when given: a default run's metrics.json
  // stays what it was before the key existed. The models check the name.
  s.cell = cfg.contains("cell") ? cfg.get("cell", "lstm") : "lstm";
  s.data_max_len = cfg.get<int64_t>("data_max_len", 12);
  s.data_max_pairs = cfg.get<int64_t>("data_max_pairs", 20000);
  s.swap_columns = cfg.get("swap_columns", false);
  ATTN_CHECK(s.min_len >= 1 && s.max_len >= s.min_len, "config: min_len = ", s.min_len,
             ", max_len = ", s.max_len, ": expected 1 <= min_len <= max_len");
  ATTN_CHECK(s.train_pairs >= 1 && s.test_per_length >= 1 && s.epochs >= 1 && s.batch_size >= 1,
             "config: train_pairs, test_per_length, epochs and batch_size must be >= 1");
  ATTN_CHECK(s.lr > 0 && s.clip > 0, "config: lr = ", s.lr, " and clip = ", s.clip, " must be > 0");
  return s;
}

MemoryEstimate pair_memory_estimate(const PairSettings& s, bool real_data) {
  const double B = double(s.batch_size), H = double(s.hidden_size), E = double(s.embedding_dim);
  const double T = double(real_data ? s.data_max_len : s.max_len) + 2;  // <sos>, <eos>
  // A task's vocabulary is its alphabet and a few specials; real data's is not known yet, and
  // bounded by the pairs kept.
  const double V = real_data ? std::min(1e5, double(s.data_max_pairs ? s.data_max_pairs : 1e5) *
                                                 double(s.data_max_len))
                             : double(s.alphabet) + 4;
  MemoryEstimate m;
  // Per position: the embedding, 4 gates before and after their nonlinearity, c, tanh c, h.
  m.add("encoder and decoder states", {"batch_size", "max_len", "hidden_size"},
        2 * B * T * (E + 11 * H));
  m.add("logits and their softmax", {"batch_size", "max_len", "alphabet"}, 3 * B * T * V);
  return m;
}

}  // namespace attn::train
