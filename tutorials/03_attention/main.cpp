// Tutorial 03: attention (Bahdanau, Cho, Bengio 2014).
//
//   build/bin/03_attention [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                          [--threads N] [--data PAIRS.tsv]
//
// The data of tutorial 02 (reversal of random letter strings), two models:
//   bottleneck  Seq2Seq: the decoder starts from the encoder's last state and sees nothing else
//   attention   AttnSeq2Seq: at every step the decoder scores every encoder state h_j against
//               its own state, a_ij = softmax_j(v^T tanh(W s_{i-1} + U h_j)), and reads their
//               weighted sum c_i = sum_j a_ij h_j
// Both are trained the same way and evaluated by free decoding on held-out strings of every
// length: the figure of Bahdanau et al.'s Figure 2, quality against input length, where the
// bottleneck falls and attention holds. Then a third model, with attention, learns a small
// translation task (dates in words -> ISO digits, data/seq_tasks.h), whose alignments are not
// the diagonal: the heat maps show which source words each output digit looked at. Last,
// greedy decoding against beam search.
//
// Config keys (a JSON object given with --config) and their defaults, full / quick:
//   task, alphabet, min_len, max_len, train_pairs, test_per_length, epochs, batch_size, lr,
//   clip, embedding_dim, hidden_size, data_max_len, data_max_pairs, swap_columns
//                   as tutorial 02 (the same defaults, so the bottleneck is 02's model)
//   attention       "additive" (Bahdanau), "dot" or "general" (Luong)      "additive"
//   attention_dim   A, additive only                                        = hidden_size
//   bottleneck_checkpoint  a model.safetensors of tutorial 02 (same task and sizes): load it
//                   instead of training the bottleneck again               ""
//   beam_width      k                                                       5
//   beam_alpha      length normalisation: rank by log p / |y|^alpha          0.6
//   beam_per_length test pairs per length decoded both ways                  20 / 10
//   alignment_task  the translation task of the heat maps: "dates", "numbers" or "" for none
//                   (with --data the heat maps show the data's own test sentences)  "dates"
//   alignment_train_pairs, alignment_epochs                                  6000 / 3000, 6 / 4
//   alignment_examples   heat maps drawn                                     4 / 3
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
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
using attn::models::AccuracyByLength;
using attn::models::Seq2SeqBase;
using nlohmann::json;

using attn::train::fmt;
using attn::train::seconds_since;

namespace {

// ---- settings ----------------------------------------------------------------------------

struct Settings {
  std::string task;
  int alphabet;
  int64_t min_len, max_len, train_pairs, test_per_length;
  int64_t epochs, batch_size, embedding_dim, hidden_size, attention_dim;
  double lr, clip;
  int64_t data_max_len, data_max_pairs;
  bool swap_columns;
  attn::models::AttentionKind attention;
  std::string bottleneck_checkpoint;
  int64_t beam_width, beam_per_length;
  double beam_alpha;
  std::string alignment_task;
  int64_t alignment_train_pairs, alignment_epochs, alignment_examples;
};

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  const bool q = opts.quick;
  Settings s;
  // The data and the training of tutorial 02, with its defaults.
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
  // This tutorial's own.
  s.attention = attn::models::parse_attention_kind(cfg.get("attention", "additive"));
  s.attention_dim = cfg.get<int64_t>("attention_dim", s.hidden_size);
  s.bottleneck_checkpoint = cfg.get("bottleneck_checkpoint", "");
  s.beam_width = cfg.get<int64_t>("beam_width", 5);
  s.beam_alpha = cfg.get("beam_alpha", 0.6);
  s.beam_per_length = cfg.get<int64_t>("beam_per_length", q ? 10 : 20);
  s.alignment_task = cfg.get("alignment_task", "dates");
  s.alignment_train_pairs = cfg.get<int64_t>("alignment_train_pairs", q ? 3000 : 6000);
  s.alignment_epochs = cfg.get<int64_t>("alignment_epochs", q ? 4 : 6);
  s.alignment_examples = cfg.get<int64_t>("alignment_examples", q ? 3 : 4);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.min_len >= 1 && s.max_len >= s.min_len, "config: min_len = ", s.min_len,
             ", max_len = ", s.max_len, ": expected 1 <= min_len <= max_len");
  ATTN_CHECK(s.train_pairs >= 1 && s.test_per_length >= 1 && s.epochs >= 1 && s.batch_size >= 1,
             "config: train_pairs, test_per_length, epochs and batch_size must be >= 1");
  ATTN_CHECK(s.lr > 0 && s.clip > 0, "config: lr = ", s.lr, " and clip = ", s.clip, " must be > 0");
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

