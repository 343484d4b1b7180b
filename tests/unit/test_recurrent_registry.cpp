// The recurrent kinds of the seq2seq models (models/recurrent_registry.h): "lstm" is built in
// and the default; "gru" is exercise 1's and absent from the library, so asking for it says
// how to link it in; an unknown name lists the known ones; and a kind whose state is {h} alone
// (here the tanh RNN, registered by the test as a stand-in for the GRU) works everywhere the
// LSTM's {h, c} did: loss, teacher forcing, greedy decoding, beam search, both models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_batch.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "layers/rnn.h"
#include "models/recurrent_registry.h"
#include "models/seq2seq.h"

namespace attn {
namespace {

models::Seq2SeqOptions options(const std::string& cell) {
  return models::Seq2SeqOptions(9, 10).embedding_dim(8).hidden_size(16).attention_dim(16).cell(
      cell);
}

TEST(RecurrentRegistry, LstmIsBuiltInAndTheDefault) {
  const std::vector<std::string> names = models::recurrent_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "lstm"), names.end());
  EXPECT_EQ(models::Seq2SeqOptions(9, 10).cell(), "lstm");
  const models::Seq2Seq m(models::Seq2SeqOptions(9, 10).embedding_dim(8).hidden_size(16));
  EXPECT_EQ(m.encoder.module->type_name(), "LSTM");
  EXPECT_EQ(m.decoder.as<nn::LSTMCell>().weight_ih.shape(), Shape({64, 8}));
  EXPECT_ERROR_HAS(m.decoder.as<nn::RNNCell>(), "the decoder cell is a LSTMCell");
}

TEST(RecurrentRegistry, GruWithoutTheExerciseSaysHowToLinkIt) {
  // The library ships no GRU: it is exercise 1 (exercises/01_gru), linked in by its programs.
  for (bool attention : {false, true})
    EXPECT_TRUE(testing::ThrowsWith([&] { models::make_seq2seq(attention, options("gru")); },
                                    {"cell \"gru\" is exercise 1", "exercises/01_gru/gru.cpp",
                                     "scripts/exercise 1 --tutorial 02"}));
}

TEST(RecurrentRegistry, AnUnknownCellListsTheKnownOnes) {
  EXPECT_TRUE(testing::ThrowsWith([] { models::recurrent_factory("lstn"); },
                                  {"cell \"lstn\": unknown", "\"lstm\"", "\"gru\", exercise 1"}));
  EXPECT_ERROR_HAS(models::register_recurrent("", {}), "needs a name");
}

// The tanh RNN as a kind with a one-tensor state, as the GRU's.
models::RecurrentFactory rnn_kind() {
  models::RecurrentFactory f;
  f.encoder = [](int64_t input_size, int64_t hidden_size) {
    auto rnn = std::make_shared<nn::RNN>(nn::RNNOptions(input_size, hidden_size));
    const nn::RNN* layer = rnn.get();
    return models::RecurrentEncoder{rnn, [layer](const Tensor& x, const Tensor& lengths) {
                                      return layer->run(x, {}, lengths);
                                    }};
  };
  f.decoder = [](int64_t input_size, int64_t hidden_size) {
    auto cell = std::make_shared<nn::RNNCell>(nn::RNNCellOptions(input_size, hidden_size));
    const nn::RecurrentCell* as_cell = cell.get();
    return models::RecurrentDecoder{cell, as_cell};
  };
  return f;
}

TEST(RecurrentRegistry, ACellWithStateHAloneRunsBothModelsEveryWay) {
  models::register_recurrent("test_rnn", rnn_kind());
  manual_seed(3);
  const data::SeqBatch batch = data::collate({{{4, 5, 6}, {6, 5, 4}}, {{7, 8}, {8, 7}}});
  for (bool attention : {false, true}) {
    SCOPED_TRACE(attention ? "AttnSeq2Seq" : "Seq2Seq");
    auto m = models::make_seq2seq(attention, options("test_rnn"));
    EXPECT_EQ(m->encoder.module->type_name(), "RNN");
    const models::Encoded enc = m->encode(batch.src, batch.src_lengths);
    ASSERT_EQ(m->initial_state(enc).size(), 1u);  // {h_S}: no cell state to hand over
    EXPECT_EQ(m->initial_state(enc)[0].shape(), Shape({2, 16}));
    EXPECT_TRUE(testing::AllClose(m->teacher_forced(batch).logits,
                                  m->teacher_forced_stepwise(batch).logits, 1e-5));
    EXPECT_TRUE(std::isfinite(m->loss(batch).item()));
    const auto greedy = m->greedy_decode(std::vector<std::vector<int64_t>>{{4, 5, 6}}, 6);
    const auto beam1 = m->beam_search({4, 5, 6}, {.width = 1, .alpha = 0, .max_len = 6});
    EXPECT_EQ(greedy[0].tokens, beam1.tokens);
    EXPECT_FALSE(m->beam_search({4, 5, 6}, {.width = 3, .alpha = 0.6, .max_len = 6}).tokens.empty());
    // An LSTM state {h, c} handed to this decoder is refused with the sizes.
    const Tensor prev = Tensor::from_vector({1, 1}, {2});
    EXPECT_ERROR_HAS(m->decode_step(prev, {enc.last[0], enc.last[0]}, enc),
                     "a decoder state of 2 tensors; the test_rnn cell's has 1");
  }
}

}  // namespace
}  // namespace attn
