#pragma once
// Image captioning: a small CNN encoder and an LSTM decoder, in two forms.
//
//   Show and Tell (Vinyals et al. 2015): the image is one vector. The mean of the CNN's
//     feature grid, projected to the word-embedding size, is the LSTM's input before
//     <bos> (x_{-1} = W_I v); after that the decoder never sees the image again.
//   Show, Attend and Tell (Xu et al. 2015), soft attention: the CNN's grid of L feature
//     vectors a_1..a_L stays available, and every step reads from it:
//       h_0 = tanh(W_h mean_i a_i),  c_0 = tanh(W_c mean_i a_i)
//       alpha_t = softmax_i(v^T tanh(W h_{t-1} + U a_i))      (additive attention, [B, L])
//       beta_t  = sigmoid(f_beta(h_{t-1}))                      (a gating scalar)
//       z_t     = beta_t sum_i alpha_ti a_i                     (the context, [B, D])
//       h_t, c_t = LSTM([E y_{t-1}; z_t], h_{t-1}, c_t-1)
//       logits_t = W_o [h_t; z_t]
//     trained with the doubly stochastic regulariser lambda sum_i (1 - sum_t alpha_ti)^2,
//     which asks every region to be looked at about once over the caption.
//
// Encoder (both): blocks of Conv 3x3 (padding 1) -> BatchNorm2d (optional) -> ReLU ->
// MaxPool 2x2, one per entry of `channels`: images [B, 3, H, W] -> [B, D, H', W'] with
// D = channels.back(), H' = H / 2^blocks, read as L = H' W' feature vectors [B, L, D]
// (region l = (row l / W', column l % W'), the order attention_correctness expects).
//
//   models::Captioner m(models::CaptionerOptions(vocab.size()).attention(true));
//   CaptionerOutput o = m.forward(images, batch.tgt_in);     // logits [B, T, V], alpha [B, T, L]
//   Tensor loss = m.loss(images, batch);                     // cross entropy + regulariser
//   auto caps = m.greedy(images, 20);                        // one Caption per image
//   Caption best = m.beam_search(images.slice(0, 0, 1), {.width = 3});
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "layers/additive_attention.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/lstm.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::data {
struct CaptionBatch;
}

namespace attn::models {

class CaptionerOptions {
 public:
  CaptionerOptions(int64_t vocab_size) : vocab_size_(vocab_size) {}  // NOLINT
  ATTN_OPTION(int64_t, vocab_size, 0);
  ATTN_OPTION(bool, attention, true);  // false: Show and Tell
  ATTN_OPTION(std::vector<int64_t>, channels, {16, 32, 32});  // one conv block per entry
  ATTN_OPTION(bool, batch_norm, true);
  ATTN_OPTION(int64_t, embedding_dim, 32);
  ATTN_OPTION(int64_t, hidden_size, 64);
  ATTN_OPTION(int64_t, attention_dim, 32);
  ATTN_OPTION(double, doubly_stochastic, 1.0);  // the regulariser's weight, lambda
};

// What the encoder leaves for the decoder.
struct ImageFeatures {
  Tensor a;          // [B, L, D]  the grid's feature vectors
  Tensor projected;  // [B, L, A]  U a_i + b_U, once per image (attention only)
  int64_t grid_h = 0, grid_w = 0;
  int64_t batch() const { return a.size(0); }
  ImageFeatures select(const Tensor& index) const;  // rows `index`: for beam search
};

// One decoder step for B rows.
struct CaptionStep {
  Tensor logits;        // [B, V]
  nn::LSTMState state;  // [B, H] each
  Tensor alpha;         // [B, L] (attention), undefined for Show and Tell
  Tensor beta;          // [B, 1] the gate (attention)
};

struct CaptionerOutput {
  Tensor logits;  // [B, T, V]
  Tensor alpha;   // [B, T, L] (attention), undefined for Show and Tell
};

// One generated caption.
struct Caption {
  std::vector<int64_t> tokens;  // ends with <eos> when the decoder stopped by itself
  double log_prob = 0;          // sum of log p over `tokens`
  double score = 0;             // what beam search ranked by: log_prob / |tokens|^alpha
  std::vector<std::vector<float>> attention;  // per token: alpha over the L regions (SAT)
  bool ended() const;
  std::vector<int64_t> output() const;  // the tokens before <eos>
};

struct CaptionBeamOptions {
  int64_t width = 3;     // k
  double alpha = 0.0;    // length normalisation: rank by log p / |y|^alpha (0: plain log p)
  int64_t max_len = 20;  // at most this many tokens, <eos> included
};

// The doubly stochastic regulariser of a batch: alpha [B, T, L], mask [B, T] (1 on real
// steps) -> lambda (1/B) sum_b sum_i (1 - sum_t mask_bt alpha_bti)^2, a scalar [].
Tensor doubly_stochastic_penalty(const Tensor& alpha, const Tensor& mask, double lambda);

class Captioner : public nn::Module {
 public:
  explicit Captioner(const CaptionerOptions& options);

  // images [B, 3, H, W] -> features (H and W divisible by 2^blocks).
  ImageFeatures encode(const Tensor& images) const;
  // The decoder's state before its first word.
  nn::LSTMState initial_state(const ImageFeatures& f) const;
  // prev [B] ids y_{t-1} (<bos> first), state (h_{t-1}, c_{t-1}) -> the step's outputs.
  CaptionStep step(const Tensor& prev, const nn::LSTMState& state, const ImageFeatures& f) const;
  // Teacher forcing: tgt_in [B, T] (<bos> w_1 .. w_n <pad>..) -> every step's outputs.
  CaptionerOutput forward(const Tensor& images, const Tensor& tgt_in) const;
  // Mean cross entropy over the real target tokens, plus the doubly stochastic regulariser
  // (attention, lambda > 0). images [B, 3, H, W] are the batch's rows, in order.
  Tensor loss(const Tensor& images, const data::CaptionBatch& batch) const;
  // The same, in its parts, for reporting: the regulariser has a floor above 0 whenever a
  // caption has fewer steps than the grid has regions (sum_t alpha_ti cannot reach 1 for
  // every i), so the cross entropy alone is what says how well the captions are learned.
  struct LossParts {
    Tensor total, cross_entropy, penalty;  // [] each; penalty is 0 for Show and Tell
  };
  LossParts loss_parts(const Tensor& images, const data::CaptionBatch& batch) const;

  // Free decoding without a graph: greedy for every image at once (a row stops at <eos>
  // or after max_len tokens), beam search for one image [1, 3, H, W]. Width 1 equals greedy.
  std::vector<Caption> greedy(const Tensor& images, int64_t max_len) const;
  Caption beam_search(const Tensor& image, const CaptionBeamOptions& options) const;

  const CaptionerOptions& options() const { return options_; }

 private:
  CaptionerOptions options_;

 public:
  std::vector<std::shared_ptr<nn::Conv2d>> convs;
  std::vector<std::shared_ptr<nn::BatchNorm2d>> norms;  // empty without batch_norm

  nn::Embedding embedding;  // V -> E
  nn::LSTMCell decoder;     // E (+ D with attention) -> H
  nn::Linear out;           // H (+ D) -> V
  // Show and Tell: the pooled image vector as the first input.
  std::shared_ptr<nn::Linear> image_in;  // D -> E
  // Show, Attend and Tell.
  std::shared_ptr<nn::AdditiveAttention> attention;  // query H, keys D
  std::shared_ptr<nn::Linear> init_h, init_c;        // D -> H
  std::shared_ptr<nn::Linear> f_beta;                // H -> 1
};

}  // namespace attn::models
