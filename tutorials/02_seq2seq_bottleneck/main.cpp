// Tutorial 02: the seq2seq bottleneck.
//
//   build/bin/02_seq2seq_bottleneck [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                                   [--threads N] [--data PAIRS.tsv]
//
// An encoder LSTM reads the source and hands ONE state, its last (h_S, c_S), to a decoder
// LSTM that writes the target from it alone (models/seq2seq.h, Seq2Seq). We train it on
// reversal of random letter strings of many lengths and measure, on held-out strings, how
// often it gets the whole output right (exact match) and how many of its tokens are right
// (per-token accuracy), for every input length. One fixed-size vector has to carry the whole
// input, and the longer the input the less of it survives: accuracy falls with length.
//
// Config keys (a JSON object given with --config) and their defaults, full / quick:
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
// With --data FILE (tab-separated sentence pairs, data/sentence_pairs.h), also:
//   data_max_len    keep pairs with both sides of at most this many tokens   12
//   data_max_pairs  keep this many pairs at most (0: all)                    20000
//   swap_columns    read target<TAB>source                                   false
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/sentence_pairs.h"
#include "data/seq_batch.h"
#include "data/seq_tasks.h"
#include "models/seq2seq.h"
#include "models/seq2seq_eval.h"
#include "train/optim/adam.h"
#include "train/io/checkpoint.h"
#include "train/optim/clip_grad.h"
#include "train/report/figures.h"
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

// ---- settings ----------------------------------------------------------------------------

struct Settings {
  std::string task;
  int alphabet;
  int64_t min_len, max_len, train_pairs, test_per_length;
  int64_t epochs, batch_size, embedding_dim, hidden_size;
  double lr, clip;
  int64_t data_max_len, data_max_pairs;
  bool swap_columns;
};

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  const bool q = opts.quick;
  Settings s;
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
  s.data_max_len = cfg.get<int64_t>("data_max_len", 12);
  s.data_max_pairs = cfg.get<int64_t>("data_max_pairs", 20000);
  s.swap_columns = cfg.get("swap_columns", false);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.min_len >= 1 && s.max_len >= s.min_len, "config: min_len = ", s.min_len,
             ", max_len = ", s.max_len, ": expected 1 <= min_len <= max_len");
  ATTN_CHECK(s.train_pairs >= 1 && s.test_per_length >= 1 && s.epochs >= 1 && s.batch_size >= 1,
             "config: train_pairs, test_per_length, epochs and batch_size must be >= 1");
  ATTN_CHECK(s.lr > 0 && s.clip > 0, "config: lr = ", s.lr, " and clip = ", s.clip, " must be > 0");
  return s;
}

// ---- data --------------------------------------------------------------------------------

struct Data {
  std::string name;  // what the report calls it
  attn::data::Vocab src_vocab, tgt_vocab;
  std::vector<SeqPair> train;
  std::map<int64_t, std::vector<SeqPair>> test;  // by source length
};

Data make_data(const Settings& s, const attn::train::RunOptions& opts) {
  Data d;
  if (!opts.data_path.empty()) {
    attn::data::SentencePairOptions o;
    o.max_len = s.data_max_len;
    o.max_pairs = s.data_max_pairs;
    o.swap_columns = s.swap_columns;
    attn::data::SentencePairs sp = attn::data::load_sentence_pairs(opts.data_path, o, opts.seed);
    for (const auto& w : sp.warnings)
      std::cerr << opts.data_path.string() << ":" << w.line << ": skipped: " << w.message << "\n";
    if (sp.malformed > static_cast<int64_t>(sp.warnings.size()))
      std::cerr << "... " << sp.malformed << " malformed lines in all\n";
    d.name = "sentence pairs from " + opts.data_path.filename().string();
    d.src_vocab = sp.src_vocab;
    d.tgt_vocab = sp.tgt_vocab;
    d.train = std::move(sp.train);
    // Lengths with too few test sentences would make a jagged curve: keep those with >= 10.
    for (auto& [len, pairs] : attn::models::group_by_source_length(sp.test))
      if (pairs.size() >= 10) d.test[len] = std::move(pairs);
    ATTN_CHECK(!d.test.empty(), "--data ", opts.data_path.string(),
               ": no source length has 10 test pairs; give more pairs (data_max_pairs)");
    return d;
  }
  attn::data::TaskOptions to;
  to.alphabet = s.alphabet;
  const auto task = attn::data::make_task(s.task, to);
  attn::Generator gen(opts.seed * 7919 + 1);
  d.name = "task \"" + s.task + "\", source lengths " + std::to_string(s.min_len) + "-" +
           std::to_string(s.max_len);
  d.src_vocab = task->src_vocab();
  d.tgt_vocab = task->tgt_vocab();
  d.train = attn::data::make_train_set(*task, s.train_pairs, s.min_len, s.max_len, gen);
  d.test = attn::data::make_test_set(*task, s.test_per_length, s.min_len, s.max_len, gen);
  return d;
}

