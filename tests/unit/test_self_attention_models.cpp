// The taggers of tutorial 04 (models/self_attention_models.h): shapes and names, attention
// rows that sum to 1 with zero weight on padding, padding that changes nothing, a tiny model
// that learns a few examples by heart, a checkpoint round trip, the errors, and the head's
// start options (W^K tied to W^Q at the start, X normalised before the head).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/temp_dir.h"
#include "models/self_attention_models.h"
#include "train/io/checkpoint.h"
#include "train/optim/adam.h"

namespace attn {
namespace {

namespace fs = std::filesystem;
using models::LstmTagger;
using models::LstmTaggerOptions;
using models::TaggerOutput;
using models::TransformerTagger;
using models::TransformerTaggerOptions;
using testing::AllClose;

constexpr int64_t kVocab = 9, kClasses = 3;

// Tokens [B, n] with rows of the given lengths, ids in [1, kVocab), 0 after each row's end.
struct Inputs {
  Tensor tokens, lengths;
};
Inputs make_inputs(const std::vector<int64_t>& lengths, int64_t n) {
  const auto B = static_cast<int64_t>(lengths.size());
  Inputs in{Tensor::zeros({B, n}), Tensor::zeros({B})};
  for (int64_t b = 0; b < B; ++b) {
    in.lengths.data()[b] = static_cast<real>(lengths[static_cast<size_t>(b)]);
    for (int64_t i = 0; i < lengths[static_cast<size_t>(b)]; ++i)
      in.tokens.data()[b * n + i] = static_cast<real>(1 + (b * 5 + i * 3) % (kVocab - 1));
  }
  return in;
}

LstmTaggerOptions lstm_options(bool attention) {
  return LstmTaggerOptions(kVocab, kClasses)
      .embedding_dim(6)
      .hidden_size(5)
      .d_k(4)
      .d_v(3)
      .head_hidden(7)
      .self_attention(attention);
}
TransformerTaggerOptions transformer_options() {
  return TransformerTaggerOptions(kVocab, kClasses)
      .d_model(8)
      .num_heads(2)
      .num_layers(2)
      .dim_feedforward(12)
      .max_len(16);
}

// The three models of the tutorial behind one signature.
struct Named {
  std::string name;
  std::function<std::unique_ptr<nn::Module>()> make;
  std::function<TaggerOutput(nn::Module&, const Tensor&, const Tensor&)> forward;
  int64_t maps, heads;  // attention layers, heads per layer
};
std::vector<Named> all_models() {
  auto lstm_fwd = [](nn::Module& m, const Tensor& t, const Tensor& l) {
    return static_cast<LstmTagger&>(m)(t, l);
  };
  return {
      {"lstm", [] { return std::make_unique<LstmTagger>(lstm_options(false)); }, lstm_fwd, 0, 0},
      {"lstm_self_attention", [] { return std::make_unique<LstmTagger>(lstm_options(true)); },
       lstm_fwd, 1, 1},
      {"transformer", [] { return std::make_unique<TransformerTagger>(transformer_options()); },
       [](nn::Module& m, const Tensor& t, const Tensor& l) {
         return static_cast<TransformerTagger&>(m)(t, l);
       },
       2, 2},
  };
}

TEST(SelfAttentionModels, ShapesOfLogitsAndAttention) {
  manual_seed(1);
  const Inputs in = make_inputs({6, 3, 4}, 6);
  for (const Named& m : all_models()) {
    SCOPED_TRACE(m.name);
    auto model = m.make();
    const TaggerOutput out = m.forward(*model, in.tokens, in.lengths);
    EXPECT_EQ(out.logits.shape(), (Shape{3, 6, kClasses}));
    ASSERT_EQ(static_cast<int64_t>(out.attention.size()), m.maps);
    for (const Tensor& a : out.attention) EXPECT_EQ(a.shape(), (Shape{3, m.heads, 6, 6}));
  }
}

TEST(SelfAttentionModels, AttentionRowsSumToOneAndPaddingGetsZero) {
  manual_seed(2);
  const std::vector<int64_t> lengths{7, 2, 5};
  const int64_t n = 7;
  const Inputs in = make_inputs(lengths, n);
  for (const Named& m : all_models()) {
    if (m.maps == 0) continue;
    SCOPED_TRACE(m.name);
    auto model = m.make();
    const TaggerOutput out = m.forward(*model, in.tokens, in.lengths);
    for (const Tensor& a : out.attention) {
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t h = 0; h < m.heads; ++h)
          for (int64_t i = 0; i < n; ++i) {
            const real* row = a.data() + ((b * m.heads + h) * n + i) * n;
            double sum = 0;
            for (int64_t j = 0; j < n; ++j) {
              sum += row[j];
              if (j >= lengths[static_cast<size_t>(b)]) {
                EXPECT_EQ(row[j], 0) << "b " << b << " head " << h << " query " << i << " key " << j
                                     << " is padding";
              }
            }
            EXPECT_NEAR(sum, 1.0, 1e-5) << "b " << b << " head " << h << " query " << i;
          }
    }
  }
}

// attend_to_self(false): no weight on the diagonal or on padding, rows still sum to 1; and
// a row of one token, which would have no key left, is refused with an error that says so.
TEST(SelfAttentionModels, NotAttendingToSelfMasksTheDiagonal) {
  manual_seed(3);
  const std::vector<int64_t> lengths{6, 2, 4};
  const int64_t n = 6;
  const Inputs in = make_inputs(lengths, n);
  LstmTagger model(lstm_options(true).attend_to_self(false));
  const Tensor a = model(in.tokens, in.lengths).attention.at(0);  // [B, 1, n, n]
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t i = 0; i < lengths[static_cast<size_t>(b)]; ++i) {
      const real* row = a.data() + (b * n + i) * n;
      EXPECT_EQ(row[i], 0) << "b " << b << ": position " << i << " attended to itself";
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        sum += row[j];
        if (j >= lengths[static_cast<size_t>(b)]) {
          EXPECT_EQ(row[j], 0) << "b " << b;
        }
      }
      EXPECT_NEAR(sum, 1.0, 1e-5) << "b " << b << " query " << i;
    }
  const Inputs lone = make_inputs({3, 1}, 3);
  try {
    model(lone.tokens, lone.lengths);
    ADD_FAILURE() << "a row of one token was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 tokens"), std::string::npos) << e.what();
  }
}

