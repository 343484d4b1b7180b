#pragma once
// Self-attention models that label every token of a sequence (tutorial 04).
// Shape letters: B batch, n sequence length, V source vocabulary, C classes per token,
// E embedding width, H LSTM hidden size (2H when bidirectional), h heads.
//
// 1. LstmTagger with self_attention(true): the lecture's form.
//      X = BiLSTM(Embedding(tokens))               [B, n, 2H]   (the RNN outputs; the head
//                                                               reads layer_norm(X) with
//                                                               normalize_x(true))
//      Q = X W^Q, K = X W^K, V = X W^V             [B, n, d_k], [B, n, d_k], [B, n, d_v]
//      A = softmax(Q K^T / sqrt(d_k))              [B, n, n]    padded keys get weight 0
//                                                               (and with attend_to_self(false)
//                                                               each position's own key too)
//      Z = A V                                     [B, n, d_v]
//      logits = head([X | Z])                      [B, n, C]    head: Linear, relu, Linear
//    Q K^T is n x n: one score per pair of positions, whatever d_k is.
// 2. LstmTagger with self_attention(false): the same model without W^Q, W^K, W^V;
//    logits = head(X). The baseline: whatever it gets right, the LSTM did alone.
// 3. TransformerTagger: the encoder of Vaswani et al. 2017.
//      x = Embedding(tokens) + PE                  [B, n, E]    sinusoidal positions
//      x = TransformerEncoderLayer(x) N times      [B, n, E]    h heads each
//      logits = classifier(x)                      [B, n, C]
//
// Every forward takes tokens [B, n] (ids, <pad> = 0 after each row's end) and lengths [B]
// (real tokens per row, in [1, n]) and returns the logits and the attention weights, one
// [B, h, n, n] tensor per attention layer (h = 1 for the lecture's single head; none for
// the baseline): row i of a map is where position i looked, and it sums to 1 over the
// row's real positions.
//
//   models::LstmTagger model(models::LstmTaggerOptions(vocab, 2).self_attention(true));
//   auto [logits, attention] = model(tokens, lengths);
//   Tensor loss = models::tagging_loss(logits, targets);    // targets [B, n], <pad> ignored
//
// Parameter names follow PyTorch's modules: embedding.weight, lstm.weight_ih_l0, ...,
// self_attn.W_Q, layers.0.self_attn.in_proj_weight, classifier.weight.
#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/tensor.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/lstm.h"
#include "layers/module.h"
#include "layers/multihead_attention.h"
#include "layers/options.h"
#include "layers/positional_encoding.h"
#include "layers/sequential.h"
#include "layers/transformer_encoder_layer.h"

