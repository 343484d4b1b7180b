// Tutorial 04: self-attention.
//
//   build/bin/04_self_attention [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                               [--threads N]
//
// A sequence attends to itself. From the vectors X of its n positions (here an LSTM's
// outputs), three projections make a query, a key and a value for every position,
//     Q = X W^Q,   K = X W^K,   V = X W^V,   Z = softmax(Q K^T / sqrt(d_k)) V,
// and Q K^T is n x n: one score for every pair of positions, whatever d_k is. The run opens
// with that computation on one string, by hand beside the library's layer. Then the
// experiment. The task: label each token of a random letter string 1 if its letter occurs
// elsewhere in the string, else 0 ("f c q q a" -> "0 0 1 1 0", data/seq_tasks.h "repeats"):
// no position can answer alone. Three models, trained the same number of steps on the same
// batches:
//   lstm                 Embedding -> BiLSTM -> X -> head(X)                 (the baseline)
//   lstm_self_attention  the same, plus the lecture's single head over X: head([X | Z])
//   transformer          Embedding + sinusoidal positions -> 2 encoder layers of 4 heads
//
// The files: main.cpp (this: the idea, then the experiment); self_attention.h (the
// declarations and the config keys); settings.cpp (every default, in one place);
// evaluate.cpp (accuracy by length, where the attention goes); report.cpp (checkpoints,
// figures, heat maps, metrics.json, index.html). The training loop is train/loop/train_loop.h.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>

#include "autograd/autograd.h"
#include "data/tagging_batch.h"
#include "layers/layer_norm.h"
#include "self_attention.h"
#include "train/loop/batch_stream.h"
#include "train/optim/adam.h"
#include "train/run/guarded_main.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"
#include "train/run/tutorial_start.h"

using attn::Tensor;
using attn::train::fmt;

namespace {

// ---- the lecture's step: queries, keys and values of one string ----------------------------

// One held-out string through the untrained lecture model: X from its BiLSTM, then Q, K, V,
// the n x n scores and their softmax, by hand from the head's W^Q, W^K, W^V, beside the
// weights the layer itself computes.
void show_queries_keys_values(const attn::data::SeqTask& task, const TestSet& test_set,
                              const Settings& s, uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed);  // the experiment's draws stay as if this never ran
  const attn::models::LstmTagger model(
      lstm_options(s, task.src_vocab().size(), task.tgt_vocab().size(), /*self_attention=*/true));
  attn::NoGradGuard no_grad;
  const auto it = test_set.lower_bound(6);  // a short string keeps the matrix readable
  const attn::data::SeqPair& pair = (it == test_set.end() ? test_set.begin() : it)->second.front();
  const attn::data::SeqBatch b = attn::data::collate({pair});
  const Tensor lstm_out = model.lstm(model.embedding(b.src), {}, b.src_lengths).first;
  // X [1, n, 2H]: the RNN outputs, normalised per position when normalize_x is on.
  const Tensor X = s.normalize_x ? attn::nn::layer_norm(lstm_out, {lstm_out.size(2)}) : lstm_out;
  const attn::nn::SelfAttention& head = *model.self_attn;
  const Tensor Q = attn::matmul(X, head.W_Q);  // [1, n, d_k]
  const Tensor K = attn::matmul(X, head.W_K);  // [1, n, d_k]
  const Tensor V = attn::matmul(X, head.W_V);  // [1, n, d_v]
  Tensor scores = attn::matmul(Q, K.transpose(1, 2)) / std::sqrt(static_cast<float>(s.d_k));
  const int64_t len = scores.size(1);
  if (!s.attend_to_self)  // a position may not attend to itself: its own score is -inf
    for (int64_t i = 0; i < len; ++i)
      scores.data()[i * len + i] = -std::numeric_limits<float>::infinity();
  const Tensor A = attn::softmax(scores, 2);                           // [1, n, n]: row i sums to 1
  const Tensor Z = attn::matmul(A, V);                                 // [1, n, d_v]
  const Tensor layer_A = model(b.src, b.src_lengths).attention.at(0);  // what the model computes
  double worst = 0;
  for (int64_t i = 0; i < A.numel(); ++i)
    worst = std::max<double>(worst, std::abs(A.data()[i] - layer_A.data()[i]));
  const std::vector<std::string> letters = task.src_vocab().decode(pair.src);
  const auto n = static_cast<int64_t>(letters.size());
  std::cout << "\nself-attention on one string (untrained lecture model): \""
            << attn::data::join_tokens(letters) << "\", n = " << n
            << (s.normalize_x ? "\n  X = layer_norm(BiLSTM outputs) " : "\n  X ")
            << attn::shape_str(X.shape()) << "   W^Q, W^K " << attn::shape_str(head.W_Q.shape())
            << "   W^V " << attn::shape_str(head.W_V.shape()) << "\n  Q = X W^Q "
            << attn::shape_str(Q.shape()) << "   K = X W^K " << attn::shape_str(K.shape())
            << "   V = X W^V " << attn::shape_str(V.shape()) << "\n  Q K^T "
            << attn::shape_str(scores.shape()) << ": n x n (n = " << n
            << "), not d_k x d_k (d_k = " << s.d_k << ")   Z = softmax(Q K^T / sqrt(d_k)) V "
            << attn::shape_str(Z.shape())
            << "\n  softmax(Q K^T / sqrt(d_k)), row i = where position i looks:\n       ";
  for (const auto& l : letters) std::printf("%6s", l.c_str());
  for (int64_t i = 0; i < n; ++i) {
    std::printf("\n  %4s ", letters[static_cast<size_t>(i)].c_str());
    for (int64_t j = 0; j < n; ++j) std::printf("%6.3f", A.data()[i * n + j]);
  }
  std::cout << "\n  by hand and by the model differ by at most " << fmt("%.1e", worst)
            << (s.qk_tied_init ? "; untrained, W^K starts as a copy of W^Q, so a row already leans "
                                 "to positions whose X is like its own"
                               : "; untrained, the rows are nearly flat")
            << " (uniform: " << fmt("%.3f", 1.0 / static_cast<double>(s.attend_to_self ? n : n - 1))
            << "): training teaches a repeated letter to look at its twin.\n\n";
}

