#pragma once
// Tutorial 03's pieces beside main.cpp: its settings (settings.cpp), greedy against beam search
// and the alignment heat maps (decoding.cpp), the training and the translation model
// (translation.cpp), and its outputs (report.cpp).
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/vocab.h"
#include "models/seq2seq.h"
#include "models/seq2seq_eval.h"
#include "train/loop/train_loop.h"
#include "train/run/run_options.h"
#include "train/seq2seq/pair_data.h"
#include "train/seq2seq/pair_settings.h"

// ---- settings.cpp ----
// Config keys (a JSON object given with --config) and their defaults, full / quick:
//   task, alphabet, min_len, max_len, train_pairs, test_per_length, epochs, batch_size, lr,
//   clip, embedding_dim, hidden_size, cell, data_max_len, data_max_pairs, swap_columns
//                   as tutorial 02 (train/seq2seq/pair_settings.h): the bottleneck is 02's model
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
struct Settings {
  attn::train::PairSettings pair;  // tutorial 02's keys
  attn::models::AttentionKind attention;
  int64_t attention_dim;
  std::string bottleneck_checkpoint;
  int64_t beam_width, beam_per_length;
  double beam_alpha;
  std::string alignment_task;
  int64_t alignment_train_pairs, alignment_epochs, alignment_examples;
};
Settings read_settings(const attn::train::RunOptions& opts);

// ---- decoding.cpp ----
struct GreedyVsBeam {
  attn::models::Score greedy, beam;
  nlohmann::json json;  // both, with their time and accuracy by length
};
// What the experiment measured (decoding.cpp and main.cpp fill it, report.cpp writes it).
struct Results {
  attn::train::TrainLog bottleneck_log, attention_log;  // bottleneck's empty when loaded
  attn::models::AccuracyByLength bottleneck_acc, attention_acc;
  GreedyVsBeam bottleneck_decoding, attention_decoding;
  nlohmann::json alignment;  // the translation model's numbers and the heat maps drawn
  bool translation = false;  // the heat maps come from a translation task
  std::vector<std::pair<std::filesystem::path, std::string>> heat_maps;  // file, caption
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

// Greedy and beam search on the first beam_per_length test pairs of every length.
GreedyVsBeam greedy_vs_beam(const attn::models::Seq2SeqBase& model,
                            const std::map<int64_t, std::vector<attn::data::SeqPair>>& test,
                            const Settings& s);

// Decodes `src` greedily and draws its attention, output tokens (rows) against source tokens
// (columns), to `path`. Returns a line "source -> output" for the report.
std::string alignment_figure(const attn::models::Seq2SeqBase& model,
                             const std::vector<int64_t>& src, const std::vector<int64_t>& reference,
                             const attn::data::Vocab& src_vocab, const attn::data::Vocab& tgt_vocab,
                             const std::filesystem::path& path);

// The heat maps of `model` on the first test sentence of every other length, longest first,
// `count` in all: alignment_1.svg, ... in out_dir, added to r.heat_maps and
// r.alignment["examples"].
void draw_alignments(const attn::models::Seq2SeqBase& model, const attn::train::PairData& data,
                     int64_t count, const std::filesystem::path& out_dir, Results& r);

// ---- translation.cpp ----
// fit_pairs (train/seq2seq/fit_pairs.h) on d.train with the settings' Adam, batches and
// clipping, and a line on the terminal: its time and last epoch's loss.
attn::train::TrainLog fit(attn::models::Seq2SeqBase& model, const attn::train::PairData& d,
                          int64_t epochs, const Settings& s, uint64_t seed,
                          const std::string& label);

// A third model, with attention, trained on the translation task s.alignment_task (dates or
// numbers in words -> digits), whose alignments are not the diagonal. Fills `translation`
// with its data and r.alignment with its numbers, saves <out>/<task>_attention.safetensors.
std::unique_ptr<attn::models::AttnSeq2Seq> train_translator(const Settings& s,
                                                            const attn::train::RunOptions& opts,
                                                            attn::train::PairData& translation,
                                                            Results& r);

// ---- report.cpp ----
// quality_vs_length.svg, loss.svg, model.safetensors, bottleneck.safetensors, the
// vocabularies, metrics.json and index.html in opts.out_dir.
void write_outputs(const attn::train::RunOptions& opts, const Settings& s,
                   const attn::train::PairData& data, const attn::models::Seq2Seq& bottleneck,
                   const attn::models::AttnSeq2Seq& attention, const Results& r);
