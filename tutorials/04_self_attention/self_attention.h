#pragma once
// Tutorial 04's pieces beside main.cpp: its settings (settings.cpp), the three models behind
// one interface and their evaluation (evaluate.cpp), and its outputs (report.cpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/seq_batch.h"
#include "data/seq_tasks.h"
#include "layers/module.h"
#include "models/self_attention_models.h"
#include "train/loop/train_loop.h"
#include "train/run/run_options.h"

// ---- settings.cpp ----
// Every key the config may set, its default (full / quick) and its check: adding a key is one
// member here and one line in read_settings.
//   alphabet         letters a.. used in the strings            20
//   min_len          shortest training and test string           4
//   max_len          longest training string                     24 / 16
//   test_max_len     longest test string (longer: unseen lengths) max_len
//   train_size       training strings                           60000 / 30000
//   test_per_length  test strings per length                    200 / 100
//   steps            Adam steps per model                        3000 / 1000
//   batch_size       strings per step                            32
//   lr               Adam's peak learning rate (warm-up, cosine)  0.005
//   embedding_dim, hidden, d_k, head_hidden   the LSTM models    32, 48, 32, 64
//   d_model, heads, layers, dim_feedforward   the Transformer    64, 4, 2, 128
//   heatmaps         test strings drawn as attention heat maps    3
//   attend_to_self   the lecture's head may attend to its own position   false
//   qk_init_gain     gain of the Xavier start of W^Q and W^K       2
//   qk_tied_init     W^K starts as a copy of W^Q (scores start as a similarity)   true
//   normalize_x      the head reads X normalised per position (layer_norm)        true
//   bucket_by_length one string length per training batch         false
struct Settings {
  int alphabet;
  int64_t min_len, max_len, test_max_len, train_size, test_per_length, steps, batch_size;
  double lr;
  int64_t embedding_dim, hidden, d_k, head_hidden;
  int64_t d_model, heads, layers, dim_feedforward;
  int64_t heatmaps;
  bool attend_to_self, bucket_by_length;
  double qk_init_gain;
  bool qk_tied_init;
  bool normalize_x;
};
Settings read_settings(const attn::train::RunOptions& opts);

// The options of the three models, from the settings.
attn::models::LstmTaggerOptions lstm_options(const Settings& s, int64_t vocab, int64_t classes,
                                             bool self_attention);
attn::models::TransformerTaggerOptions transformer_options(const Settings& s, int64_t vocab,
                                                           int64_t classes);

// ---- evaluate.cpp ----
using TestSet = std::map<int64_t, std::vector<attn::data::SeqPair>>;  // by length

// One of the three models, what it learned and how it scores.
struct Contender {
  std::string name;   // the key in metrics.json
  std::string label;  // for figures
  std::unique_ptr<attn::nn::Module> module;
  std::function<attn::models::TaggerOutput(const attn::Tensor&, const attn::Tensor&)> forward;
  attn::train::TrainLog log;  // the training
  nlohmann::json by_length;   // {length: {exact, token}}
  double exact = 0, token = 0;
};

template <class M, class O>
Contender make_contender(std::string name, std::string label, const O& options) {
  Contender c{std::move(name), std::move(label), nullptr, nullptr, {}, {}, 0, 0};
  auto m = std::make_unique<M>(options);
  M* raw = m.get();
  c.forward = [raw](const attn::Tensor& tokens, const attn::Tensor& lengths) {
    return raw->forward(tokens, lengths);
  };
  c.module = std::move(m);
  return c;
}

// Exact match (every label of a string right) and per-token accuracy, by length, into c.
void evaluate(Contender& c, const TestSet& test_set);

// The accuracy of always answering the majority label, by length ({"4": 0.77, ...}), and
// the share of 1 labels over the whole test set.
nlohmann::json majority_by_length(const TestSet& test_set, int64_t one_id, double* share_of_ones);

// Where the attention goes, averaged over the held-out strings, for every map (layer, head):
//   twin_when_repeated  the weight a repeated letter puts on the other copies of its letter
//   self_when_repeated  ... on itself
//   self_when_unique    the weight a letter that occurs once puts on itself
nlohmann::json attention_mass(const Contender& c, const TestSet& test_set);

// ---- report.cpp ----
struct Results {
  nlohmann::json majority_by_length;
  nlohmann::json attention_mass;  // {model: attention_mass(...)} for the models with attention
  double share_of_ones = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

// {name}.safetensors for every model, loss.svg, accuracy_exact.svg, accuracy_token.svg, the
// heat maps attention_K_lstm.svg and attention_K_transformer.svg, metrics.json and
// index.html in opts.out_dir.
void write_outputs(const attn::train::RunOptions& opts, const Settings& s,
                   const attn::data::SeqTask& task, const TestSet& test_set,
                   const std::vector<Contender>& models, const Results& r);
