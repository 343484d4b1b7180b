// Tutorial 02: the seq2seq bottleneck.
//
//   build/bin/02_seq2seq_bottleneck [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                                   [--threads N] [--data PAIRS.tsv]
//
// An encoder LSTM reads the source and hands ONE state, its last (h_S, c_S), to a decoder
// LSTM that writes the target from it alone (models/seq2seq.h, Seq2Seq). The run first shows
// that on one sentence with an untrained model, then trains the model on reversal of random
// letter strings of many lengths and measures, on held-out strings, how often it gets the
// whole output right (exact match) and how many of its tokens are right (per-token accuracy),
// for every input length. One fixed-size vector has to carry the whole input, and the longer
// the input the less of it survives: accuracy falls with length.
//
// The files: main.cpp (this: the idea, then the experiment); report.cpp (figures, checkpoint,
// metrics.json, index.html). The config keys and the data are train/seq2seq/pair_settings.h
// and pair_data.h (tutorial 03 reads the same); the training, train/seq2seq/fit_pairs.h
// over train/loop/train_loop.h.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_batch.h"
#include "models/seq2seq.h"
#include "models/seq2seq_eval.h"
#include "report.h"
#include "train/run/guarded_main.h"
#include "train/run/run_options.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"
#include "train/run/tutorial_start.h"
#include "train/seq2seq/fit_pairs.h"

using attn::Tensor;
using attn::data::SeqPair;
using attn::train::fmt;

namespace {

// ---- the lecture's step: the whole input squeezed into one vector --------------------------

// One held-out sentence through an untrained Seq2Seq: the encoder makes a state h_j for every
// token, and the decoder starts from the last, (h_S, c_S), and from nothing else.
void show_the_bottleneck(const attn::train::PairData& data, const attn::train::PairSettings& s,
                         uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed);  // the experiment's draws stay as if this never ran
  const attn::models::Seq2Seq model(
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.embedding_dim)
          .hidden_size(s.hidden_size)
          .cell(s.cell));
  attn::NoGradGuard no_grad;
  const SeqPair& pair = data.test.rbegin()->second.front();  // one of the longest
  const attn::data::SeqBatch b = attn::data::collate({pair});
  const attn::models::Encoded enc = model.encode(b.src, b.src_lengths);
  const attn::nn::RecurrentState s0 = model.initial_state(enc);  // {s_0, m_0} = {h_S, c_S}
  const bool lstm = s0.size() == 2;                                // a GRU's is {h_S} alone
  std::cout << "\nthe bottleneck, on one sentence (untrained model):\n  source  "
            << attn::data::join_tokens(data.src_vocab.decode(pair.src)) << "\n  encoder states"
            << "  h_1 .. h_S  " << attn::shape_str(enc.states.shape())
            << "   (S = " << pair.src.size() << " tokens, H = " << s.hidden_size
            << ")\n  decoder start   s_0 = h_S   " << attn::shape_str(s0[0].shape())
            << "   first numbers:";
  for (int64_t k = 0; k < 4; ++k) std::cout << " " << fmt("%.3f", s0[0].data()[k]);
  // The decoder's first step, then the same step with every h_j erased: Seq2Seq's decoder
  // never reads them, so its output does not move.
  const Tensor bos = Tensor::from_vector({attn::data::kBos}, {1});
  const Tensor logits = model.decode_step(bos, s0, enc).logits;
  attn::models::Encoded erased = enc;
  erased.states = Tensor::zeros_like(enc.states);
  const Tensor same = model.decode_step(bos, s0, erased).logits;
  double moved = 0;
  for (int64_t i = 0; i < logits.numel(); ++i)
    moved = std::max<double>(moved, std::abs(logits.data()[i] - same.data()[i]));
  std::cout << "\n  h_1 .. h_S erased: the decoder's first logits move by " << moved << "\n  "
            << enc.states.numel() << " numbers computed, "
            << static_cast<int64_t>(s0.size()) * s.hidden_size
            << (lstm ? " (h_S and c_S)" : " (h_S)") << " reach the decoder\n\n";
}

// What --help says under the usage line.
constexpr const char* kAbout =
    "The seq2seq bottleneck: an LSTM encoder squeezes the source into its last state, an LSTM "
    "decoder writes the target from that alone; accuracy falls as the input grows.";

