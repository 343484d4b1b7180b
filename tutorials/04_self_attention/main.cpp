// Tutorial 04: self-attention.
//
//   build/bin/04_self_attention [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                               [--threads N]
//
// The task: label each token of a random letter string 1 if its letter occurs elsewhere in
// the string, else 0 ("f c q q a" -> "0 0 1 1 0", data/seq_tasks.h "repeats"). No position
// can answer alone: it must compare itself with every other position.
//
// Three models label every token, trained the same number of steps on the same batches:
//   lstm                 Embedding -> BiLSTM -> X -> head(X)                 (the baseline)
//   lstm_self_attention  the same, plus the lecture's single head over X:
//                        Q = X W^Q, K = X W^K, V = X W^V,
//                        Z = softmax(Q K^T / sqrt(d_k)) V,  head([X | Z])
//   transformer          Embedding + sinusoidal positions -> 2 encoder layers of 4 heads
// Q K^T is n x n (n = the sequence length): one score per pair of positions.
//
// Config keys (a JSON object given with --config) and their defaults, full / quick:
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
//   attend_to_self   the lecture's head may attend to its own position   false
//   bucket_by_length one string length per batch (else mixed, padded)   false
//   qk_init_gain     gain of W^Q and W^K's xavier_uniform start          1
//   d_model, heads, layers, dim_feedforward   the Transformer    64, 4, 2, 128
//   heatmaps         test strings drawn as attention heat maps    3
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_batch.h"
#include "data/seq_tasks.h"
#include "models/self_attention_models.h"
#include "train/optim/adam.h"
#include "train/io/checkpoint.h"
#include "train/optim/clip_grad.h"
#include "train/report/figures.h"
#include "train/optim/lr_schedule.h"
#include "train/metrics/metrics.h"
#include "train/run/progress.h"
#include "train/report/report.h"
#include "train/run/run_options.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::Tensor;
using attn::data::SeqPair;
using nlohmann::json;

using attn::train::fmt;
using attn::train::seconds_since;

namespace {

// Everything the config decides, read before any work so a typo stops the run at once.
struct Settings {
  int alphabet;
  int64_t min_len, max_len, test_max_len, train_size, test_per_length, steps, batch_size;
  double lr;
  int64_t embedding_dim, hidden, d_k, head_hidden;
  bool attend_to_self, bucket_by_length;
  double qk_init_gain;
  int64_t d_model, heads, layers, dim_feedforward;
  int64_t heatmaps;
};

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
  s.attend_to_self = cfg.get("attend_to_self", false);
  s.bucket_by_length = cfg.get("bucket_by_length", false);
  s.qk_init_gain = cfg.get("qk_init_gain", 1.0);
  s.d_model = cfg.get<int64_t>("d_model", 64);
  s.heads = cfg.get<int64_t>("heads", 4);
  s.layers = cfg.get<int64_t>("layers", 2);
  s.dim_feedforward = cfg.get<int64_t>("dim_feedforward", 128);
  s.heatmaps = cfg.get<int64_t>("heatmaps", 3);
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
  return s;
}

// ---- batches -----------------------------------------------------------------------------

// One batch as the taggers want it: tokens [B, n], lengths [B], targets [B, n] (the 0/1
// labels' ids, <pad> past each row's end).
struct Batch {
  Tensor tokens, lengths, targets;
  std::vector<int64_t> indices;  // into the list of pairs it came from
};

Batch to_batch(const std::vector<SeqPair>& pairs, const attn::data::SeqBatch& b) {
  Batch out{b.src, b.src_lengths, Tensor::zeros(b.src.shape()), b.indices};
  const int64_t n = b.src.size(1);
  for (int64_t r = 0; r < b.size(); ++r) {
    const auto& tgt = pairs[static_cast<size_t>(b.indices[static_cast<size_t>(r)])].tgt;
    for (size_t i = 0; i < tgt.size(); ++i)
      out.targets.data()[r * n + static_cast<int64_t>(i)] = static_cast<attn::real>(tgt[i]);
  }
  return out;
}