// ---- data --------------------------------------------------------------------------------

struct Data {
  std::string name;
  attn::data::Vocab src_vocab, tgt_vocab;
  std::vector<SeqPair> train;
  std::map<int64_t, std::vector<SeqPair>> test;  // by source length
};

Data task_data(const std::string& task_name, int alphabet, int64_t train_pairs,
               int64_t test_per_length, int64_t min_len, int64_t max_len, uint64_t seed) {
  attn::data::TaskOptions to;
  to.alphabet = alphabet;
  const auto task = attn::data::make_task(task_name, to);
  attn::Generator gen(seed);
  Data d;
  d.name = "task \"" + task_name + "\", source lengths " + std::to_string(min_len) + "-" +
           std::to_string(max_len);
  d.src_vocab = task->src_vocab();
  d.tgt_vocab = task->tgt_vocab();
  d.train = attn::data::make_train_set(*task, train_pairs, min_len, max_len, gen);
  d.test = attn::data::make_test_set(*task, test_per_length, min_len, max_len, gen);
  return d;
}

Data make_data(const Settings& s, const attn::train::RunOptions& opts) {
  if (opts.data_path.empty())
    // The same seed formula as tutorial 02: the same pairs.
    return task_data(s.task, s.alphabet, s.train_pairs, s.test_per_length, s.min_len, s.max_len,
                     opts.seed * 7919 + 1);
  attn::data::SentencePairOptions o;
  o.max_len = s.data_max_len;
  o.max_pairs = s.data_max_pairs;
  o.swap_columns = s.swap_columns;
  attn::data::SentencePairs sp = attn::data::load_sentence_pairs(opts.data_path, o, opts.seed);
  for (const auto& w : sp.warnings)
    std::cerr << opts.data_path.string() << ":" << w.line << ": skipped: " << w.message << "\n";
  if (sp.malformed > static_cast<int64_t>(sp.warnings.size()))
    std::cerr << "... " << sp.malformed << " malformed lines in all\n";
  Data d;
  d.name = "sentence pairs from " + opts.data_path.filename().string();
  d.src_vocab = sp.src_vocab;
  d.tgt_vocab = sp.tgt_vocab;
  d.train = std::move(sp.train);
  for (auto& [len, pairs] : attn::models::group_by_source_length(sp.test))
    if (pairs.size() >= 10) d.test[len] = std::move(pairs);
  ATTN_CHECK(!d.test.empty(), "--data ", opts.data_path.string(),
             ": no source length has 10 test pairs; give more pairs (data_max_pairs)");
  return d;
}

// ---- training (as in tutorial 02) --------------------------------------------------------

struct Trained {
  std::vector<double> step_losses;
  double final_loss = 0;  // mean training loss of the last epoch
  int64_t steps = 0;
  double seconds = 0;
};

Trained train(Seq2SeqBase& model, const std::vector<SeqPair>& pairs, int64_t epochs,
              const Settings& s, uint64_t seed, const std::string& label) {
  attn::optim::Adam opt(model.parameters(), {.lr = s.lr});
  attn::Generator gen(seed);
  const int64_t per_epoch = (static_cast<int64_t>(pairs.size()) + s.batch_size - 1) / s.batch_size;
  attn::train::ProgressBar bar(per_epoch * epochs, {.label = label});
  Trained t;
  const auto start = std::chrono::steady_clock::now();
  model.train();
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
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
      bar.update(++t.steps, l, "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs));
    }
    t.final_loss = sum / static_cast<double>(n);
  }
  bar.finish();
  model.eval();
  t.seconds = seconds_since(start);
  return t;
}

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

void print_table(const AccuracyByLength& bottleneck, const AccuracyByLength& attention) {
  std::cout << "  length   bottleneck exact / token   attention exact / token\n";
  for (const auto& [len, b] : bottleneck) {
    const auto& a = attention.at(len);
    std::printf("  %6lld   %10.3f / %5.3f        %9.3f / %5.3f\n", static_cast<long long>(len),
                b.exact, b.token, a.exact, a.token);
  }
}

// ---- greedy against beam -----------------------------------------------------------------