// ---- training ----------------------------------------------------------------------------

struct Trained {
  std::vector<double> step_losses;
  double final_loss = 0;  // mean training loss of the last epoch
  int64_t steps = 0;
  double seconds = 0;
};

// Adam on the teacher-forced loss, gradients clipped to norm `clip`. Batches hold sources of
// similar length (less padding to compute) in a new random order every epoch.
Trained train(attn::models::Seq2SeqBase& model, const std::vector<SeqPair>& pairs,
              const Settings& s, uint64_t seed) {
  attn::optim::Adam opt(model.parameters(), {.lr = s.lr});
  attn::Generator gen(seed);
  const int64_t per_epoch = (static_cast<int64_t>(pairs.size()) + s.batch_size - 1) / s.batch_size;
  attn::train::ProgressBar bar(per_epoch * s.epochs, {.label = "train"});
  Trained t;
  const auto start = std::chrono::steady_clock::now();
  model.train();
  for (int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
    double sum = 0;
    int64_t n = 0;
    for (const attn::data::SeqBatch& b :
         attn::data::make_batches(pairs, s.batch_size, gen, /*shuffle=*/true, /*bucket=*/true)) {
      opt.zero_grad();
      Tensor loss = model.loss(b);
      loss.backward();
      attn::train::clip_grad_norm(model.parameters(), s.clip);
      opt.step();
      const double l = loss.item();
      t.step_losses.push_back(l);
      sum += l;
      ++n;
      bar.update(++t.steps, l, "epoch " + std::to_string(epoch) + "/" + std::to_string(s.epochs));
    }
    t.final_loss = sum / static_cast<double>(n);
  }
  bar.finish();
  model.eval();
  t.seconds = seconds_since(start);
  return t;
}

// Window means of a noisy per-step curve, at most ~300 points: {x, y}.
std::pair<std::vector<double>, std::vector<double>> smooth(const std::vector<double>& v) {
  const size_t w = std::max<size_t>(1, v.size() / 300);
  std::vector<double> xs, ys;
  for (size_t s = 0; s < v.size(); s += w) {
    const size_t e = std::min(v.size(), s + w);
    double sum = 0;
    for (size_t k = s; k < e; ++k) sum += v[k];
    xs.push_back(static_cast<double>(e));
    ys.push_back(sum / static_cast<double>(e - s));
  }
  return {xs, ys};
}