namespace attn::models {

// What every tagger returns.
struct TaggerOutput {
  Tensor logits;                  // [B, n, C]
  std::vector<Tensor> attention;  // one [B, h, n, n] per attention layer, first layer first
};

// [B] lengths -> [B, n] key padding mask: 1 at positions >= the row's length, else 0.
// Throws attn::Error for a length outside [1, n].
Tensor padding_mask(const Tensor& lengths, int64_t n);

// Cross entropy over the real positions: logits [B, n, C], targets [B, n] class ids with
// <pad> (0) where a row has ended -> the mean over real positions.
Tensor tagging_loss(const Tensor& logits, const Tensor& targets);

// ---- the lecture's form and its baseline -------------------------------------
class LstmTaggerOptions {
 public:
  LstmTaggerOptions(int64_t vocab_size, int64_t num_classes)
      : vocab_size_(vocab_size), num_classes_(num_classes) {}
  ATTN_OPTION(int64_t, vocab_size, 0);
  ATTN_OPTION(int64_t, num_classes, 0);
  ATTN_OPTION(int64_t, embedding_dim, 32);
  ATTN_OPTION(int64_t, hidden_size, 64);  // per direction
  ATTN_OPTION(bool, bidirectional, true);
  // false: no W^Q, W^K, W^V; the head reads X alone (the baseline).
  ATTN_OPTION(bool, self_attention, true);
  // false: a position may not attend to itself (the diagonal of Q K^T is masked), so Z
  // holds only what the OTHER positions hand over. For the repeats task this is the whole
  // question ("is my letter elsewhere?"), and it removes the head's easiest answer: a
  // position's own key matches its own query best.
  ATTN_OPTION(bool, attend_to_self, true);
  // W^Q and W^K start as xavier_uniform with this gain (PyTorch's `gain`). Q K^T / sqrt(d_k)
  // has unit variance only when q and k do, and the LSTM's outputs X are far smaller than
  // unit (std ~0.12 at the start): with gain 1 the scores start with std ~0.02, every
  // row of A is uniform, and the gradient that would sharpen it is tiny (it is bilinear in
  // W^Q and W^K). A gain g multiplies the starting scores by g^2.
  ATTN_OPTION(double, qk_init_gain, 1.0);
  // true: W^K starts as a copy of W^Q (two parameters still, free to train apart), so at
  // step 0 the score of i with j is (x_i W)·(x_j W): a similarity, highest where X is alike
  // (the same letter). The flat start's plateau is gone; with attend_to_self(false) the
  // trivial self-match is masked away.
  ATTN_OPTION(bool, qk_tied_init, false);
  // true: the head reads X normalised per position (layer_norm over the 2H features, no
  // learned scale), so Q, K, V are linear maps of a unit-scale X and Q K^T / sqrt(d_k) starts
  // at the unit scale the 1/sqrt(d_k) assumes. The classifier still reads the raw X beside Z.
  ATTN_OPTION(bool, normalize_x, false);
  ATTN_OPTION(int64_t, d_k, 32);
  ATTN_OPTION(int64_t, d_v, 32);
  ATTN_OPTION(int64_t, head_hidden, 64);  // the classifier's hidden layer
  // The width of X, the LSTM's output: H or 2H.
  int64_t d_model() const { return (bidirectional_ ? 2 : 1) * hidden_size_; }
};

class LstmTagger : public nn::Module {
 public:
  explicit LstmTagger(const LstmTaggerOptions& options);
  // tokens [B, n], lengths [B] -> logits [B, n, C], attention {[B, 1, n, n]} (or {}).
  TaggerOutput forward(const Tensor& tokens, const Tensor& lengths) const;
  TaggerOutput operator()(const Tensor& tokens, const Tensor& lengths) const {
    return forward(tokens, lengths);
  }

  LstmTaggerOptions options;
  nn::Embedding embedding;
  nn::LSTM lstm;
  std::unique_ptr<nn::SelfAttention> self_attn;  // null in the baseline
  nn::Linear head_hidden;                        // [X | Z] or X -> head_hidden
  nn::Linear classifier;                         // head_hidden -> C
};

// ---- the Transformer encoder form --------------------------------------------
class TransformerTaggerOptions {
 public:
  TransformerTaggerOptions(int64_t vocab_size, int64_t num_classes)
      : vocab_size_(vocab_size), num_classes_(num_classes) {}
  ATTN_OPTION(int64_t, vocab_size, 0);
  ATTN_OPTION(int64_t, num_classes, 0);
  ATTN_OPTION(int64_t, d_model, 64);
  ATTN_OPTION(int64_t, num_heads, 4);
  ATTN_OPTION(int64_t, num_layers, 2);
  ATTN_OPTION(int64_t, dim_feedforward, 128);
  ATTN_OPTION(double, dropout, 0.0);
  ATTN_OPTION(int64_t, max_len, 512);  // the longest sequence the positional table covers
};

class TransformerTagger : public nn::Module {
 public:
  explicit TransformerTagger(const TransformerTaggerOptions& options);
  // tokens [B, n], lengths [B] -> logits [B, n, C], attention: num_layers x [B, h, n, n].
  TaggerOutput forward(const Tensor& tokens, const Tensor& lengths) const;
  TaggerOutput operator()(const Tensor& tokens, const Tensor& lengths) const {
    return forward(tokens, lengths);
  }

  TransformerTaggerOptions options;
  nn::Embedding embedding;
  nn::PositionalEncoding positions;
  // PyTorch's ModuleList: registered as "layers" so the names read layers.0.self_attn...,
  // and run one by one from `layer`, since each takes the mask and returns its weights.
  nn::Sequential layers;
  std::vector<std::shared_ptr<nn::TransformerEncoderLayer>> layer;
  nn::Linear classifier;
};

}  // namespace attn::models