// qk_tied_init: W^K starts as a copy of W^Q, so the starting scores Q K^T are symmetric
// (score(i, j) = score(j, i), a similarity of x_i and x_j); the two stay separate parameters
// and train apart from the first step.
TEST(SelfAttentionModels, TiedStartMakesTheScoresSymmetric) {
  manual_seed(5);
  const Inputs in = make_inputs({6, 4}, 6);
  LstmTagger untied(lstm_options(true));
  EXPECT_FALSE(AllClose(untied.self_attn->W_K, untied.self_attn->W_Q, 1e-3, 1e-3));
  LstmTagger model(lstm_options(true).qk_tied_init(true).qk_init_gain(2).attend_to_self(false));
  const Tensor& W_Q = model.self_attn->W_Q;
  const Tensor& W_K = model.self_attn->W_K;
  ASSERT_EQ(W_K.shape(), W_Q.shape());
  ASSERT_NE(W_K.data(), W_Q.data()) << "W^K must be its own parameter, not W^Q itself";
  for (int64_t i = 0; i < W_Q.numel(); ++i) ASSERT_EQ(W_K.data()[i], W_Q.data()[i]) << i;
  // The gain applies to both before the copy: the tied start is still xavier times the gain.
  LstmTagger plain(lstm_options(true).qk_tied_init(true));
  double big = 0, small = 0;
  for (int64_t i = 0; i < W_Q.numel(); ++i) {
    big = std::max(big, std::abs(static_cast<double>(W_Q.data()[i])));
    small = std::max(small, std::abs(static_cast<double>(plain.self_attn->W_Q.data()[i])));
  }
  EXPECT_GT(big, 1.5 * small);
  // Q K^T from the model's own X is symmetric in every row of the batch.
  auto [X, state] = model.lstm(model.embedding(in.tokens), {}, in.lengths);
  const Tensor S = matmul(matmul(X, W_Q), transpose(matmul(X, W_K), 1, 2));  // [B, n, n]
  const int64_t n = 6;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        EXPECT_NEAR(S.data()[(b * n + i) * n + j], S.data()[(b * n + j) * n + i], 1e-6);
  // One Adam step later W^Q and W^K differ: two parameters, free to train apart.
  Tensor targets = Tensor::zeros({2, 6});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < in.lengths.data()[b]; ++i)
      targets.data()[b * 6 + i] = static_cast<real>(1 + (b + i) % (kClasses - 1));
  optim::Adam opt(model.parameters(), {.lr = 0.01});
  Tensor loss = models::tagging_loss(model(in.tokens, in.lengths).logits, targets);
  opt.zero_grad();
  loss.backward();
  opt.step();
  EXPECT_FALSE(AllClose(W_K, W_Q, 1e-6, 1e-6)) << "W^K still equals W^Q after a step";
}