// An endless stream of training batches, every pass over the set drawn in a new order.
// Mixed lengths (padded; the models mask the padding) or, with bucket_by_length, strings of
// one length per batch: less padding to compute, but each step then learns from one length
// only, and the same number of steps teaches less.
class BatchStream {
 public:
  BatchStream(const std::vector<SeqPair>& pairs, int64_t batch_size, bool bucket_by_length,
              uint64_t seed)
      : pairs_(pairs), batch_size_(batch_size), bucket_(bucket_by_length), gen_(seed) {}
  Batch next() {
    if (pos_ == batches_.size()) {
      batches_ = attn::data::make_batches(pairs_, batch_size_, gen_, /*shuffle=*/true, bucket_);
      pos_ = 0;
    }
    return to_batch(pairs_, batches_[pos_++]);
  }

 private:
  const std::vector<SeqPair>& pairs_;
  int64_t batch_size_;
  bool bucket_;
  attn::Generator gen_;
  std::vector<attn::data::SeqBatch> batches_;
  size_t pos_ = 0;
};

// ---- the three models, behind one interface ---------------------------------------------

struct Contender {
  std::string name;   // the key in metrics.json
  std::string label;  // for figures
  std::unique_ptr<attn::nn::Module> module;
  std::function<attn::models::TaggerOutput(const Tensor&, const Tensor&)> forward;
  std::vector<double> losses;  // one per step
  double seconds = 0;          // wall-clock time of training
  double cpu_seconds = 0;      // processor time of training (what a busy machine does not inflate)
  json by_length;              // {length: {exact, token}}
  double exact = 0, token = 0;
};

template <class M, class O>
Contender make_contender(std::string name, std::string label, const O& options) {
  Contender c;
  c.name = std::move(name);
  c.label = std::move(label);
  auto m = std::make_unique<M>(options);
  M* raw = m.get();
  c.forward = [raw](const Tensor& tokens, const Tensor& lengths) {
    return raw->forward(tokens, lengths);
  };
  c.module = std::move(m);
  return c;
}

void train(Contender& c, const std::vector<SeqPair>& train_set, const Settings& s, uint64_t seed) {
  attn::nn::Module& model = *c.module;
  model.train();
  attn::optim::Adam opt(model.parameters(), {.lr = s.lr});
  // Warm-up, then a cosine decay: the same schedule for all three models.
  attn::train::LRScheduler sched(
      opt, attn::train::WarmupCosine{.base_lr = s.lr,
                                     .warmup_steps = std::min<int64_t>(100, s.steps / 10),
                                     .total_steps = s.steps + 1,
                                     .min_lr = s.lr * 0.05});
  // The same seed for every model: they see the same batches in the same order.
  BatchStream stream(train_set, s.batch_size, s.bucket_by_length, seed + 101);
  attn::train::ProgressBar bar(s.steps, {.label = c.name});
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (int64_t step = 1; step <= s.steps; ++step) {
    const Batch b = stream.next();
    Tensor loss = attn::models::tagging_loss(c.forward(b.tokens, b.lengths).logits, b.targets);
    opt.zero_grad();
    loss.backward();
    attn::train::clip_grad_norm(model.parameters(), 1.0);
    opt.step();
    sched.step();
    c.losses.push_back(loss.item());
    bar.update(step, c.losses.back());
  }
  bar.finish();
  c.seconds = seconds_since(t0);
  c.cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
}

// Exact match (every label of a string right) and per-token accuracy, by length.
void evaluate(Contender& c, const std::map<int64_t, std::vector<SeqPair>>& test_set) {
  attn::NoGradGuard no_grad;
  c.module->eval();
  int64_t all_exact = 0, all_strings = 0, all_right = 0, all_tokens = 0;
  attn::Generator unused(0);
  for (const auto& [length, pairs] : test_set) {
    int64_t exact = 0, right = 0;
    for (const auto& sb : attn::data::make_batches(pairs, 256, unused, /*shuffle=*/false)) {
      const Batch b = to_batch(pairs, sb);
      const Tensor pred = c.forward(b.tokens, b.lengths).logits.argmax(2);  // [B, n]
      for (int64_t r = 0; r < sb.size(); ++r) {
        bool all = true;
        for (int64_t i = 0; i < length; ++i) {
          const bool ok = pred.data()[r * length + i] == b.targets.data()[r * length + i];
          right += ok;
          all = all && ok;
        }
        exact += all;
      }
    }
    const auto strings = static_cast<int64_t>(pairs.size());
    c.by_length[std::to_string(length)] = {
        {"exact", static_cast<double>(exact) / strings},
        {"token", static_cast<double>(right) / static_cast<double>(strings * length)}};
    all_exact += exact;
    all_strings += strings;
    all_right += right;
    all_tokens += strings * length;
  }
  c.exact = static_cast<double>(all_exact) / all_strings;
  c.token = static_cast<double>(all_right) / all_tokens;
}

