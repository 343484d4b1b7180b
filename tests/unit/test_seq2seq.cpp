// The seq2seq models (models/seq2seq.h) and their evaluation (models/seq2seq_eval.h):
// shapes and parameter names, the fused teacher-forced decoder equal to the step-by-step one,
// attention rows that sum to 1 and are 0 on padding, padding that changes nothing, greedy
// decoding equal to beam search of width 1, beam search that stops at <eos> or max_len, a tiny
// model that learns a few pairs by heart, a checkpoint round trip, and the scores' definitions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_batch.h"
#include "data/vocab.h"
#include "helpers/all_close.h"
#include "models/seq2seq.h"
#include "models/seq2seq_eval.h"
#include "train/io/checkpoint.h"
#include "train/optim/adam.h"

namespace attn {
namespace {

namespace fs = std::filesystem;
using data::kBos;
using data::kEos;
using data::kPad;
using data::SeqPair;
using models::AttentionKind;
using testing::AllClose;

constexpr int64_t kSrcVocab = 9, kTgtVocab = 10;

models::Seq2SeqOptions small_options(AttentionKind kind = AttentionKind::additive) {
  return models::Seq2SeqOptions(kSrcVocab, kTgtVocab)
      .embedding_dim(8)
      .hidden_size(16)
      .attention(kind)
      .attention_dim(12);
}

// Pairs of source lengths 5, 3, 4 (so the batch is padded): target = source reversed, with
// the target ids shifted by one (a vocabulary of its own).
std::vector<SeqPair> ragged_pairs() {
  return {{{4, 5, 6, 7, 8}, {9, 8, 7, 6, 5}}, {{6, 4, 5}, {6, 5, 7}}, {{8, 8, 4, 5}, {6, 5, 9, 9}}};
}

struct Kind {
  bool attention;
  AttentionKind kind;
  std::string name;
};
const std::vector<Kind> kAllModels{{false, AttentionKind::additive, "bottleneck"},
                                   {true, AttentionKind::additive, "additive"},
                                   {true, AttentionKind::dot, "dot"},
                                   {true, AttentionKind::general, "general"}};

class EveryModel : public ::testing::TestWithParam<Kind> {
 protected:
  std::unique_ptr<models::Seq2SeqBase> make(uint64_t seed = 7) const {
    manual_seed(seed);
    return models::make_seq2seq(GetParam().attention, small_options(GetParam().kind));
  }
};

TEST_P(EveryModel, ShapesOfEveryOutput) {
  auto m = make();
  const data::SeqBatch b = data::collate(ragged_pairs());
  const int64_t B = 3, S = 5, T = 6;  // longest target 5 tokens + <eos>
  const models::Encoded enc = m->encode(b.src, b.src_lengths);
  EXPECT_EQ(enc.states.shape(), Shape({B, S, 16}));
  EXPECT_EQ(enc.pad_mask.shape(), Shape({B, S}));
  ASSERT_EQ(enc.last.size(), 2u);  // the LSTM's {h_S, c_S}
  EXPECT_EQ(enc.last[0].shape(), Shape({B, 16}));
  EXPECT_EQ(enc.last[1].shape(), Shape({B, 16}));
  EXPECT_EQ(enc.projected.defined(),
            GetParam().attention && GetParam().kind == AttentionKind::additive);
  const models::TeacherForced tf = m->teacher_forced(b);
  EXPECT_EQ(tf.logits.shape(), Shape({B, T, kTgtVocab}));
  if (GetParam().attention) {
    ASSERT_TRUE(tf.weights.defined());
    EXPECT_EQ(tf.weights.shape(), Shape({B, T, S}));
  } else {
    EXPECT_FALSE(tf.weights.defined());
  }
  const Tensor loss = m->loss(b);
  EXPECT_EQ(loss.numel(), 1);
  // An untrained model is about uniform over the vocabulary: loss near log V.
  EXPECT_NEAR(loss.item(), std::log(static_cast<double>(kTgtVocab)), 0.5);
}

TEST_P(EveryModel, TeacherForcedEqualsStepByStep) {
  auto m = make();
  const data::SeqBatch b = data::collate(ragged_pairs());
  const models::TeacherForced fast = m->teacher_forced(b);
  const models::TeacherForced ref = m->teacher_forced_stepwise(b);
  EXPECT_TRUE(AllClose(fast.logits, ref.logits, 1e-5, 1e-5));
  if (GetParam().attention) {
    EXPECT_TRUE(AllClose(fast.weights, ref.weights, 1e-5, 1e-6));
  }
}

TEST_P(EveryModel, PaddingChangesNothing) {
  // Each source decoded alone gives what it gives inside a padded batch.
  auto m = make();
  const auto pairs = ragged_pairs();
  std::vector<std::vector<int64_t>> srcs;
  for (const auto& p : pairs) srcs.push_back(p.src);
  const auto together = m->greedy_decode(srcs, 8);
  for (size_t r = 0; r < srcs.size(); ++r) {
    SCOPED_TRACE("row " + std::to_string(r));
    const auto alone = m->greedy_decode(std::vector<std::vector<int64_t>>{srcs[r]}, 8);
    EXPECT_EQ(alone[0].tokens, together[r].tokens);
    EXPECT_NEAR(alone[0].log_prob, together[r].log_prob, 1e-4);
    ASSERT_EQ(alone[0].attention.size(), together[r].attention.size());
    for (size_t i = 0; i < alone[0].attention.size(); ++i) {
      ASSERT_EQ(together[r].attention[i].size(), srcs[r].size());  // padding cut off
      for (size_t j = 0; j < srcs[r].size(); ++j)
        EXPECT_NEAR(alone[0].attention[i][j], together[r].attention[i][j], 1e-5);
    }
  }
}

TEST_P(EveryModel, BeamOfWidthOneIsGreedy) {
  auto m = make(11);
  for (const auto& p : ragged_pairs()) {
    const auto greedy = m->greedy_decode(std::vector<std::vector<int64_t>>{p.src}, 9);
    const models::Hypothesis beam = m->beam_search(p.src, {.width = 1, .alpha = 0.6, .max_len = 9});
    EXPECT_EQ(beam.tokens, greedy[0].tokens);
    EXPECT_NEAR(beam.log_prob, greedy[0].log_prob, 1e-4);
    EXPECT_EQ(beam.attention.size(), GetParam().attention ? beam.tokens.size() : 0u);
  }
}

TEST_P(EveryModel, BeamRespectsMaxLenAndStopsAtEos) {
  auto m = make(13);
  for (int64_t width : {1, 3, 6}) {
    for (int64_t max_len : {1, 2, 7}) {
      SCOPED_TRACE("width " + std::to_string(width) + " max_len " + std::to_string(max_len));
      const models::Hypothesis h =
          m->beam_search({4, 5, 6}, {.width = width, .alpha = 0.6, .max_len = max_len});
      ASSERT_FALSE(h.tokens.empty());
      EXPECT_LE(static_cast<int64_t>(h.tokens.size()), max_len);
      // <eos> only ever as the last token: the search stops a hypothesis there.
      for (size_t i = 0; i + 1 < h.tokens.size(); ++i) EXPECT_NE(h.tokens[i], kEos);
      for (int64_t t : h.tokens) EXPECT_NE(t, kBos);
      EXPECT_NEAR(h.score, h.log_prob / std::pow(static_cast<double>(h.tokens.size()), 0.6), 1e-9);
    }
  }
}

TEST_P(EveryModel, CheckpointRoundTrip) {
  auto a = make(21);
  auto b = make(22);
  const data::SeqBatch batch = data::collate(ragged_pairs());
  const Tensor la = a->teacher_forced(batch).logits;
  EXPECT_FALSE(AllClose(b->teacher_forced(batch).logits, la, 1e-3, 1e-3));
  const char* tmp = std::getenv("TMPDIR");
  const fs::path path = fs::path(tmp ? tmp : "/tmp") / ("attn_seq2seq_" + GetParam().name + "_" +
                                                        std::to_string(getpid()) + ".safetensors");
  train::save_checkpoint(*a, path);
  train::load_checkpoint(*b, path);
  fs::remove(path);
  EXPECT_TRUE(AllClose(b->teacher_forced(batch).logits, la, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Seq2Seq, EveryModel, ::testing::ValuesIn(kAllModels),
                         [](const auto& info) { return info.param.name; });

TEST(Seq2Seq, ParameterNamesAreReadable) {
  models::AttnSeq2Seq m(small_options());
  std::vector<std::string> names;
  for (const auto& [name, t] : m.named_parameters()) names.push_back(name);
  const std::vector<std::string> expected{"src_embedding.weight", "tgt_embedding.weight",
                                          "encoder.weight_ih_l0", "encoder.weight_hh_l0",
                                          "encoder.bias_ih_l0",   "encoder.bias_hh_l0",
                                          "decoder.weight_ih",    "decoder.weight_hh",
                                          "decoder.bias_ih",      "decoder.bias_hh",
                                          "attention.W.weight",   "attention.U.weight",
                                          "attention.U.bias",     "attention.v.weight",
                                          "out.weight",           "out.bias"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(m.decoder.as<nn::LSTMCell>().weight_ih.shape(), Shape({64, 8 + 16}));  // [4H, E + H]: [emb; context]
  EXPECT_EQ(m.out.weight.shape(), Shape({kTgtVocab, 32}));      // [V, 2H]: [s_i; c_i]

  models::Seq2Seq plain(small_options());
  EXPECT_EQ(plain.decoder.as<nn::LSTMCell>().weight_ih.shape(), Shape({64, 8}));  // [4H, E]: nothing but y_{i-1}
  EXPECT_EQ(plain.out.weight.shape(), Shape({kTgtVocab, 16}));
  models::AttnSeq2Seq dot(small_options(AttentionKind::dot));
  for (const auto& [name, t] : dot.named_parameters())
    EXPECT_EQ(name.rfind("attention", 0), std::string::npos) << "dot scores have no weights";
}

TEST(Seq2Seq, AttentionRowsSumToOneAndSkipPadding) {
  for (AttentionKind kind : {AttentionKind::additive, AttentionKind::dot, AttentionKind::general}) {
    SCOPED_TRACE(models::to_string(kind));
    manual_seed(3);
    models::AttnSeq2Seq m(small_options(kind));
    const data::SeqBatch b = data::collate(ragged_pairs());
    const Tensor w = m.teacher_forced(b).weights;  // [B, T, S]
    const int64_t B = w.size(0), T = w.size(1), S = w.size(2);
    for (int64_t r = 0; r < B; ++r) {
      const int64_t len = static_cast<int64_t>(b.src_lengths.data()[r]);
      for (int64_t t = 0; t < T; ++t) {
        double sum = 0;
        for (int64_t j = 0; j < S; ++j) {
          const double a = w.at({r, t, j});
          if (j >= len) {
            EXPECT_EQ(a, 0.0) << "row " << r << " step " << t << " pad " << j;
          }
          EXPECT_GE(a, 0.0);
          sum += a;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r << " step " << t;
      }
    }
  }
}

// A tiny model must learn 6 pairs by heart; decoding freely then returns them exactly.
TEST(Seq2Seq, TinyModelsOverfitAFewPairs) {
  std::vector<SeqPair> pairs{{{4, 5, 6}, {6, 5, 4}}, {{7, 4}, {4, 7}}, {{8, 6, 5, 4}, {4, 5, 6, 8}},
                             {{5, 5, 7}, {7, 5, 5}}, {{6, 8}, {8, 6}}, {{4, 7, 8}, {8, 7, 4}}};
  for (bool attention : {false, true}) {
    SCOPED_TRACE(attention ? "attention" : "bottleneck");
    manual_seed(5);
    auto m = models::make_seq2seq(attention, small_options());
    optim::Adam opt(m->parameters(), {.lr = 0.02});
    const data::SeqBatch b = data::collate(pairs);
    const double first = m->loss(b).item();
    double last = first;
    for (int step = 0; step < 150; ++step) {
      opt.zero_grad();
      Tensor loss = m->loss(b);
      loss.backward();
      opt.step();
      last = loss.item();
    }
    EXPECT_LT(last, 0.05) << "loss went from " << first;
    std::vector<std::vector<int64_t>> srcs, refs;
    for (const auto& p : pairs) {
      srcs.push_back(p.src);
      refs.push_back(p.tgt);
    }
    const models::Score greedy = models::score_outputs(refs, m->greedy_decode(srcs, 10));
    EXPECT_EQ(greedy.exact, 1.0);
    const models::Score beam = models::score_outputs(
        refs,
        models::decode_all(
            *m, srcs, {.decoding = models::Decoding::beam, .beam = {.width = 4, .alpha = 0.6}}));
    EXPECT_EQ(beam.exact, 1.0);
    const auto h = m->beam_search(pairs[2].src, {.width = 3, .alpha = 0.6, .max_len = 10});
    EXPECT_TRUE(h.ended());
    EXPECT_EQ(h.output(), pairs[2].tgt);
  }
}

TEST(Seq2SeqEval, ScoresFollowTheirDefinitions) {
  using models::Hypothesis;
  const std::vector<std::vector<int64_t>> refs{{5, 6, 7}, {5, 6, 7}, {5, 6, 7}, {}};
  std::vector<Hypothesis> hyps(4);
  hyps[0].tokens = {5, 6, 7, kEos};  // right: 4 of 4 positions
  hyps[1].tokens = {5, 7, kEos};     // a token lost: positions 5=5 only, of max(4, 3) = 4
  hyps[2].tokens = {5, 6, 7, 8};     // cut off by max_len: 3 of 4, not exact
  hyps[3].tokens = {kEos};           // an empty target, rightly empty: 1 of 1
  const models::Score s = models::score_outputs(refs, hyps);
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.exact, 0.5);
  EXPECT_EQ(s.agree, 4 + 1 + 3 + 1);
  EXPECT_EQ(s.positions, 4 + 4 + 4 + 1);
  EXPECT_DOUBLE_EQ(s.token, 9.0 / 13.0);
  EXPECT_FALSE(hyps[2].ended());
  EXPECT_EQ(hyps[1].output(), (std::vector<int64_t>{5, 7}));

  models::AccuracyByLength by_length;
  by_length[3] = models::score_outputs({refs[0], refs[1]}, {hyps[0], hyps[1]});
  by_length[4] = models::score_outputs({refs[2]}, {hyps[2]});
  const models::Score all = models::overall(by_length);
  EXPECT_DOUBLE_EQ(all.exact, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(all.token, 8.0 / 12.0);
  const nlohmann::json j = models::to_json(by_length);
  EXPECT_DOUBLE_EQ(j["3"]["exact"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["4"]["token"].get<double>(), 0.75);
  EXPECT_THROW(models::score_outputs(refs, {hyps[0]}), Error);
}

TEST(Seq2SeqEval, GroupsBySourceLength) {
  const auto g = models::group_by_source_length(ragged_pairs());
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g.at(5).size(), 1u);
  EXPECT_EQ(g.at(3)[0].src, (std::vector<int64_t>{6, 4, 5}));
}

TEST(Seq2Seq, ErrorsNameWhatArrived) {
  models::AttnSeq2Seq m(small_options());
  const Tensor src = Tensor::from_vector({4, 5, 0}, {1, 3});
  EXPECT_THROW(m.encode(src, Tensor::from_vector({4}, {1})), Error);  // longer than S
  EXPECT_THROW(m.encode(src, Tensor::from_vector({0}, {1})), Error);
  EXPECT_THROW(m.encode(src, Tensor::from_vector({2, 2}, {2})), Error);
  try {
    m.encode(Tensor::from_vector({4, 5}, {2}), Tensor::from_vector({2}, {1}));
    FAIL() << "a 1-D source was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(m.beam_search({}, {}), Error);
  EXPECT_THROW(m.beam_search({4}, {.width = 0}), Error);
  EXPECT_THROW(m.greedy_decode(std::vector<std::vector<int64_t>>{{4}}, 0), Error);
  EXPECT_THROW(models::parse_attention_kind("bahdanau"), Error);
  EXPECT_EQ(models::parse_attention_kind("general"), AttentionKind::general);
  EXPECT_THROW(models::Seq2Seq(models::Seq2SeqOptions(4, 10)), Error);  // specials only
}

}  // namespace
}  // namespace attn