// normalize_x: the head reads each row of X scaled to mean 0 and standard deviation 1 (by
// hand here), and that changes what it sees: the weights differ from the head on raw X.
TEST(SelfAttentionModels, NormalizeXFeedsTheHeadUnitScaleRows) {
  manual_seed(6);
  const int64_t n = 5;
  const Inputs in = make_inputs({5, 5}, n);
  LstmTagger model(lstm_options(true).normalize_x(true));
  const Tensor A = model(in.tokens, in.lengths).attention.at(0);  // [B, 1, n, n]
  auto [X, state] = model.lstm(model.embedding(in.tokens), {}, in.lengths);
  const int64_t d = X.size(2);
  Tensor Xn = Tensor::zeros(X.shape());
  for (int64_t r = 0; r < X.numel() / d; ++r) {
    const real* x = X.data() + r * d;
    double mean = 0, var = 0;
    for (int64_t k = 0; k < d; ++k) mean += x[k];
    mean /= static_cast<double>(d);
    for (int64_t k = 0; k < d; ++k) var += (x[k] - mean) * (x[k] - mean);
    var /= static_cast<double>(d);
    for (int64_t k = 0; k < d; ++k)
      Xn.data()[r * d + k] = static_cast<real>((x[k] - mean) / std::sqrt(var + 1e-5));
  }
  const Tensor by_hand = model.self_attn->forward(Xn).weights;  // no padding, self allowed
  const Tensor raw = model.self_attn->forward(X).weights;
  EXPECT_TRUE(AllClose(reshape(A, by_hand.shape()), by_hand, 1e-5, 1e-6));
  EXPECT_FALSE(AllClose(reshape(A, raw.shape()), raw, 1e-3, 1e-3));
}

// A row padded to a longer batch gets the same logits on its real positions as alone.
TEST(SelfAttentionModels, PaddingChangesNothing) {
  manual_seed(3);
  const Inputs padded = make_inputs({5, 2}, 5);
  for (const Named& m : all_models()) {
    SCOPED_TRACE(m.name);
    auto model = m.make();
    model->eval();
    NoGradGuard no_grad;
    const Tensor a = m.forward(*model, padded.tokens, padded.lengths).logits;
    // Row 1 at its own length, in a batch of its own.
    Tensor tokens1 = padded.tokens.slice(0, 1, 2).slice(1, 0, 2).clone();
    Tensor lengths1 = Tensor::full({1}, 2);
    const Tensor b = m.forward(*model, tokens1, lengths1).logits;  // [1, 2, C]
    EXPECT_TRUE(AllClose(a.slice(0, 1, 2).slice(1, 0, 2).clone(), b, 1e-5, 1e-6));
  }
}

TEST(SelfAttentionModels, ParameterNamesFollowPyTorch) {
  LstmTagger lecture(lstm_options(true));
  std::vector<std::string> names;
  for (const auto& [name, _] : lecture.named_parameters()) names.push_back(name);
  EXPECT_EQ(names.front(), "embedding.weight");
  EXPECT_NE(std::find(names.begin(), names.end(), "lstm.weight_ih_l0_reverse"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "self_attn.W_Q"), names.end());
  LstmTagger baseline(lstm_options(false));
  for (const auto& [name, _] : baseline.named_parameters())
    EXPECT_EQ(name.find("self_attn"), std::string::npos) << name;
  // The baseline differs only by W^Q, W^K, W^V and the head's wider input.
  EXPECT_EQ(lecture.num_parameters() - baseline.num_parameters(), 10 * (4 + 4 + 3) + 3 * 7);
  TransformerTagger tf(transformer_options());
  const auto tf_params = tf.named_parameters();
  bool found = false;
  for (const auto& [name, _] : tf_params) found |= name == "layers.1.self_attn.in_proj_weight";
  EXPECT_TRUE(found);
  EXPECT_EQ(tf.named_buffers().front().first, "positions.pe");
}

