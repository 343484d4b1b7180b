// Tutorial 04's settings: the one place its defaults live (the keys are listed in
// self_attention.h).
#include <algorithm>

#include "autograd/error.h"
#include "self_attention.h"
#include "train/run/memory_estimate.h"

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  const bool q = opts.quick;
  Settings s;
  s.alphabet = cfg.get("alphabet", 20);
  s.min_len = cfg.get<int64_t>("min_len", 4);
  s.max_len = cfg.get<int64_t>("max_len", q ? 16 : 24);
  s.test_max_len = cfg.get<int64_t>("test_max_len", s.max_len);
  s.train_size = cfg.get<int64_t>("train_size", q ? 30000 : 60000);
  s.test_per_length = cfg.get<int64_t>("test_per_length", q ? 100 : 200);
  s.steps = cfg.get<int64_t>("steps", q ? 1000 : 3000);
  s.batch_size = cfg.get<int64_t>("batch_size", 32);
  s.lr = cfg.get("lr", 0.005);
  s.embedding_dim = cfg.get<int64_t>("embedding_dim", 32);
  s.hidden = cfg.get<int64_t>("hidden", 48);
  s.d_k = cfg.get<int64_t>("d_k", 32);
  s.head_hidden = cfg.get<int64_t>("head_hidden", 64);
  s.d_model = cfg.get<int64_t>("d_model", 64);
  s.heads = cfg.get<int64_t>("heads", 4);
  s.layers = cfg.get<int64_t>("layers", 2);
  s.dim_feedforward = cfg.get<int64_t>("dim_feedforward", 128);
  s.heatmaps = cfg.get<int64_t>("heatmaps", 3);
  s.attend_to_self = cfg.get("attend_to_self", false);
  s.bucket_by_length = cfg.get("bucket_by_length", false);
  s.qk_init_gain = cfg.get("qk_init_gain", 2.0);
  s.qk_tied_init = cfg.get("qk_tied_init", true);
  s.normalize_x = cfg.get("normalize_x", true);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.min_len >= 2 && s.max_len >= s.min_len && s.test_max_len >= s.min_len,
             "config: need 2 <= min_len <= max_len and test_max_len >= min_len; got min_len ",
             s.min_len, ", max_len ", s.max_len, ", test_max_len ", s.test_max_len);
  ATTN_CHECK(s.train_size >= 1 && s.test_per_length >= 1 && s.steps >= 1 && s.batch_size >= 1 &&
                 s.lr > 0 && s.heatmaps >= 0,
             "config: train_size, test_per_length, steps and batch_size must be >= 1, lr > 0 and "
             "heatmaps >= 0; got ",
             s.train_size, ", ", s.test_per_length, ", ", s.steps, ", ", s.batch_size, ", ", s.lr,
             ", ", s.heatmaps);
  {
    const double B = double(s.batch_size), T = double(std::max(s.max_len, s.test_max_len));
    attn::train::MemoryEstimate m;
    m.add("LSTM states (both directions)", {"batch_size", "max_len", "hidden"},
          2 * B * T * (double(s.embedding_dim) + 11 * double(s.hidden)));
    m.add("self-attention maps", {"batch_size", "max_len", "max_len"}, 4 * B * T * T);
    m.add("self-attention projections", {"batch_size", "max_len", "d_k", "head_hidden"},
          B * T * (4 * double(s.d_k) + 3 * double(s.head_hidden)));
    m.add("Transformer attention maps", {"batch_size", "max_len", "max_len", "heads", "layers"},
          4 * B * T * T * double(s.heads) * double(s.layers));
    m.add("Transformer activations", {"batch_size", "max_len", "d_model", "dim_feedforward",
                                      "layers"},
          B * T * (12 * double(s.d_model) + 3 * double(s.dim_feedforward)) * double(s.layers));
    m.check();
  }
  return s;
}

attn::models::LstmTaggerOptions lstm_options(const Settings& s, int64_t vocab, int64_t classes,
                                             bool self_attention) {
  auto o = attn::models::LstmTaggerOptions(vocab, classes)
               .embedding_dim(s.embedding_dim)
               .hidden_size(s.hidden)
               .head_hidden(s.head_hidden)
               .self_attention(self_attention);
  if (self_attention)
    o.d_k(s.d_k)
        .d_v(s.d_k)
        .attend_to_self(s.attend_to_self)
        .qk_init_gain(s.qk_init_gain)
        .qk_tied_init(s.qk_tied_init)
        .normalize_x(s.normalize_x);
  return o;
}

attn::models::TransformerTaggerOptions transformer_options(const Settings& s, int64_t vocab,
                                                           int64_t classes) {
  return attn::models::TransformerTaggerOptions(vocab, classes)
      .d_model(s.d_model)
      .num_heads(s.heads)
      .num_layers(s.layers)
      .dim_feedforward(s.dim_feedforward)
      .max_len(std::max<int64_t>(s.test_max_len, 64));
}
