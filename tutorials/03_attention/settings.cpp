// Tutorial 03's settings: tutorial 02's keys, then its own (listed in attention.h).
#include "attention.h"
#include "autograd/error.h"

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  const bool q = opts.quick;
  Settings s;
  s.pair = attn::train::read_pair_settings(opts);
  s.attention = attn::models::parse_attention_kind(cfg.get("attention", "additive"));
  s.attention_dim = cfg.get<int64_t>("attention_dim", s.pair.hidden_size);
  s.bottleneck_checkpoint = cfg.get("bottleneck_checkpoint", "");
  s.beam_width = cfg.get<int64_t>("beam_width", 5);
  s.beam_alpha = cfg.get("beam_alpha", 0.6);
  s.beam_per_length = cfg.get<int64_t>("beam_per_length", q ? 10 : 20);
  s.alignment_task = cfg.get("alignment_task", "dates");
  s.alignment_train_pairs = cfg.get<int64_t>("alignment_train_pairs", q ? 3000 : 6000);
  s.alignment_epochs = cfg.get<int64_t>("alignment_epochs", q ? 4 : 6);
  s.alignment_examples = cfg.get<int64_t>("alignment_examples", q ? 3 : 4);
  cfg.check_unknown_keys();
  attn::models::recurrent_factory(s.pair.cell);  // an unknown or unlinked cell stops here
  {
    const bool real = !opts.data_path.empty();
    attn::train::MemoryEstimate m = attn::train::pair_memory_estimate(s.pair, real);
    const double B = double(s.pair.batch_size), A = double(s.attention_dim);
    const double T = double(real ? s.pair.data_max_len : s.pair.max_len) + 2;
    // Additive attention keeps tanh(W s_t + U h_j) [A] for every decoder step t and source
    // position j until the backward; the weights themselves are T x T per pair.
    m.add("attention scores", {"batch_size", "max_len", "max_len", "attention_dim"},
          3 * B * T * T * (A + 1));
    m.add("beam search hypotheses", {"beam_width", "max_len", "hidden_size"},
          double(s.beam_width) * T * T * double(s.pair.hidden_size) * 4);
    m.check();
  }
  ATTN_CHECK(s.beam_width >= 1 && s.beam_per_length >= 1 && s.beam_alpha >= 0,
             "config: beam_width and beam_per_length must be >= 1 and beam_alpha >= 0");
  ATTN_CHECK(
      s.alignment_task.empty() || s.alignment_task == "dates" || s.alignment_task == "numbers",
      "config: alignment_task is \"", s.alignment_task,
      "\", expected \"dates\", \"numbers\" or \"\" (none)");
  ATTN_CHECK(s.alignment_train_pairs >= 1 && s.alignment_epochs >= 1 && s.alignment_examples >= 0,
             "config: alignment_train_pairs and alignment_epochs must be >= 1, "
             "alignment_examples >= 0");
  return s;
}