// The first `per_length` test pairs of every length, decoded greedily and by beam search.
json greedy_vs_beam(const Seq2SeqBase& model, const std::map<int64_t, std::vector<SeqPair>>& test,
                    const Settings& s, attn::models::Score* greedy_out,
                    attn::models::Score* beam_out) {
  std::map<int64_t, std::vector<SeqPair>> subset;
  for (const auto& [len, pairs] : test)
    subset[len].assign(
        pairs.begin(),
        pairs.begin() + std::min<int64_t>(s.beam_per_length, static_cast<int64_t>(pairs.size())));
  attn::models::EvalOptions beam;
  beam.decoding = attn::models::Decoding::beam;
  beam.beam.width = s.beam_width;
  beam.beam.alpha = s.beam_alpha;
  const auto t0 = std::chrono::steady_clock::now();
  const AccuracyByLength g = attn::models::accuracy_by_length(model, subset);
  const double tg = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  const AccuracyByLength b = attn::models::accuracy_by_length(model, subset, beam);
  const double tb = seconds_since(t1);
  *greedy_out = attn::models::overall(g);
  *beam_out = attn::models::overall(b);
  return {{"greedy",
           {{"exact", greedy_out->exact},
            {"token", greedy_out->token},
            {"seconds", tg},
            {"by_length", attn::models::to_json(g)}}},
          {"beam",
           {{"exact", beam_out->exact},
            {"token", beam_out->token},
            {"seconds", tb},
            {"by_length", attn::models::to_json(b)}}},
          {"pairs", greedy_out->count}};
}

// ---- alignment heat maps -----------------------------------------------------------------

// Decodes `src` greedily and draws its attention: output tokens (rows) against source tokens
// (columns). Returns a line "source -> output" for the report.
std::string alignment_figure(const Seq2SeqBase& model, const std::vector<int64_t>& src,
                             const std::vector<int64_t>& reference,
                             const attn::data::Vocab& src_vocab, const attn::data::Vocab& tgt_vocab,
                             const fs::path& path) {
  const auto hyp = model.greedy_decode(std::vector<std::vector<int64_t>>{src},
                                       2 * static_cast<int64_t>(src.size()) + 10)[0];
  const std::vector<std::string> cols = src_vocab.decode(src, /*keep_specials=*/true);
  const std::vector<std::string> rows = tgt_vocab.decode(hyp.tokens, /*keep_specials=*/true);
  std::vector<double> values;
  for (const auto& row : hyp.attention) values.insert(values.end(), row.begin(), row.end());
  const bool right = hyp.output() == reference;
  const std::string out = attn::data::join_tokens(tgt_vocab.decode(hyp.tokens));
  attn::train::HeatMap(values, static_cast<int>(rows.size()), static_cast<int>(cols.size()))
      .title(std::string("Attention weights a_ij") + (right ? "" : " (output wrong)"))
      .row_labels(rows)
      .col_labels(cols)
      .x_label("source tokens j")
      .y_label("output tokens i")
      .value_range(0, 1)
      .save(path);
  return attn::data::join_tokens(src_vocab.decode(src)) + "  ->  " + out +
         (right ? ""
                : "  (reference: " + attn::data::join_tokens(tgt_vocab.decode(reference)) + ")");
}