// What --help says under the usage line.
constexpr const char* kAbout =
    "Self-attention: mark each letter that occurs elsewhere in its string. An LSTM alone, "
    "the same LSTM with the lecture's single self-attention head (Q = X W^Q, K = X W^K, "
    "V = X W^V over its outputs X), and a Transformer encoder (positions, 4 heads).";

// ---- the experiment: three models on the "repeats" task -------------------------------------

// Adam with a warm-up and a cosine decay, the same schedule and the same batches (the same
// seed) for all three models.
void train(Contender& c, const std::vector<attn::data::SeqPair>& train_set, const Settings& s,
           uint64_t seed) {
  c.module->train();
  attn::optim::Adam opt(c.module->parameters(), {.lr = s.lr});
  attn::train::SeqBatchStream batches(train_set, s.batch_size, seed + 101, s.bucket_by_length);
  c.log = attn::train::train_loop(
      opt,
      {.steps = s.steps,
       .clip = 1.0,
       .schedule = attn::train::WarmupCosine{.base_lr = s.lr,
                                             .warmup_steps = std::min<int64_t>(100, s.steps / 10),
                                             .total_steps = s.steps + 1,
                                             .min_lr = s.lr * 0.05},
       .label = c.name},
      [&] {
        const auto b = attn::data::to_tagging_batch(train_set, batches.next());
        return attn::models::tagging_loss(c.forward(b.tokens, b.lengths).logits, b.targets);
      });
}