// ---- the experiment: accuracy against input length ------------------------------------------

// Output next to reference for two sources each of a short, a middle and a long length.
void show_examples(const attn::models::Seq2Seq& model, const attn::train::PairData& data,
                   Results& r) {
  const int64_t shortest = data.test.begin()->first, longest = data.test.rbegin()->first;
  r.examples = nlohmann::json::array();
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
      r.examples.push_back(
          {{"source", src}, {"reference", ref}, {"output", out}, {"exact", right}});
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
      std::string line = "[";
      line += std::to_string(it->first);
      line += "] " + src + "  ->  " + out;
      line += right ? "   (right)" : "   (should be: " + ref + ")";
      r.example_lines.push_back(line);
      std::cout << "  " << line << "\n";
    }
  }
}

int run(int argc, char** argv) {
  Results r;  // its clock starts now
  const auto opts = attn::train::start_tutorial(argc, argv, "02_seq2seq_bottleneck",
                                                "the seq2seq bottleneck", kAbout,
                                                attn::train::DataOption::kAccepted);
  const attn::train::PairSettings s = attn::train::read_pair_settings(opts);
  opts.config.check_unknown_keys();
  attn::train::pair_memory_estimate(s, !opts.data_path.empty()).check();
  attn::models::recurrent_factory(s.cell);  // an unknown or unlinked cell stops the run here
  const attn::train::PairData data = attn::train::load_pair_data(s, opts);
  std::cout << "data: " << data.name << "; " << data.train.size() << " training pairs, test "
            << "lengths " << data.test.begin()->first << "-" << data.test.rbegin()->first
            << "; vocabularies " << data.src_vocab.size() << " -> " << data.tgt_vocab.size()
            << " tokens\n";
  show_the_bottleneck(data, s, opts.seed);

  attn::models::Seq2Seq model(
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.embedding_dim)
          .hidden_size(s.hidden_size)
          .cell(s.cell));
  const std::string kind = s.cell == "lstm" ? "LSTM" : s.cell == "gru" ? "GRU" : s.cell;
  std::cout << "model: Embedding(" << data.src_vocab.size() << "," << s.embedding_dim
            << ") -> " << kind << "(" << s.embedding_dim << "," << s.hidden_size
            << ") encoder; its last " << (kind == "LSTM" ? "(h, c) starts an " : "state starts a ")
            << kind << "Cell(" << s.embedding_dim << "," << s.hidden_size << ") decoder; Linear("
            << s.hidden_size << ","
            << data.tgt_vocab.size() << "); " << model.num_parameters() << " parameters\n"
            << "training: Adam lr " << s.lr << ", batch " << s.batch_size << ", " << s.epochs
            << " epochs, teacher forcing\n\n";

  // Adam on the teacher-forced loss, gradients clipped; batches of similar source length in
  // a new random order every epoch (train/seq2seq/fit_pairs.h).
  r.log = attn::train::fit_pairs(
      model, [&](const attn::data::SeqBatch& b) { return model.loss(b); }, data.train, s.epochs, s,
      opts.seed + 101, "train");
  std::cout << "trained in " << fmt("%.1f", r.log.seconds) << " s (" << r.log.steps()
            << " steps); last epoch's mean loss " << fmt("%.4f", r.log.final_loss()) << "\n\n";

  // Evaluation: free decoding, never teacher forcing.
  const auto t_eval = std::chrono::steady_clock::now();
  r.by_length = attn::models::accuracy_by_length(model, data.test);
  r.all = attn::models::overall(r.by_length);
  std::cout << "held-out accuracy by source length (greedy decoding, "
            << fmt("%.1f", attn::train::seconds_since(t_eval)) << " s):\n"
            << "  length   exact   per-token\n";
  for (const auto& [len, sc] : r.by_length)
    std::printf("  %6lld   %5.3f   %9.3f\n", static_cast<long long>(len), sc.exact, sc.token);
  std::printf("  all      %5.3f   %9.3f\n\n", r.all.exact, r.all.token);
  show_examples(model, data, r);

  write_outputs(opts, s, data, model, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