// Where the attention goes, averaged over the held-out strings, for every map (layer, head):
//   twin_when_repeated  the weight a repeated letter puts on the other copies of its letter
//   self_when_repeated  ... on itself
//   self_when_unique    the weight a letter that occurs once puts on itself
// A head that solves the task the way the README describes puts most of the weight of a
// repeated letter on its twin.
json attention_mass(const Contender& c, const std::map<int64_t, std::vector<SeqPair>>& test_set) {
  attn::NoGradGuard no_grad;
  std::vector<double> twin, self_rep, self_uni;  // sums per map
  double n_rep = 0, n_uni = 0;
  std::vector<std::string> names;
  attn::Generator unused(0);
  for (const auto& [length, pairs] : test_set) {
    for (const auto& sb : attn::data::make_batches(pairs, 256, unused, /*shuffle=*/false)) {
      const auto out = c.forward(sb.src, sb.src_lengths);
      if (names.empty()) {
        for (size_t l = 0; l < out.attention.size(); ++l)
          for (int64_t h = 0; h < out.attention[l].size(1); ++h)
            names.push_back("layer " + std::to_string(l + 1) + " head " + std::to_string(h + 1));
        twin.assign(names.size(), 0);
        self_rep.assign(names.size(), 0);
        self_uni.assign(names.size(), 0);
      }
      const int64_t n = length;
      for (int64_t r = 0; r < sb.size(); ++r) {
        const auto& src = pairs[static_cast<size_t>(sb.indices[static_cast<size_t>(r)])].src;
        for (int64_t i = 0; i < n; ++i) {
          const bool repeated = std::count(src.begin(), src.end(), src[static_cast<size_t>(i)]) > 1;
          (repeated ? n_rep : n_uni) += 1;
          size_t k = 0;
          for (const Tensor& a : out.attention)
            for (int64_t h = 0; h < a.size(1); ++h, ++k) {
              const attn::real* row = a.data() + ((r * a.size(1) + h) * n + i) * n;
              if (!repeated) {
                self_uni[k] += row[i];
                continue;
              }
              self_rep[k] += row[i];
              for (int64_t j = 0; j < n; ++j)
                if (j != i && src[static_cast<size_t>(j)] == src[static_cast<size_t>(i)])
                  twin[k] += row[j];
            }
        }
      }
    }
  }
  json out = json::object();
  for (size_t k = 0; k < names.size(); ++k)
    out[names[k]] = {{"twin_when_repeated", twin[k] / std::max(1.0, n_rep)},
                     {"self_when_repeated", self_rep[k] / std::max(1.0, n_rep)},
                     {"self_when_unique", self_uni[k] / std::max(1.0, n_uni)}};
  return out;
}

// The mean of the last tenth of the per-step losses (one step's loss is noisy).
double final_loss(const std::vector<double>& losses) {
  const size_t k = std::max<size_t>(1, losses.size() / 10);
  double sum = 0;
  for (size_t i = losses.size() - k; i < losses.size(); ++i) sum += losses[i];
  return sum / static_cast<double>(k);
}

// ---- figures -------------------------------------------------------------------------

// Test strings worth drawing: of a middle length, with at least two letters that repeat and
// some that do not, so both kinds of row are in the picture.
std::vector<SeqPair> heatmap_examples(const std::map<int64_t, std::vector<SeqPair>>& test_set,
                                      const Settings& s, int64_t one_id) {
  const int64_t n = std::min<int64_t>(s.max_len, std::max<int64_t>(s.min_len, 12));
  std::vector<SeqPair> out;
  for (const auto& p : test_set.at(n)) {
    if (static_cast<int64_t>(out.size()) == s.heatmaps) break;
    const auto ones = std::count(p.tgt.begin(), p.tgt.end(), one_id);
    if (ones >= 4 && ones <= n - 3) out.push_back(p);
  }
  return out;
}