// Each model learns 6 strings by heart: a wiring error (a detached branch, a mask on the
// wrong side) would keep the loss up.
TEST(SelfAttentionModels, TinyModelOverfitsAFewExamples) {
  for (const Named& m : all_models()) {
    SCOPED_TRACE(m.name);
    manual_seed(4);
    auto model = m.make();
    const Inputs in = make_inputs({5, 4, 5, 3, 5, 2}, 5);
    Tensor targets = Tensor::zeros({6, 5});
    for (int64_t b = 0; b < 6; ++b)
      for (int64_t i = 0; i < in.lengths.data()[b]; ++i)
        targets.data()[b * 5 + i] = static_cast<real>(1 + (b + i * i) % (kClasses - 1));
    optim::Adam opt(model->parameters(), {.lr = 0.02});
    double first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
      Tensor loss = models::tagging_loss(m.forward(*model, in.tokens, in.lengths).logits, targets);
      if (step == 0) first = loss.item();
      last = loss.item();
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    EXPECT_GT(first, 0.3);
    EXPECT_LT(last, 0.02) << "from " << first;
  }
}

TEST(SelfAttentionModels, CheckpointRoundTrip) {
  // A directory of this process's own: a fixed name raced with a second suite run at once
  // (the release and sanitizer suites side by side), which removed it mid-test.
  const attn::testing::TempDir tmp;
  const fs::path& dir = tmp.path;
  const Inputs in = make_inputs({6, 4}, 6);
  for (const Named& m : all_models()) {
    SCOPED_TRACE(m.name);
    manual_seed(5);
    auto a = m.make();
    manual_seed(6);  // other initial weights
    auto b = m.make();
    a->eval();
    b->eval();
    NoGradGuard no_grad;
    const Tensor before = m.forward(*b, in.tokens, in.lengths).logits;
    const fs::path file = dir / (m.name + ".safetensors");
    train::save_checkpoint(*a, file);
    train::load_checkpoint(*b, file);
    const Tensor expected = m.forward(*a, in.tokens, in.lengths).logits;
    EXPECT_FALSE(AllClose(before, expected, 1e-3, 1e-3)) << "the two models started equal";
    EXPECT_TRUE(AllClose(m.forward(*b, in.tokens, in.lengths).logits, expected, 0, 0));
  }
}

TEST(SelfAttentionModels, ErrorsNameWhatArrived) {
  LstmTagger lstm(lstm_options(true));
  const Inputs in = make_inputs({3, 2}, 3);
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(message([&] { lstm(in.tokens.reshape({6}), in.lengths); }).find("[B, n]"),
            std::string::npos);
  EXPECT_NE(message([&] { lstm(in.tokens, Tensor::full({3}, 2)); }).find("lengths must be [B]"),
            std::string::npos);
  EXPECT_NE(message([&] { lstm(in.tokens, Tensor::full({2}, 4)); }).find("lengths[0] = 4"),
            std::string::npos);
  EXPECT_NE(message([&] {
              lstm(Tensor::full({2, 3}, kVocab), in.lengths);
            }).find("token id 9"),
            std::string::npos);
  TransformerTagger tf(transformer_options());
  const Inputs longer = make_inputs({17}, 17);
  EXPECT_NE(message([&] { tf(longer.tokens, longer.lengths); }).find("exceeds max_len = 16"),
            std::string::npos);
  EXPECT_NE(message([] {
              TransformerTagger bad(transformer_options().num_heads(3));
            }).find("not divisible by num_heads = 3"),
            std::string::npos);
}

TEST(SelfAttentionModels, PaddingMaskFromLengths) {
  const Tensor mask = models::padding_mask(Tensor::from_vector({3, 1}, {2}), 3);
  EXPECT_EQ(mask.to_vector(), (std::vector<real>{0, 0, 0, 0, 1, 1}));
}

}  // namespace
}  // namespace attn
