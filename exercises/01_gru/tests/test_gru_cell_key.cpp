// Exercise 1's GRU inside the library's own seq2seq models, chosen by name: the program links
// seq2seq/register_gru.cpp, which registers your GRU and GRUCell as the cell "gru"
// (models/recurrent_registry.h), so Seq2SeqOptions::cell("gru") (or {"cell": "gru"} in
// tutorials 02 and 03) builds models::Seq2Seq and models::AttnSeq2Seq from them. The decoder
// starts from the encoder's {h_S} alone (a GRU has no cell state c).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_batch.h"
#include "data/vocab.h"
#include "exercises/01_gru/gru.h"
#include "models/seq2seq.h"

namespace attn::exercises {
namespace {

constexpr int64_t kVocab = 9, kLen = 3;  // 4 specials (data/vocab.h), then 5 real tokens

// Copying kLen tokens: B pairs with src = tgt, tokens drawn from the real ones.
data::SeqBatch copy_batch(int64_t B) {
  std::vector<data::SeqPair> pairs;
  const std::vector<real> r = Tensor::rand({B, kLen}).to_vector();
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> s;
    for (int64_t t = 0; t < kLen; ++t)
      s.push_back(data::kNumSpecials +
                  static_cast<int64_t>(std::floor(r[b * kLen + t] * (kVocab - data::kNumSpecials))));
    pairs.push_back({s, s});
  }
  return data::collate(pairs);
}

models::Seq2SeqOptions gru_options() {
  return models::Seq2SeqOptions(kVocab, kVocab).embedding_dim(16).hidden_size(32).cell("gru");
}

TEST(CellKey, LibrarySeq2SeqWithCellGruLearnsToCopyAndReloadsByName) {
  manual_seed(5);
  models::Seq2Seq model(gru_options());
  // PyTorch's GRU names, 3H rows: your modules, registered under "encoder" and "decoder".
  const nn::NamedTensors named = model.named_parameters();
  ASSERT_EQ(named.size(), 12u) << "2 embeddings, 4 encoder and 4 decoder tensors, out.weight, "
                                  "out.bias: the GRU and GRUCell each register 4";
  EXPECT_EQ(named[2].first, "encoder.weight_ih_l0");
  EXPECT_EQ(named[2].second.shape(), Shape({96, 16}));
  EXPECT_EQ(named[6].first, "decoder.weight_ih");
  EXPECT_EQ(named[6].second.shape(), Shape({96, 16}));

  const data::SeqBatch test = copy_batch(64);
  const double start = model.loss(test).item();
  for (int step = 0; step < 150; ++step) {
    const data::SeqBatch b = copy_batch(32);
    model.zero_grad();
    model.loss(b).backward();
    NoGradGuard no_grad;
    for (Tensor p : model.parameters()) {
      real* w = p.data();
      const real* g = p.grad().data();
      for (int64_t i = 0; i < p.numel(); ++i) w[i] -= real(0.5) * g[i];
    }
  }
  const double end = model.loss(test).item();
  EXPECT_LT(end, start / 2) << "models::Seq2Seq with cell \"gru\": held-out cross entropy "
                            << start << " at the start, " << end << " after 150 SGD steps";

  // A checkpoint by name: a fresh model (other weights) takes the trained tensors name by
  // name, then gives the same loss and the same greedy outputs.
  manual_seed(6);
  models::Seq2Seq reloaded(gru_options());
  const nn::NamedTensors from = model.state_dict();
  nn::NamedTensors to = reloaded.state_dict();  // handles on reloaded's own tensors
  ASSERT_EQ(from.size(), to.size());
  for (size_t i = 0; i < from.size(); ++i) {
    ASSERT_EQ(from[i].first, to[i].first);
    ASSERT_EQ(from[i].second.shape(), to[i].second.shape()) << from[i].first;
    std::copy(from[i].second.data(), from[i].second.data() + from[i].second.numel(),
              to[i].second.data());
  }
  EXPECT_EQ(reloaded.loss(test).item(), model.loss(test).item());
  const std::vector<std::vector<int64_t>> srcs = {{4, 5, 6}, {8, 7, 4}};
  const auto a = model.greedy_decode(srcs, 6), b = reloaded.greedy_decode(srcs, 6);
  for (size_t i = 0; i < srcs.size(); ++i) EXPECT_EQ(a[i].tokens, b[i].tokens) << "source " << i;
}

TEST(CellKey, AttentionModelWithCellGruDecodesEveryWay) {
  manual_seed(7);
  models::AttnSeq2Seq model(gru_options());
  const data::SeqBatch batch = copy_batch(4);
  const models::Encoded enc = model.encode(batch.src, batch.src_lengths);
  ASSERT_EQ(model.initial_state(enc).size(), 1u) << "the GRU's state is {h} alone";
  // The batched teacher-forced pass equals the step-by-step reference.
  const std::vector<real> fast = model.teacher_forced(batch).logits.to_vector(),
                          slow = model.teacher_forced_stepwise(batch).logits.to_vector();
  ASSERT_EQ(fast.size(), slow.size());
  for (size_t i = 0; i < fast.size(); ++i) ASSERT_NEAR(fast[i], slow[i], 1e-12) << "logit " << i;
  model.loss(batch).backward();
  for (const auto& [name, p] : model.named_parameters())
    EXPECT_TRUE(p.grad().defined()) << name << " got no gradient";
  // Beam search of width 1 is greedy decoding.
  const auto greedy = model.greedy_decode(std::vector<std::vector<int64_t>>{{4, 5, 6, 7}}, 8);
  const auto beam = model.beam_search({4, 5, 6, 7}, {.width = 1, .alpha = 0, .max_len = 8});
  EXPECT_EQ(greedy[0].tokens, beam.tokens);
}

}  // namespace
}  // namespace attn::exercises