// Rows: the query positions, labelled "letter:label"; columns: the keys, the letters.
attn::train::HeatMap attention_map(const Tensor& weights, int64_t b, int64_t head, int64_t n,
                                   const std::vector<std::string>& row_labels,
                                   const std::vector<std::string>& col_labels) {
  const int64_t heads = weights.size(1);
  std::vector<double> v(static_cast<size_t>(n * n));
  const attn::real* w = weights.data() + ((b * heads + head) * n) * n;
  for (int64_t i = 0; i < n * n; ++i) v[static_cast<size_t>(i)] = w[i];
  attn::train::HeatMap map(std::move(v), static_cast<int>(n), static_cast<int>(n));
  map.row_labels(row_labels).col_labels(col_labels).value_range(0, 1);
  return map;
}

int run(int argc, char** argv) {
  const auto opts = attn::train::parse_run_options(
      argc, argv, "04_self_attention",
      "Self-attention: mark each letter that occurs elsewhere in its string. An LSTM alone, "
      "the same LSTM with the lecture's single self-attention head (Q = X W^Q, K = X W^K, "
      "V = X W^V over its outputs X), and a Transformer encoder (positions, 4 heads).");
  const auto t_start = std::chrono::steady_clock::now();
  attn::manual_seed(opts.seed);
  std::cout << "attnlab tutorial 04: self-attention" << (opts.quick ? " (quick run)" : "")
            << "\noutput: " << opts.out_dir.string() << "\n\n";
  const Settings s = read_settings(opts);

  // ---- data ----
  auto task = attn::data::make_task("repeats", {.alphabet = s.alphabet});
  attn::Generator data_gen(opts.seed * 7 + 3);
  const std::vector<SeqPair> train_set =
      attn::data::make_train_set(*task, s.train_size, s.min_len, s.max_len, data_gen);
  const auto test_set =
      attn::data::make_test_set(*task, s.test_per_length, s.min_len, s.test_max_len, data_gen);
  const attn::data::Vocab& src_vocab = task->src_vocab();
  const attn::data::Vocab& tgt_vocab = task->tgt_vocab();
  const int64_t one_id = tgt_vocab.lookup("1");
  {
    const SeqPair& p = train_set[0];
    std::cout << task->describe()
              << "\n\nexample:  " << attn::data::join_tokens(src_vocab.decode(p.src))
              << "\n    ->    " << attn::data::join_tokens(tgt_vocab.decode(p.tgt)) << "\n";
  }
  // The share of 1 labels on the test set, and the accuracy of always answering the
  // majority label: the floor a model must beat.
  double ones = 0, tokens = 0;
  json majority_by_length;
  for (const auto& [length, pairs] : test_set) {
    double l_ones = 0;
    for (const auto& p : pairs)
      l_ones += static_cast<double>(std::count(p.tgt.begin(), p.tgt.end(), one_id));
    const double share = l_ones / static_cast<double>(pairs.size() * length);
    majority_by_length[std::to_string(length)] = std::max(share, 1 - share);
    ones += l_ones;
    tokens += static_cast<double>(pairs.size() * length);
  }
  std::cout << s.train_size << " training strings of " << s.min_len << ".." << s.max_len
            << " letters (alphabet " << s.alphabet << "); " << s.test_per_length
            << " held-out strings per length " << s.min_len << ".." << s.test_max_len
            << "; share of 1 labels in the test set " << fmt("%.2f", ones / tokens) << "\n\n";

  // ---- models ----
  const int64_t V = src_vocab.size(), C = tgt_vocab.size();
  std::vector<Contender> models;
  models.push_back(make_contender<attn::models::LstmTagger>("lstm", "BiLSTM alone",
                                                            attn::models::LstmTaggerOptions(V, C)
                                                                .embedding_dim(s.embedding_dim)
                                                                .hidden_size(s.hidden)
                                                                .head_hidden(s.head_hidden)
                                                                .self_attention(false)));
  models.push_back(make_contender<attn::models::LstmTagger>("lstm_self_attention",
                                                            "BiLSTM + self-attention (1 head)",
                                                            attn::models::LstmTaggerOptions(V, C)
                                                                .embedding_dim(s.embedding_dim)
                                                                .hidden_size(s.hidden)
                                                                .head_hidden(s.head_hidden)
                                                                .d_k(s.d_k)
                                                                .d_v(s.d_k)
                                                                .self_attention(true)
                                                                .attend_to_self(s.attend_to_self)
                                                                .qk_init_gain(s.qk_init_gain)));
  models.push_back(make_contender<attn::models::TransformerTagger>(
      "transformer",
      "Transformer encoder (" + std::to_string(s.layers) + " layers x " + std::to_string(s.heads) +
          " heads)",
      attn::models::TransformerTaggerOptions(V, C)
          .d_model(s.d_model)
          .num_heads(s.heads)
          .num_layers(s.layers)
          .dim_feedforward(s.dim_feedforward)
          .max_len(std::max<int64_t>(s.test_max_len, 64))));

  for (Contender& c : models) {
    std::cout << "training " << c.name << " (" << c.label << ", " << c.module->num_parameters()
              << " parameters): " << s.steps << " Adam steps, batch " << s.batch_size << "\n";
    train(c, train_set, s, opts.seed);
    evaluate(c, test_set);
    std::cout << "  " << fmt("%.1f", c.seconds) << " s (" << fmt("%.1f", c.cpu_seconds)
              << " s of CPU), final loss " << fmt("%.4f", final_loss(c.losses))
              << ", held-out exact match " << fmt("%.3f", c.exact) << ", per token "
              << fmt("%.3f", c.token) << "\n\n";
  }

  // ---- the table by length ----
  std::printf("  length  majority");
  for (const auto& c : models) std::printf("  %20s", c.name.c_str());
  std::printf("\n          (token)  ");
  for (size_t i = 0; i < models.size(); ++i) std::printf("  %20s", "exact / token");
  std::printf("\n");
  for (const auto& [length, pairs] : test_set) {
    const std::string key = std::to_string(length);
    std::printf("  %6lld  %8.3f", static_cast<long long>(length),
                majority_by_length[key].get<double>());
    for (const auto& c : models)
      std::printf("  %12.3f / %5.3f", c.by_length[key]["exact"].get<double>(),
                  c.by_length[key]["token"].get<double>());
    std::printf("\n");
  }

  // ---- checkpoints: saved, loaded into a fresh model, and the two must agree ----
  const fs::path& out = opts.out_dir;
  for (const auto& c : models)
    attn::train::save_checkpoint(*c.module, out / (c.name + ".safetensors"),
                                 {{"model", c.name}, {"steps", std::to_string(s.steps)}});
  double reload_max_diff = 0;
  {
    Contender fresh = make_contender<attn::models::LstmTagger>("reloaded", "",
                                                               attn::models::LstmTaggerOptions(V, C)
                                                                   .embedding_dim(s.embedding_dim)
                                                                   .hidden_size(s.hidden)
                                                                   .head_hidden(s.head_hidden)
                                                                   .d_k(s.d_k)
                                                                   .d_v(s.d_k)
                                                                   .self_attention(true)
                                                                   .attend_to_self(s.attend_to_self)
                                                                   .qk_init_gain(s.qk_init_gain));
    attn::train::load_checkpoint(*fresh.module, out / "lstm_self_attention.safetensors");
    fresh.module->eval();
    attn::NoGradGuard no_grad;
    const Batch b =
        to_batch(test_set.rbegin()->second, attn::data::collate(test_set.rbegin()->second));
    const Tensor a = models[1].forward(b.tokens, b.lengths).logits;
    const Tensor r = fresh.forward(b.tokens, b.lengths).logits;
    for (int64_t i = 0; i < a.numel(); ++i)
      reload_max_diff = std::max<double>(reload_max_diff, std::abs(a.data()[i] - r.data()[i]));
    std::cout << "\ncheckpoint lstm_self_attention.safetensors reloaded: logits differ by at most "
              << reload_max_diff << "\n";
    ATTN_CHECK(reload_max_diff == 0,
               "the reloaded checkpoint computes different logits (max "
               "difference ",
               reload_max_diff, ")");
  }

  // ---- figures ----
  {
    attn::train::LinePlot loss_plot;
    loss_plot.title("Training loss (cross-entropy per token)")
        .x_label("Adam step")
        .y_label("loss")
        .log_y()
        .markers(false);
    for (const auto& c : models) {
      // Means over windows: at most ~300 points per curve.
      const size_t window = std::max<size_t>(1, c.losses.size() / 300);
      std::vector<double> xs, ys;
      for (size_t i = 0; i < c.losses.size(); i += window) {
        const size_t e = std::min(c.losses.size(), i + window);
        double sum = 0;
        for (size_t k = i; k < e; ++k) sum += c.losses[k];
        xs.push_back(static_cast<double>(e));
        ys.push_back(sum / static_cast<double>(e - i));
      }
      loss_plot.add_series(c.label, xs, ys);
    }
    loss_plot.save(out / "loss.svg");

    for (const char* kind : {"exact", "token"}) {
      attn::train::LinePlot plot;
      plot.title(std::string(kind) == "exact" ? "Exact match: every label of the string right"
                                              : "Per-token accuracy")
          .x_label("string length n")
          .y_label("accuracy on held-out strings")
          .y_range(0, 1);
      for (const auto& c : models) {
        std::vector<double> xs, ys;
        for (const auto& [length, _] : test_set) {
          xs.push_back(static_cast<double>(length));
          ys.push_back(c.by_length[std::to_string(length)][kind].get<double>());
        }
        plot.add_series(c.label, xs, ys);
      }
      if (std::string(kind) == "token") {
        std::vector<double> xs, ys;
        for (const auto& [length, _] : test_set) {
          xs.push_back(static_cast<double>(length));
          ys.push_back(majority_by_length[std::to_string(length)].get<double>());
        }
        plot.add_series("always the majority label", xs, ys);
      }
      plot.save(out / (std::string("accuracy_") + kind + ".svg"));
    }
  }

  // Heat maps of the n x n attention matrices for a few test strings.
  const std::vector<SeqPair> examples = heatmap_examples(test_set, s, one_id);
  std::vector<std::string> heatmap_files;
  json heatmap_strings = json::array();
  if (!examples.empty()) {
    attn::NoGradGuard no_grad;
    const Batch b = to_batch(examples, attn::data::collate(examples));
    const int64_t n = b.tokens.size(1);
    const auto lecture = models[1].forward(b.tokens, b.lengths);
    const auto transformer = models[2].forward(b.tokens, b.lengths);
    const Tensor lecture_pred = lecture.logits.argmax(2), tf_pred = transformer.logits.argmax(2);
    for (size_t k = 0; k < examples.size(); ++k) {
      const auto bk = static_cast<int64_t>(k);
      const std::vector<std::string> letters = src_vocab.decode(examples[k].src);
      const std::vector<std::string> labels = tgt_vocab.decode(examples[k].tgt);
      std::vector<std::string> rows;
      for (size_t i = 0; i < letters.size(); ++i) rows.push_back(letters[i] + ":" + labels[i]);
      heatmap_strings.push_back(attn::data::join_tokens(letters));
      auto right = [&](const Tensor& pred) {
        int64_t r = 0;
        for (int64_t i = 0; i < n; ++i)
          r += pred.data()[bk * n + i] == b.targets.data()[bk * n + i];
        return std::to_string(r) + "/" + std::to_string(n) + " labels right";
      };
      const std::string stem = "attention_" + std::to_string(k + 1);
      attention_map(lecture.attention[0], bk, 0, n, rows, letters)
          .title("BiLSTM + self-attention: softmax(QK^T/sqrt(d_k)), " + std::to_string(n) + " x " +
                 std::to_string(n) + "; " + right(lecture_pred))
          .x_label("key position j (the letter looked at)")
          .y_label("query position i (letter:true label)")
          .save(out / (stem + "_lstm.svg"));
      attn::train::HeatMapGrid grid(static_cast<int>(s.heads));
      grid.title("Transformer encoder, every head of every layer (" + right(tf_pred) + ")");
      for (size_t l = 0; l < transformer.attention.size(); ++l)
        for (int64_t h = 0; h < s.heads; ++h)
          grid.add(attention_map(transformer.attention[l], bk, h, n, rows, letters)
                       .title("layer " + std::to_string(l + 1) + ", head " + std::to_string(h + 1))
                       .colorbar(false));
      grid.save(out / (stem + "_transformer.svg"));
      heatmap_files.push_back(stem);
    }
  }

  // ---- metrics.json ----
  json metrics;
  json by_length, per_model;
  for (const auto& c : models) {
    by_length[c.name] = c.by_length;
    per_model[c.name] = {{"final_loss", final_loss(c.losses)},
                         {"steps", s.steps},
                         {"seconds", c.seconds},
                         {"cpu_seconds", c.cpu_seconds},
                         {"parameters", c.module->num_parameters()},
                         {"exact", c.exact},
                         {"token", c.token}};
  }
  metrics["task"] = "repeats";
  metrics["accuracy_by_length"] = by_length;
  metrics["majority_token_accuracy_by_length"] = majority_by_length;
  metrics["models"] = per_model;
  // The lecture's model is the subject of this tutorial: its loss is the run's final_loss.
  metrics["final_loss"] = final_loss(models[1].losses);
  metrics["steps"] = s.steps;
  metrics["gain_exact"] = models[1].exact - models[0].exact;
  metrics["gain_token"] = models[1].token - models[0].token;
  for (const auto& c : models)
    if (c.name != "lstm") {
      metrics["attention_mass"][c.name] = attention_mass(c, test_set);
      std::cout << "\nwhere " << c.name << " looks (held-out mean weights):\n";
      for (const auto& [map, m] : metrics["attention_mass"][c.name].items())
        std::cout << "  " << map << ": a repeated letter puts "
                  << fmt("%.2f", m["twin_when_repeated"].get<double>()) << " on its twin(s) and "
                  << fmt("%.2f", m["self_when_repeated"].get<double>())
                  << " on itself; a unique letter "
                  << fmt("%.2f", m["self_when_unique"].get<double>()) << " on itself\n";
    }
  metrics["checkpoint_reload_max_diff"] = reload_max_diff;
  metrics["heatmap_strings"] = heatmap_strings;
  metrics["train_lengths"] = {s.min_len, s.max_len};
  metrics["test_lengths"] = {s.min_len, s.test_max_len};
  metrics["share_of_ones"] = ones / tokens;
  metrics["seconds"] = seconds_since(t_start);
  metrics["quick"] = opts.quick;
  metrics["seed"] = opts.seed;
  metrics["threads"] = opts.threads;
  metrics["config"] = opts.config.effective();
  attn::train::write_metrics(out, metrics);

  std::cout << "\nself-attention's gain over the LSTM alone (held-out, all lengths): exact match "
            << fmt("%.3f", models[0].exact) << " -> " << fmt("%.3f", models[1].exact)
            << ", per token " << fmt("%.3f", models[0].token) << " -> "
            << fmt("%.3f", models[1].token) << "\n";

  // ---- index.html ----
  attn::train::Report report("04 · Self-attention");
  report.paragraph(
      "The task: label each letter 1 if it occurs elsewhere in its string, else 0. No position "
      "can answer from itself: it must compare itself with every other position. " +
      task->describe());
  report.paragraph(
      "Three models, trained the same number of Adam steps on the same batches: a BiLSTM alone; "
      "the same BiLSTM with the lecture's single self-attention head over its outputs X "
      "(`Q = X W^Q`, `K = X W^K`, `V = X W^V`, `Z = softmax(Q K^T / sqrt(d_k)) V`, and the "
      "classifier reads `[X | Z]`); and a Transformer encoder (embeddings plus sinusoidal "
      "positions, " +
      std::to_string(s.layers) + " layers of " + std::to_string(s.heads) +
      " heads). `Q K^T` is n x n, n the string's length: one score for every pair of positions, "
      "whatever d_k is. So every position reaches every other in one step, and the cost grows "
      "with n^2.");
  json shown;
  for (const auto& c : models) {
    shown[c.name + ".exact"] = c.exact;
    shown[c.name + ".token"] = c.token;
    shown[c.name + ".final_loss"] = final_loss(c.losses);
    shown[c.name + ".seconds"] = c.seconds;
  }
  shown["steps"] = s.steps;
  report.metrics(shown, "Held-out accuracy over all lengths");
  report.figure("accuracy_exact.svg",
                "Exact match by string length: the share of held-out strings whose every label "
                "is right. Longer strings hold more letters to compare.");
  report.figure("accuracy_token.svg",
                "Per-token accuracy by length, with the accuracy of always answering the "
                "majority label (the share of repeated letters grows with n).");
  report.figure("loss.svg", "Training loss per step (window means), log scale.");
  for (size_t k = 0; k < heatmap_files.size(); ++k) {
    report.figure(heatmap_files[k] + "_lstm.svg",
                  "The lecture's single head on \"" + heatmap_strings[k].get<std::string>() +
                      "\": row i is where position i looked (it sums to 1). Rows are labelled "
                      "letter:true label. A repeated letter looks at its twin.");
    report.figure(heatmap_files[k] + "_transformer.svg",
                  "The same string in the Transformer: one n x n map per head and layer.");
  }
  for (const auto& c : models) report.link(c.name + ".safetensors", "the trained " + c.label);
  report.link("metrics.json", "every number of this run (accuracy_by_length per model)");
  report.run_info(opts);
  const fs::path page = report.save(out);
  std::cout << "open " << page.string() << " in a browser\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
