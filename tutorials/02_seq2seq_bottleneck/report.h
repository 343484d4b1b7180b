#pragma once
// Tutorial 02's outputs, written by report.cpp after main.cpp's experiment: the figures, the
// checkpoint and vocabularies, metrics.json and index.html.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/seq2seq.h"
#include "models/seq2seq_eval.h"
#include "train/loop/train_loop.h"
#include "train/run/run_options.h"
#include "train/seq2seq/pair_data.h"
#include "train/seq2seq/pair_settings.h"

// What the experiment measured.
struct Results {
  attn::train::TrainLog log;                 // the training
  attn::models::AccuracyByLength by_length;  // held-out, greedy decoding
  attn::models::Score all;                   // the same over all lengths
  nlohmann::json examples;                   // [{source, reference, output, exact}]
  std::vector<std::string> example_lines;    // the same as the terminal showed them
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();  // when the run began
};

// accuracy_by_length.svg, loss.svg, model.safetensors, src_vocab.txt, tgt_vocab.txt,
// metrics.json and index.html in opts.out_dir.
void write_outputs(const attn::train::RunOptions& opts, const attn::train::PairSettings& s,
                   const attn::train::PairData& data, const attn::models::Seq2Seq& model,
                   const Results& r);
