// Tutorial 03: attention (Bahdanau, Cho, Bengio 2014).
//
//   build/bin/03_attention [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                          [--threads N] [--data PAIRS.tsv]
//
// The decoder of tutorial 02 saw one vector. Here, at every step i, it scores every encoder
// state h_j against its own previous state s_{i-1},
//     e_ij = v^T tanh(W s_{i-1} + U h_j),    a_ij = softmax_j(e_ij),    c_i = sum_j a_ij h_j,
// and reads the context c_i. The run opens with one such step on one sentence, worked out by
// hand beside the library's layer. Then the experiment: tutorial 02's data, two models
//   bottleneck  Seq2Seq, tutorial 02's model
//   attention   AttnSeq2Seq: the same plus attention at every decoder step
// trained the same way and evaluated by free decoding on held-out strings of every length:
// quality against input length (Bahdanau et al.'s Figure 2), where the bottleneck falls and
// attention holds. Then greedy decoding against beam search, and a third model, with
// attention, that learns a small translation task (dates in words -> ISO digits) whose
// alignments are not the diagonal: the heat maps show which source words each digit looked at.
//
// The files: main.cpp (this: the idea, then the experiment); attention.h (the declarations
// and the config keys); settings.cpp; translation.cpp (training, the translation model);
// decoding.cpp (greedy vs beam, heat maps); report.cpp (figures, checkpoints, metrics.json,
// index.html). Tutorial 02's settings, data and training are shared from train/seq2seq/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "attention.h"
#include "autograd/autograd.h"
#include "train/io/checkpoint.h"
#include "train/run/guarded_main.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"
#include "train/run/tutorial_start.h"

using attn::Tensor;
using attn::data::SeqPair;
using attn::models::Seq2SeqBase;
using attn::train::fmt;

namespace {

// ---- the lecture's step: one decoder step attends over one sentence -------------------------

// The first decoder step of an untrained AttnSeq2Seq (additive attention) on one held-out
// sentence: e_1j and a_1j by hand from the layer's W, U, v, beside the weights the model's own
// decode_step computes.
void show_one_attention_step(const attn::train::PairData& data, const Settings& s, uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed);  // the experiment's draws stay as if this never ran
  const attn::models::AttnSeq2Seq model(
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.pair.embedding_dim)
          .hidden_size(s.pair.hidden_size)
          .cell(s.pair.cell)
          .attention(attn::models::AttentionKind::additive)
          .attention_dim(s.attention_dim));
  attn::NoGradGuard no_grad;
  const auto it = data.test.lower_bound(6);  // a short sentence keeps the table small
  const SeqPair& pair = (it == data.test.end() ? data.test.rbegin()->second : it->second).front();
  const attn::data::SeqBatch b = attn::data::collate({pair});
  const attn::models::Encoded enc = model.encode(b.src, b.src_lengths);  // h_j: [1, S, H]
  const Tensor s_prev = model.initial_state(enc)[0];                     // s_0 = h_S: [1, H]
  const attn::nn::AdditiveAttention& att = *model.additive;
  const Tensor Ws = att.W(s_prev).unsqueeze(1);                          // [1, 1, A]
  const Tensor Uh = att.U(enc.states);                                   // [1, S, A]
  const Tensor e = att.v(attn::tanh(Ws + Uh)).squeeze(2);                // [1, S]
  const Tensor a = attn::softmax(e, 1);                                  // [1, S], sums to 1
  const Tensor c = attn::matmul(a.unsqueeze(1), enc.states).squeeze(1);  // [1, H]
  const Tensor bos = Tensor::from_vector({attn::data::kBos}, {1});
  const Tensor model_a = model.decode_step(bos, model.initial_state(enc), enc).weights;
  const std::vector<std::string> words = data.src_vocab.decode(pair.src);
  std::cout << "\none decoder step, i = 1, on one sentence (untrained model, additive "
            << "attention):\n  e_1j = v^T tanh(W s_0 + U h_j),  a_1j = softmax_j(e_1j)\n"
            << "     j  token        e_1j     a_1j   decode_step's a_1j\n";
  double sum = 0, worst = 0;
  for (size_t j = 0; j < words.size(); ++j) {
    sum += a.data()[j];
    worst = std::max<double>(worst, std::abs(a.data()[j] - model_a.data()[j]));
    std::printf("  %4zu  %-8s %9.4f %8.4f %12.4f\n", j + 1, words[j].c_str(), e.data()[j],
                a.data()[j], model_a.data()[j]);
  }
  std::cout << "  sum_j a_1j = " << fmt("%.4f", sum) << "; by hand and by the layer differ by "
            << "at most " << fmt("%.1e", worst) << "; c_1 = sum_j a_1j h_j is "
            << attn::shape_str(c.shape()) << "\n  Untrained, the weights are nearly uniform "
            << "(1/S = " << fmt("%.3f", 1.0 / static_cast<double>(words.size()))
            << "): training sharpens them into the alignments drawn below.\n\n";
}

// ---- the experiment: quality against length, beam search, alignments ------------------------