int run(int argc, char** argv) {
  const auto opts = attn::train::parse_run_options(
      argc, argv, "03_attention",
      "Attention (Bahdanau et al. 2014): the same data as tutorial 02 with and without "
      "attention; quality against input length, alignment heat maps, greedy vs beam search.",
      attn::train::DataOption::kAccepted);
  const auto t_start = std::chrono::steady_clock::now();
  attn::manual_seed(opts.seed);
  std::cout << "attnlab tutorial 03: attention" << (opts.quick ? " (quick run)" : "")
            << "\noutput: " << opts.out_dir.string() << "\n";
  const Settings s = read_settings(opts);
  const Data data = make_data(s, opts);
  const fs::path& out = opts.out_dir;
  std::cout << "data: " << data.name << "; " << data.train.size() << " training pairs; "
            << "vocabularies " << data.src_vocab.size() << " -> " << data.tgt_vocab.size()
            << " tokens\n";

  const auto model_options =
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.embedding_dim)
          .hidden_size(s.hidden_size)
          .attention(s.attention)
          .attention_dim(s.attention_dim);
  attn::models::Seq2Seq bottleneck(model_options);
  attn::models::AttnSeq2Seq attention(model_options);
  std::cout << "bottleneck: " << bottleneck.num_parameters() << " parameters;  attention ("
            << attn::models::to_string(s.attention) << "): " << attention.num_parameters()
            << " parameters\n\n";

  // ---- train both on the same pairs ----
  Trained tb;
  if (!s.bottleneck_checkpoint.empty()) {
    attn::train::load_checkpoint(bottleneck, s.bottleneck_checkpoint);
    bottleneck.eval();
    std::cout << "bottleneck: loaded " << s.bottleneck_checkpoint << " (not trained here)\n";
  } else {
    std::cout << "training the bottleneck model (tutorial 02's)\n";
    tb = train(bottleneck, data.train, s.epochs, s, opts.seed + 101, "bottleneck");
    std::cout << "  " << fmt("%.1f", tb.seconds) << " s, last epoch's loss "
              << fmt("%.4f", tb.final_loss) << "\n";
  }
  std::cout << "training the attention model\n";
  attn::manual_seed(opts.seed + 1);
  const Trained ta = train(attention, data.train, s.epochs, s, opts.seed + 101, "attention");
  std::cout << "  " << fmt("%.1f", ta.seconds) << " s, last epoch's loss "
            << fmt("%.4f", ta.final_loss) << "\n\n";

  // ---- quality against length: free decoding of held-out pairs ----
  const AccuracyByLength acc_b = attn::models::accuracy_by_length(bottleneck, data.test);
  const AccuracyByLength acc_a = attn::models::accuracy_by_length(attention, data.test);
  std::cout << "held-out accuracy by source length (greedy decoding):\n";
  print_table(acc_b, acc_a);
  const auto all_b = attn::models::overall(acc_b), all_a = attn::models::overall(acc_a);
  std::printf("  all      %10.3f / %5.3f        %9.3f / %5.3f\n\n", all_b.exact, all_b.token,
              all_a.exact, all_a.token);

  std::vector<double> lens, eb, tkb, ea, tka;
  for (const auto& [len, sc] : acc_b) {
    lens.push_back(static_cast<double>(len));
    eb.push_back(sc.exact);
    tkb.push_back(sc.token);
    ea.push_back(acc_a.at(len).exact);
    tka.push_back(acc_a.at(len).token);
  }
  attn::train::LinePlot()
      .title("Quality against input length (after Bahdanau et al. 2014, Fig. 2)")
      .x_label("source length (tokens)")
      .y_label("accuracy on held-out pairs")
      .y_range(0, 1)
      .add_series("attention: exact match", lens, ea)
      .add_series("attention: per token", lens, tka)
      .add_series("bottleneck: exact match", lens, eb)
      .add_series("bottleneck: per token", lens, tkb)
      .save(out / "quality_vs_length.svg");
  {
    attn::train::LinePlot loss_plot;
    loss_plot.title("Training loss (teacher forcing)")
        .x_label("Adam step")
        .y_label("cross-entropy per target token")
        .log_y()
        .markers(false);
    if (!tb.step_losses.empty()) {
      const auto [x, y] = smooth(tb.step_losses);
      loss_plot.add_series("bottleneck", x, y);
    }
    const auto [x, y] = smooth(ta.step_losses);
    loss_plot.add_series("attention", x, y);
    loss_plot.save(out / "loss.svg");
  }

  // ---- greedy against beam search ----
  std::cout << "greedy vs beam search (width " << s.beam_width << ", alpha " << s.beam_alpha
            << ") on " << s.beam_per_length << " test pairs per length:\n";
  json decoding;
  attn::models::Score gb, bb, ga, ba;
  decoding["bottleneck"] = greedy_vs_beam(bottleneck, data.test, s, &gb, &bb);
  decoding["attention"] = greedy_vs_beam(attention, data.test, s, &ga, &ba);
  std::printf("  bottleneck  exact: greedy %.3f, beam %.3f   per token: greedy %.3f, beam %.3f\n",
              gb.exact, bb.exact, gb.token, bb.token);
  std::printf("  attention   exact: greedy %.3f, beam %.3f   per token: greedy %.3f, beam %.3f\n",
              ga.exact, ba.exact, ga.token, ba.token);

  // ---- alignments ----
  std::vector<std::pair<fs::path, std::string>> heat_maps;
  json alignment;
  Trained tt;
  std::unique_ptr<attn::models::AttnSeq2Seq> translator;
  const Seq2SeqBase* aligner = &attention;
  const Data* align_data = &data;
  Data translation;
  if (opts.data_path.empty() && !s.alignment_task.empty()) {
    // A small translation task with real structure, learned by its own attention model.
    int64_t lo = 1, hi = 1;
    {
      const auto task = attn::data::make_task(s.alignment_task);
      lo = task->min_length();
      hi = task->max_length();
    }
    translation = task_data(s.alignment_task, s.alphabet, s.alignment_train_pairs, 20, lo, hi,
                            opts.seed * 7919 + 2);
    std::cout << "\ntraining an attention model on the translation task \"" << s.alignment_task
              << "\" (" << translation.train.size() << " pairs, source lengths " << lo << "-" << hi
              << ")\n";
    translator = std::make_unique<attn::models::AttnSeq2Seq>(
        attn::models::Seq2SeqOptions(translation.src_vocab.size(), translation.tgt_vocab.size())
            .embedding_dim(s.embedding_dim)
            .hidden_size(s.hidden_size)
            .attention(s.attention)
            .attention_dim(s.attention_dim));
    tt = train(*translator, translation.train, s.alignment_epochs, s, opts.seed + 202,
               s.alignment_task);
    const auto acc_t = attn::models::accuracy_by_length(*translator, translation.test);
    const auto all_t = attn::models::overall(acc_t);
    std::cout << "  " << fmt("%.1f", tt.seconds) << " s; held-out exact match "
              << fmt("%.3f", all_t.exact) << ", per token " << fmt("%.3f", all_t.token) << "\n";
    alignment = {{"task", s.alignment_task},
                 {"final_loss", tt.final_loss},
                 {"steps", tt.steps},
                 {"train_seconds", tt.seconds},
                 {"exact", all_t.exact},
                 {"token", all_t.token},
                 {"accuracy_by_length", attn::models::to_json(acc_t)}};
    aligner = translator.get();
    align_data = &translation;
    attn::train::save_checkpoint(*translator, out / (s.alignment_task + "_attention.safetensors"),
                                 {{"model", "AttnSeq2Seq"}, {"task", s.alignment_task}});
  }
  // Test sentences of several lengths, longest first (the most interesting alignments).
  std::vector<const SeqPair*> picks;
  for (auto it = align_data->test.rbegin();
       it != align_data->test.rend() && static_cast<int64_t>(picks.size()) < s.alignment_examples;
       ++it) {
    picks.push_back(&it->second.front());
    if (++it == align_data->test.rend()) break;  // every other length: more variety
  }
  json alignment_examples = json::array();
  for (size_t k = 0; k < picks.size(); ++k) {
    const std::string file = "alignment_" + std::to_string(k + 1) + ".svg";
    const std::string line =
        alignment_figure(*aligner, picks[k]->src, picks[k]->tgt, align_data->src_vocab,
                         align_data->tgt_vocab, out / file);
    heat_maps.emplace_back(file, line);
    alignment_examples.push_back({{"file", file}, {"example", line}});
    std::cout << "  " << file << ": " << line << "\n";
  }
  alignment["examples"] = alignment_examples;
  if (opts.data_path.empty()) {
    // One reversal too: there the alignment is the anti-diagonal.
    const SeqPair& p = data.test.rbegin()->second.front();
    const std::string line = alignment_figure(attention, p.src, p.tgt, data.src_vocab,
                                              data.tgt_vocab, out / "alignment_reverse.svg");
    heat_maps.emplace_back("alignment_reverse.svg", line);
    std::cout << "  alignment_reverse.svg: " << line << "\n";
  }

  // ---- checkpoints, metrics ----
  attn::train::save_checkpoint(attention, out / "model.safetensors",
                               {{"model", "AttnSeq2Seq"},
                                {"attention", attn::models::to_string(s.attention)},
                                {"embedding_dim", std::to_string(s.embedding_dim)},
                                {"hidden_size", std::to_string(s.hidden_size)}});
  attn::train::save_checkpoint(bottleneck, out / "bottleneck.safetensors",
                               {{"model", "Seq2Seq"},
                                {"embedding_dim", std::to_string(s.embedding_dim)},
                                {"hidden_size", std::to_string(s.hidden_size)}});
  data.src_vocab.save(out / "src_vocab.txt");
  data.tgt_vocab.save(out / "tgt_vocab.txt");

  json metrics;
  metrics["final_loss"] = ta.final_loss;
  metrics["final_loss_by_model"] = {{"attention", ta.final_loss}};
  if (!tb.step_losses.empty()) metrics["final_loss_by_model"]["bottleneck"] = tb.final_loss;
  metrics["accuracy_by_length"]["bottleneck"] = attn::models::to_json(acc_b);
  metrics["accuracy_by_length"]["attention"] = attn::models::to_json(acc_a);
  metrics["overall"]["bottleneck"] = {{"exact", all_b.exact}, {"token", all_b.token}};
  metrics["overall"]["attention"] = {{"exact", all_a.exact}, {"token", all_a.token}};
  metrics["greedy_vs_beam"] = decoding;
  metrics["beam"] = {{"width", s.beam_width}, {"alpha", s.beam_alpha}};
  metrics["alignment"] = alignment;
  metrics["steps"] = {{"bottleneck", tb.steps}, {"attention", ta.steps}};
  metrics["train_seconds"] = {{"bottleneck", tb.seconds}, {"attention", ta.seconds}};
  metrics["seconds"] = seconds_since(t_start);
  metrics["attention_kind"] = attn::models::to_string(s.attention);
  metrics["data"] = data.name;
  metrics["train_pairs"] = data.train.size();
  metrics["parameters"] = {{"bottleneck", bottleneck.num_parameters()},
                           {"attention", attention.num_parameters()}};
  metrics["bottleneck_checkpoint"] = s.bottleneck_checkpoint;
  metrics["quick"] = opts.quick;
  metrics["seed"] = opts.seed;
  metrics["threads"] = opts.threads;
  metrics["config"] = opts.config.effective();
  attn::train::write_metrics(out, metrics);

  // ---- index.html ----
  const int64_t longest = acc_b.rbegin()->first;
  attn::train::Report report("03 · Attention");
  report.paragraph(
      "Two models on the same data (" + data.name +
      "). The bottleneck model of tutorial 02 hands the decoder one vector, the encoder's last "
      "state. The attention model lets every decoder step look back at every encoder state h_j: "
      "it scores each against its own state s_{i-1} (" +
      std::string(s.attention == attn::models::AttentionKind::additive
                      ? "additive, `v^T tanh(W s + U h_j)`, as Bahdanau et al."
                      : "a Luong score") +
      "), turns the scores into weights `a_ij` with a softmax over j, and reads the weighted "
      "sum `c_i = sum_j a_ij h_j`. Nothing has to fit in one vector any more.");
  report.figure("quality_vs_length.svg",
                "Held-out accuracy against source length, both models, free (greedy) decoding. "
                "At length " +
                    std::to_string(longest) + ": attention " +
                    fmt("%.2f", acc_a.rbegin()->second.exact) + " exact, bottleneck " +
                    fmt("%.2f", acc_b.rbegin()->second.exact) + ".");
  report.figure("loss.svg", "Training loss of both models (teacher forcing), log scale.");
  report.metrics({{"exact_attention", all_a.exact},
                  {"exact_bottleneck", all_b.exact},
                  {"exact_longest_attention", acc_a.rbegin()->second.exact},
                  {"exact_longest_bottleneck", acc_b.rbegin()->second.exact},
                  {"final_loss_attention", ta.final_loss},
                  {"beam_exact_attention", ba.exact},
                  {"greedy_exact_attention", ga.exact},
                  {"beam_exact_bottleneck", bb.exact},
                  {"greedy_exact_bottleneck", gb.exact}});
  if (!heat_maps.empty()) {
    report.heading("Where each output token looked");
    report.paragraph(
        "Rows: the tokens the attention model wrote (greedy); columns: the source tokens; "
        "cell: the weight a_ij. Nobody told the model which source word goes with which output "
        "token: the alignment is learned from the translation loss alone." +
        std::string(translator ? " For dates, ISO order reverses the fields, so the year's "
                                 "digits look at the end of the source and the day's at its "
                                 "start."
                               : ""));
    for (const auto& [file, caption] : heat_maps) report.figure(file, caption);
  }
  report.paragraph("Greedy against beam search (width " + std::to_string(s.beam_width) +
                   ", length normalisation alpha " + fmt("%.1f", s.beam_alpha) +
                   "), exact match on " + std::to_string(gb.count) + " test pairs: bottleneck " +
                   fmt("%.3f", gb.exact) + " -> " + fmt("%.3f", bb.exact) + ", attention " +
                   fmt("%.3f", ga.exact) + " -> " + fmt("%.3f", ba.exact) + ".");
  report.link("metrics.json", "every number of this run");
  report.link("model.safetensors", "the attention model's weights");
  report.link("bottleneck.safetensors", "the bottleneck model's weights");
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
