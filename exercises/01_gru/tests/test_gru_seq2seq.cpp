// Exercise 1, the GRU in a sequence-to-sequence model: an encoder GRU reads the source, its
// last state h_S is all the decoder gets (tutorial 02's bottleneck), and a decoder GRUCell,
// stepped through the shared loop as models/seq2seq.cpp steps its LSTMCell, writes the
// target. Trained with plain SGD on copying 3 tokens, it must learn: the held-out loss falls
// below a fifth of its start and teacher-forced accuracy passes 80% (chance is about 40%: the
// <eos> is always right, the 3 copied tokens 1 in 5).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/autograd.h"
#include "exercises/01_gru/gru.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/losses.h"
#include "layers/recurrent.h"

namespace attn::exercises {
namespace {

constexpr int64_t kBos = 1, kEos = 2, kVocab = 8, kLen = 3;

// src [B, S] -> h_S through the encoder; then y_i = out(s_i), s_i = GRUCell(E[y_{i-1}], s_{i-1}).
struct GRUSeq2Seq : nn::Module {
  nn::Embedding src_embedding{nn::EmbeddingOptions(kVocab, 16)};
  nn::Embedding tgt_embedding{nn::EmbeddingOptions(kVocab, 16)};
  GRU encoder{nn::RecurrentOptions(16, 32)};
  GRUCell decoder{nn::RecurrentCellOptions(16, 32)};
  nn::Linear out{nn::LinearOptions(32, kVocab)};
  GRUSeq2Seq() {
    register_module("src_embedding", src_embedding);
    register_module("tgt_embedding", tgt_embedding);
    register_module("encoder", encoder);
    register_module("decoder", decoder);
    register_module("out", out);
  }
  // Teacher forcing: logits [B, T, V] for tgt_in [B, T].
  Tensor logits(const Tensor& src, const Tensor& tgt_in) const {
    const auto [states, h_n] = encoder(src_embedding(src));  // h_n [1, B, H]
    const nn::RecurrentSequence dec =
        nn::run_cell_over_time(decoder, decoder.input_gates(tgt_embedding(tgt_in)), {h_n.squeeze(0)});
    return out(dec.out);
  }
};

struct Batch {
  Tensor src, tgt_in, tgt_out;
};

// src = 3 tokens in [3, V); tgt_in = <bos> y_1 y_2 y_3, tgt_out = y_1 y_2 y_3 <eos>, y = src.
Batch copy_batch(int64_t B) {
  std::vector<real> src, in, outv;
  const std::vector<real> r = Tensor::rand({B, kLen}).to_vector();
  for (int64_t b = 0; b < B; ++b) {
    in.push_back(kBos);
    for (int64_t t = 0; t < kLen; ++t) {
      const real tok = 3 + std::floor(r[b * kLen + t] * (kVocab - 3));
      src.push_back(tok);
      in.push_back(tok);
      outv.push_back(tok);
    }
    outv.push_back(kEos);
  }
  return {Tensor::from_vector(src, {B, kLen}), Tensor::from_vector(in, {B, kLen + 1}),
          Tensor::from_vector(outv, {B, kLen + 1})};
}

TEST(Seq2Seq, AGRUEncoderDecoderLearnsToCopy) {
  manual_seed(11);
  GRUSeq2Seq model;
  const Batch test = copy_batch(64);
  auto loss_on = [&](const Batch& b) { return nn::cross_entropy(model.logits(b.src, b.tgt_in), b.tgt_out); };
  const double start = loss_on(test).item();
  for (int step = 0; step < 300; ++step) {
    const Batch b = copy_batch(32);
    model.zero_grad();
    loss_on(b).backward();
    NoGradGuard no_grad;
    for (Tensor p : model.parameters()) {
      real* w = p.data();
      const real* g = p.grad().data();
      for (int64_t i = 0; i < p.numel(); ++i) w[i] -= real(0.5) * g[i];
    }
  }
  NoGradGuard no_grad;
  const double end = loss_on(test).item();
  const Tensor pred = model.logits(test.src, test.tgt_in).argmax(2);
  const std::vector<real> p = pred.to_vector(), t = test.tgt_out.to_vector();
  int64_t right = 0;
  for (size_t i = 0; i < p.size(); ++i) right += p[i] == t[i];
  const double accuracy = double(right) / double(p.size());
  EXPECT_LT(end, start / 5) << "cross entropy on held-out copies: " << start << " at the start, " << end
                             << " after 300 SGD steps (a GRU that learns gets below a fifth)";
  EXPECT_GT(accuracy, 0.8) << "teacher-forced token accuracy on held-out copies after training";
}

}  // namespace
}  // namespace attn::exercises