// What --help says under the usage line.
constexpr const char* kAbout =
    "Attention (Bahdanau et al. 2014): the same data as tutorial 02 with and without "
    "attention; quality against input length, alignment heat maps, greedy vs beam search.";

int run(int argc, char** argv) {
  Results r;  // its clock starts now
  const auto opts = attn::train::start_tutorial(argc, argv, "03_attention", "attention", kAbout,
                                                attn::train::DataOption::kAccepted);
  const Settings s = read_settings(opts);
  const attn::train::PairData data = attn::train::load_pair_data(s.pair, opts);
  std::cout << "data: " << data.name << "; " << data.train.size() << " training pairs; "
            << "vocabularies " << data.src_vocab.size() << " -> " << data.tgt_vocab.size()
            << " tokens\n";
  show_one_attention_step(data, s, opts.seed);

  const auto model_options =
      attn::models::Seq2SeqOptions(data.src_vocab.size(), data.tgt_vocab.size())
          .embedding_dim(s.pair.embedding_dim)
          .hidden_size(s.pair.hidden_size)
          .cell(s.pair.cell)
          .attention(s.attention)
          .attention_dim(s.attention_dim);
  attn::models::Seq2Seq bottleneck(model_options);
  attn::models::AttnSeq2Seq attention(model_options);
  std::cout << "bottleneck: " << bottleneck.num_parameters() << " parameters;  attention ("
            << attn::models::to_string(s.attention) << "): " << attention.num_parameters()
            << " parameters\n\n";
  // ---- train both on the same pairs ----
  if (!s.bottleneck_checkpoint.empty()) {
    attn::train::load_checkpoint(bottleneck, s.bottleneck_checkpoint);
    bottleneck.eval();
    std::cout << "bottleneck: loaded " << s.bottleneck_checkpoint << " (not trained here)\n";
  } else {
    std::cout << "training the bottleneck model (tutorial 02's)\n";
    r.bottleneck_log = fit(bottleneck, data, s.pair.epochs, s, opts.seed + 101, "bottleneck");
  }
  std::cout << "training the attention model\n";
  attn::manual_seed(opts.seed + 1);
  r.attention_log = fit(attention, data, s.pair.epochs, s, opts.seed + 101, "attention");

  // ---- quality against length: free decoding of held-out pairs ----
  r.bottleneck_acc = attn::models::accuracy_by_length(bottleneck, data.test);
  r.attention_acc = attn::models::accuracy_by_length(attention, data.test);
  std::cout << "\nheld-out accuracy by source length (greedy decoding):\n"
            << "  length   bottleneck exact / token   attention exact / token\n";
  for (const auto& [len, b] : r.bottleneck_acc) {
    const auto& a = r.attention_acc.at(len);
    std::printf("  %6lld   %10.3f / %5.3f        %9.3f / %5.3f\n", static_cast<long long>(len),
                b.exact, b.token, a.exact, a.token);
  }
  const auto all_b = attn::models::overall(r.bottleneck_acc);
  const auto all_a = attn::models::overall(r.attention_acc);
  std::printf("  all      %10.3f / %5.3f        %9.3f / %5.3f\n\n", all_b.exact, all_b.token,
              all_a.exact, all_a.token);

  // ---- greedy against beam search ----
  std::cout << "greedy vs beam search (width " << s.beam_width << ", alpha " << s.beam_alpha
            << ") on " << s.beam_per_length << " test pairs per length:\n";
  r.bottleneck_decoding = greedy_vs_beam(bottleneck, data.test, s);
  r.attention_decoding = greedy_vs_beam(attention, data.test, s);
  for (const auto& [name, d] : {std::pair{"bottleneck", &r.bottleneck_decoding},
                                std::pair{"attention ", &r.attention_decoding}})
    std::printf("  %s  exact: greedy %.3f, beam %.3f   per token: greedy %.3f, beam %.3f\n", name,
                d->greedy.exact, d->beam.exact, d->greedy.token, d->beam.token);

  // ---- alignments: a translation task with real structure, learned by its own model ----
  attn::train::PairData translation;
  std::unique_ptr<attn::models::AttnSeq2Seq> translator;
  if (opts.data_path.empty() && !s.alignment_task.empty())
    translator = train_translator(s, opts, translation, r);
  const Seq2SeqBase* aligner = translator ? translator.get() : &attention;
  const attn::train::PairData* align_data = translator ? &translation : &data;
  draw_alignments(*aligner, *align_data, s.alignment_examples, opts.out_dir, r);
  if (opts.data_path.empty()) {
    const SeqPair& p = data.test.rbegin()->second.front();
    const std::string line =
        alignment_figure(attention, p.src, p.tgt, data.src_vocab, data.tgt_vocab,
                         opts.out_dir / "alignment_reverse.svg");
    r.heat_maps.emplace_back("alignment_reverse.svg", line);  // its alignment: the anti-diagonal
    std::cout << "  alignment_reverse.svg: " << line << "\n";
  }

  write_outputs(opts, s, data, bottleneck, attention, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