int run(int argc, char** argv) {
  Results r;  // its clock starts now
  const auto opts =
      attn::train::start_tutorial(argc, argv, "04_self_attention", "self-attention", kAbout);
  const Settings s = read_settings(opts);

  // ---- data ----
  auto task = attn::data::make_task("repeats", {.alphabet = s.alphabet});
  attn::Generator data_gen(opts.seed * 7 + 3);
  const auto train_set =
      attn::data::make_train_set(*task, s.train_size, s.min_len, s.max_len, data_gen);
  const TestSet test_set =
      attn::data::make_test_set(*task, s.test_per_length, s.min_len, s.test_max_len, data_gen);
  const attn::data::Vocab& src_vocab = task->src_vocab();
  const attn::data::Vocab& tgt_vocab = task->tgt_vocab();
  std::cout << "\n"
            << task->describe()
            << "\n\nexample:  " << attn::data::join_tokens(src_vocab.decode(train_set[0].src))
            << "\n    ->    " << attn::data::join_tokens(tgt_vocab.decode(train_set[0].tgt))
            << "\n";
  // The accuracy of always answering the majority label: the floor a model must beat.
  r.majority_by_length = majority_by_length(test_set, tgt_vocab.lookup("1"), &r.share_of_ones);
  std::cout << s.train_size << " training strings of " << s.min_len << ".." << s.max_len
            << " letters (alphabet " << s.alphabet << "); " << s.test_per_length
            << " held-out strings per length " << s.min_len << ".." << s.test_max_len
            << "; share of 1 labels in the test set " << fmt("%.2f", r.share_of_ones) << "\n";
  show_queries_keys_values(*task, test_set, s, opts.seed);

  // ---- three models, the same steps on the same batches ----
  const int64_t V = src_vocab.size(), C = tgt_vocab.size();
  std::vector<Contender> models;
  models.push_back(make_contender<attn::models::LstmTagger>("lstm", "BiLSTM alone",
                                                            lstm_options(s, V, C, false)));
  models.push_back(make_contender<attn::models::LstmTagger>(
      "lstm_self_attention", "BiLSTM + self-attention (1 head)", lstm_options(s, V, C, true)));
  models.push_back(make_contender<attn::models::TransformerTagger>(
      "transformer",
      "Transformer encoder (" + std::to_string(s.layers) + " layers x " + std::to_string(s.heads) +
          " heads)",
      transformer_options(s, V, C)));
  for (Contender& c : models) {
    std::cout << "training " << c.name << " (" << c.label << ", " << c.module->num_parameters()
              << " parameters): " << s.steps << " Adam steps, batch " << s.batch_size << "\n";
    train(c, train_set, s, opts.seed);
    evaluate(c, test_set);
    std::cout << "  " << fmt("%.1f", c.log.seconds) << " s (" << fmt("%.1f", c.log.cpu_seconds)
              << " s of CPU), final loss " << fmt("%.4f", c.log.final_loss())
              << ", held-out exact match " << fmt("%.3f", c.exact) << ", per token "
              << fmt("%.3f", c.token) << "\n\n";
  }

  // ---- accuracy by length, and where the attention goes ----
  std::printf("  length  majority");
  for (const auto& c : models) std::printf("  %20s", c.name.c_str());
  std::printf("\n          (token)  ");
  for (size_t i = 0; i < models.size(); ++i) std::printf("  %20s", "exact / token");
  for (const auto& [length, pairs] : test_set) {
    const std::string key = std::to_string(length);
    std::printf("\n  %6lld  %8.3f", static_cast<long long>(length),
                r.majority_by_length[key].get<double>());
    for (const auto& c : models)
      std::printf("  %12.3f / %5.3f", c.by_length[key]["exact"].get<double>(),
                  c.by_length[key]["token"].get<double>());
  }
  std::printf("\n");
  for (size_t k = 1; k < models.size(); ++k) {
    const auto& mass = r.attention_mass[models[k].name] = attention_mass(models[k], test_set);
    std::cout << "\nwhere " << models[k].name << " looks (held-out mean weights):\n";
    for (const auto& [map, m] : mass.items())
      std::cout << "  " << map << ": a repeated letter puts "
                << fmt("%.2f", m["twin_when_repeated"].get<double>()) << " on its twin(s) and "
                << fmt("%.2f", m["self_when_repeated"].get<double>())
                << " on itself; a unique letter "
                << fmt("%.2f", m["self_when_unique"].get<double>()) << " on itself\n";
  }
  std::cout << "\nself-attention's gain over the LSTM alone (held-out, all lengths): exact match "
            << fmt("%.3f", models[0].exact) << " -> " << fmt("%.3f", models[1].exact)
            << ", per token " << fmt("%.3f", models[0].token) << " -> "
            << fmt("%.3f", models[1].token) << "\n";

  write_outputs(opts, s, *task, test_set, models, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