int run(int argc, char** argv) {
  const auto opts = attn::train::parse_run_options(
      argc, argv, "02_seq2seq_bottleneck",
      "The seq2seq bottleneck: an LSTM encoder squeezes the source into its last state, an LSTM "
      "decoder writes the target from that alone; accuracy falls as the input grows.",
      attn::train::DataOption::kAccepted);
  const auto t_start = std::chrono::steady_clock::now();
  attn::manual_seed(opts.seed);
  std::cout << "attnlab tutorial 02: the seq2seq bottleneck" << (opts.quick ? " (quick run)" : "")
            << "\noutput: " << opts.out_dir.string() << "\n";
  const Settings s = read_settings(opts);
  const Data data = make_data(s, opts);
  const int64_t shortest = data.test.begin()->first, longest = data.test.rbegin()->first;
  std::cout << "data: " << data.name << "; " << data.train.size() << " training pairs, test "
            << "lengths " << shortest << "-" << longest << "; vocabularies "
            << data.src_vocab.size() << " -> " << data.tgt_vocab.size() << " tokens\n";

  attn::models::Seq2Seq model(
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.embedding_dim)
          .hidden_size(s.hidden_size));
  std::cout << "model: Embedding(" << data.src_vocab.size() << "," << s.embedding_dim
            << ") -> LSTM(" << s.embedding_dim << "," << s.hidden_size
            << ") encoder; its last (h, c)"
            << " starts an LSTMCell(" << s.embedding_dim << "," << s.hidden_size
            << ") decoder; Linear(" << s.hidden_size << "," << data.tgt_vocab.size() << "); "
            << model.num_parameters() << " parameters\n"
            << "training: Adam lr " << s.lr << ", batch " << s.batch_size << ", " << s.epochs
            << " epochs, teacher forcing\n\n";

  const Trained tr = train(model, data.train, s, opts.seed + 101);
  std::cout << "trained in " << fmt("%.1f", tr.seconds) << " s (" << tr.steps
            << " steps); last epoch's mean loss " << fmt("%.4f", tr.final_loss) << "\n\n";

  // ---- evaluation: free decoding, never teacher forcing ----
  const auto t_eval = std::chrono::steady_clock::now();
  const attn::models::AccuracyByLength acc = attn::models::accuracy_by_length(model, data.test);
  const attn::models::Score all = attn::models::overall(acc);
  std::cout << "held-out accuracy by source length (greedy decoding, "
            << fmt("%.1f", seconds_since(t_eval)) << " s):\n  length   exact   per-token\n";
  for (const auto& [len, sc] : acc)
    std::printf("  %6lld   %5.3f   %9.3f\n", static_cast<long long>(len), sc.exact, sc.token);
  std::printf("  all      %5.3f   %9.3f\n\n", all.exact, all.token);

  // A few outputs next to their references: short, middle and long sources.
  json examples = json::array();
  std::vector<std::string> example_lines;
  for (const int64_t len : {shortest, (shortest + longest) / 2, longest}) {
    auto it = data.test.lower_bound(len);
    if (it == data.test.end()) continue;
    for (size_t k = 0; k < 2 && k < it->second.size(); ++k) {
      const SeqPair& p = it->second[k];
      const auto hyp =
          model.greedy_decode(std::vector<std::vector<int64_t>>{p.src}, 2 * it->first + 10);
      const std::string src = attn::data::join_tokens(data.src_vocab.decode(p.src));
      const std::string ref = attn::data::join_tokens(data.tgt_vocab.decode(p.tgt));
      const std::string out = attn::data::join_tokens(data.tgt_vocab.decode(hyp[0].tokens));
      const bool right = hyp[0].output() == p.tgt;
      examples.push_back({{"source", src}, {"reference", ref}, {"output", out}, {"exact", right}});
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
      std::string line = "[";
      line += std::to_string(it->first);
      line += "] " + src + "  ->  " + out;
      line += right ? "   (right)" : "   (should be: " + ref + ")";
      example_lines.push_back(line);
      std::cout << "  " << example_lines.back() << "\n";
    }
  }

  // ---- figures ----
  const fs::path& out = opts.out_dir;
  std::vector<double> lens, exact, token;
  for (const auto& [len, sc] : acc) {
    lens.push_back(static_cast<double>(len));
    exact.push_back(sc.exact);
    token.push_back(sc.token);
  }
  attn::train::LinePlot()
      .title("Seq2seq without attention: accuracy against input length")
      .x_label("source length (tokens)")
      .y_label("accuracy on held-out pairs")
      .y_range(0, 1)
      .add_series("per-token accuracy", lens, token)
      .add_series("exact match", lens, exact)
      .save(out / "accuracy_by_length.svg");
  const auto [lx, ly] = smooth(tr.step_losses);
  attn::train::LinePlot()
      .title("Training loss (teacher forcing)")
      .x_label("Adam step")
      .y_label("cross-entropy per target token")
      .log_y()
      .markers(false)
      .add_series("bottleneck", lx, ly)
      .save(out / "loss.svg");

  // ---- checkpoint, vocabularies, metrics ----
  attn::train::save_checkpoint(model, out / "model.safetensors",
                               {{"model", "Seq2Seq"},
                                {"embedding_dim", std::to_string(s.embedding_dim)},
                                {"hidden_size", std::to_string(s.hidden_size)},
                                {"src_vocab", std::to_string(data.src_vocab.size())},
                                {"tgt_vocab", std::to_string(data.tgt_vocab.size())}});
  data.src_vocab.save(out / "src_vocab.txt");
  data.tgt_vocab.save(out / "tgt_vocab.txt");

  json metrics;
  metrics["final_loss"] = tr.final_loss;
  metrics["accuracy_by_length"]["bottleneck"] = attn::models::to_json(acc);
  metrics["overall"]["bottleneck"] = {{"exact", all.exact}, {"token", all.token}};
  metrics["steps"] = tr.steps;
  metrics["train_seconds"] = tr.seconds;
  metrics["seconds"] = seconds_since(t_start);
  metrics["data"] = data.name;
  metrics["train_pairs"] = data.train.size();
  metrics["test_pairs_per_length"] = s.test_per_length;
  metrics["parameters"] = model.num_parameters();
  metrics["decoding"] = "greedy";
  metrics["examples"] = examples;
  metrics["quick"] = opts.quick;
  metrics["seed"] = opts.seed;
  metrics["threads"] = opts.threads;
  metrics["config"] = opts.config.effective();
  attn::train::write_metrics(out, metrics);

  // ---- index.html ----
  const auto& first = acc.begin()->second;
  const auto& last = acc.rbegin()->second;
  attn::train::Report report("02 · The seq2seq bottleneck");
  report.paragraph(
      "An encoder LSTM reads the source token by token; its last state `(h_S, c_S)` is all that "
      "reaches the decoder, an LSTM that writes the target one token at a time from that one "
      "vector of " +
      std::to_string(s.hidden_size) + " numbers. Data: " + data.name + ".");
  report.paragraph(
      "Training uses teacher forcing: the decoder is fed the reference's previous token, so "
      "every step learns from a correct prefix. The evaluation below never does: it decodes "
      "freely (greedy), feeding the model its own previous output, as it will be used. At test "
      "time there is no reference to lean on, and an early mistake is fed back in (exposure "
      "bias).");
  report.figure("accuracy_by_length.svg",
                "Held-out accuracy for each source length. Exact match: the whole output right. "
                "From " +
                    fmt("%.2f", first.exact) + " at length " + std::to_string(acc.begin()->first) +
                    " to " + fmt("%.2f", last.exact) + " at length " +
                    std::to_string(acc.rbegin()->first) +
                    ": one fixed-size vector cannot hold a long input.");
  report.figure("loss.svg", "Training loss (teacher forcing), window means, log scale.");
  report.metrics({{"final_loss", tr.final_loss},
                  {"exact_all_lengths", all.exact},
                  {"token_all_lengths", all.token},
                  {"exact_shortest", first.exact},
                  {"exact_longest", last.exact},
                  {"steps", tr.steps},
                  {"train_seconds", tr.seconds}});
  std::string ex;
  for (const auto& l : example_lines) ex += (ex.empty() ? "" : " | ") + l;
  report.paragraph("Examples (source -> output): " + ex);
  report.paragraph(
      "Tutorial 03 trains the same data with attention: the decoder looks back at every encoder "
      "state at every step, and the curve stays flat.");
  report.link("metrics.json", "every number of this run");
  report.link("model.safetensors", "the trained weights (PyTorch names)");
  report.link("src_vocab.txt", "source vocabulary, one token per line (line i = id i)");
  report.link("tgt_vocab.txt", "target vocabulary");
  report.run_info(opts);
  const fs::path page = report.save(out);
  std::cout << "\nopen " << page.string() << " in a browser\n";
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
