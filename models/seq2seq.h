#pragma once
// Sequence to sequence: an encoder LSTM reads the source, a decoder LSTM writes the target
// one token at a time (Sutskever et al. 2014; Cho et al. 2014), and the same with attention
// (Bahdanau, Cho, Bengio 2014; Luong, Pham, Manning 2015).
//
// The recurrent kind is an option: Seq2SeqOptions::cell names the encoder layer and decoder
// cell (models/recurrent_registry.h): "lstm" (the default, written below), or another kind a
// program links in, such as exercise 1's GRU ("gru": state {h} where the LSTM's is {h, c},
// weights of 3H rows where the LSTM's have 4H; every equation below is the same with it).
//
// Shape letters: B batch, S source length, T target length (+1 for <bos>/<eos>), E embedding
// size, H hidden size, A attention size, V target vocabulary.
//
// Seq2Seq, the bottleneck:
//   encoder   x_j = E_src[src_j];  (h_j, c_j) = LSTM(x_j, h_{j-1}, c_{j-1})   j = 1..S
//   decoder   (s_0, m_0) = (h_S, c_S): the encoder's last state is ALL the decoder gets
//             (s_i, m_i) = LSTMCell(E_tgt[y_{i-1}], s_{i-1}, m_{i-1})
//             p(y_i | y_<i, x) = softmax(Linear_{H->V}(s_i))
// AttnSeq2Seq, the same plus attention at every decoder step over all encoder states:
//   c_i = sum_j a_ij h_j,  a_i = softmax_j(score(s_{i-1}, h_j)), padded j excluded (a_ij = 0)
//   (s_i, m_i) = LSTMCell([E_tgt[y_{i-1}]; c_i], s_{i-1}, m_{i-1})
//   p(y_i | y_<i, x) = softmax(Linear_{2H->V}([s_i; c_i]))
//   score: additive (Bahdanau, the default)  v^T tanh(W s_{i-1} + U h_j)
//          dot      (Luong)                   s_{i-1} . h_j
//          general  (Luong)                   s_{i-1}^T W_a h_j
//   As in Bahdanau's decoder, the query is the previous decoder state s_{i-1}, and the
//   context enters both the LSTM input and the output layer; Luong's "dot" and "general" are
//   offered as scores inside this same decoder (Luong's paper queries with s_i instead).
//
//   models::AttnSeq2Seq model(models::Seq2SeqOptions(src_vocab, tgt_vocab).hidden_size(128));
//   Tensor loss = model.loss(batch);                    // teacher forcing: training only
//   auto hyps = model.greedy_decode(batch.src, batch.src_lengths, /*max_len=*/40);
//   auto best = model.beam_search(src_ids, {.width = 5, .alpha = 0.6, .max_len = 40});
//   best.tokens;      // {7, 5, 9, ..., kEos}
//   best.attention;   // one row of S weights per output token (AttnSeq2Seq only)
//
// Parameter names (what a checkpoint holds, as PyTorch would name the same module):
//   src_embedding.weight [V_src, E], tgt_embedding.weight [V, E],
//   encoder.weight_ih_l0 [4H, E], encoder.weight_hh_l0 [4H, H], encoder.bias_ih_l0, ..._hh_l0,
//   decoder.weight_ih [4H, E (+H)], decoder.weight_hh [4H, H], decoder.bias_ih, decoder.bias_hh,
//   (a GRU: the same names with 3H rows),
//   attention.W.weight [A, H], attention.U.weight [A, H], attention.U.bias, attention.v.weight
//   (additive; general: attention.W.weight [H, H]; dot: none), out.weight [V, H or 2H], out.bias.
//
// Token ids follow data/vocab.h in both vocabularies: <pad> = 0, <bos> = 1, <eos> = 2.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "data/seq_batch.h"
#include "layers/additive_attention.h"
#include "layers/dot_product_attention.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/lstm.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/recurrent.h"
#include "models/recurrent_registry.h"

namespace attn::models {

enum class AttentionKind { additive, dot, general };
// "additive", "dot", "general"; parse_attention_kind throws attn::Error for anything else.
std::string to_string(AttentionKind kind);
AttentionKind parse_attention_kind(const std::string& name);

// Seq2SeqOptions(src_vocab, tgt_vocab).embedding_dim(64).hidden_size(128)
//     .cell("lstm")                       // the recurrent kind (models/recurrent_registry.h)
//     .attention(AttentionKind::dot)      // AttnSeq2Seq only
//     .attention_dim(128);                // additive only; A
class Seq2SeqOptions {
 public:
  Seq2SeqOptions(int64_t src_vocab, int64_t tgt_vocab)
      : src_vocab_(src_vocab), tgt_vocab_(tgt_vocab) {}
  ATTN_OPTION(int64_t, src_vocab, 0);
  ATTN_OPTION(int64_t, tgt_vocab, 0);
  ATTN_OPTION(int64_t, embedding_dim, 64);
  ATTN_OPTION(int64_t, hidden_size, 128);
  ATTN_OPTION(std::string, cell, "lstm");                          // encoder layer, decoder cell
  ATTN_OPTION(AttentionKind, attention, AttentionKind::additive);  // AttnSeq2Seq only
  ATTN_OPTION(int64_t, attention_dim, 128);                        // additive only; A
};

// What the encoder leaves for the decoder.
struct Encoded {
  Tensor states;            // [B, S, H]  h_1 .. h_S (0 past each row's length)
  Tensor pad_mask;          // [B, S]     1 on padding (the attention's key_padding_mask)
  Tensor projected;         // [B, S, A]  U h_j + b_U, made once per sequence (additive only)
  nn::RecurrentState last;  // [B, H] each: the encoder's state after each row's last token
                            // (LSTM: {h_S, c_S}; GRU: {h_S})
  int64_t batch() const { return states.size(0); }
  // The rows `index` (whole numbers in [0, B)) of every member: for beam search.
  Encoded select(const Tensor& index) const;
};

// One decoder step for B rows.
struct DecoderStep {
  Tensor logits;             // [B, V]  unnormalised scores of y_i
  nn::RecurrentState state;  // [B, H] each: the decoder cell's state (LSTM: {s_i, m_i};
                             // GRU: {s_i})
  Tensor weights;            // [B, S]  a_i (AttnSeq2Seq), undefined for the bottleneck
};

// Teacher-forced outputs for a batch (training).
struct TeacherForced {
  Tensor logits;   // [B, T, V]
  Tensor weights;  // [B, T, S] (AttnSeq2Seq), undefined for the bottleneck
};

// One decoded output sequence.
struct Hypothesis {
  std::vector<int64_t> tokens;  // the ids written, ending with <eos> when the decoder stopped
                                // by itself (not when max_len cut it off)
  double log_prob = 0;          // sum of log p(y_i | y_<i, x) over `tokens`
  double score = 0;             // what beam search ranked by: log_prob / |tokens|^alpha
  // One row per token of `tokens`: the attention weights over the source (the row's own
  // length, padding cut off) when that token was written. Empty for the bottleneck.
  std::vector<std::vector<float>> attention;
  bool ended() const;  // the last token is <eos>
  // The tokens before <eos>: what is compared with a reference.
  std::vector<int64_t> output() const;
};

struct BeamOptions {
  int64_t width = 5;     // k: hypotheses kept at every step
  double alpha = 0.6;    // length normalisation: rank by log p / |y|^alpha (0: plain log p,
                         // which favours short outputs; 1: the mean log p per token)
  int64_t max_len = 50;  // at most this many tokens (the <eos> included)
};

// The part both models share: the training loss, greedy decoding and beam search, written
// once over encode() and decode_step().
class Seq2SeqBase : public nn::Module {
 public:
  // src [B, S] ids (<pad> after each row's end), src_lengths [B] in [1, S].
  virtual Encoded encode(const Tensor& src, const Tensor& src_lengths) const = 0;
  // prev [B] ids y_{i-1} (<bos> first), state (s_{i-1}, m_{i-1}) -> the step's outputs.
  virtual DecoderStep decode_step(const Tensor& prev, const nn::RecurrentState& state,
                                  const Encoded& enc) const = 0;
  // The decoder's start state from the encoder: (h_S, c_S) in both models ({h_S} for a GRU).
  nn::RecurrentState initial_state(const Encoded& enc) const { return enc.last; }

  // Teacher forcing: the decoder is fed the reference y_{i-1} (batch.tgt_in), not its own
  // guess, so all T steps of every row are computed in one pass. The model may override it
  // with a faster equivalent; teacher_forced_stepwise is the reference, decode_step in a loop.
  virtual TeacherForced teacher_forced(const data::SeqBatch& batch) const;
  TeacherForced teacher_forced_stepwise(const data::SeqBatch& batch) const;
  // Mean cross-entropy over the real target tokens (each row's y_1 .. y_n and <eos>;
  // <pad> positions are ignored): the training loss. [] scalar.
  Tensor loss(const data::SeqBatch& batch) const;

  // Free decoding, for evaluation: each step is fed the model's own previous choice.
  // Greedy: y_i = argmax p(y | y_<i, x), all rows of the batch at once; a row stops at its
  // <eos> (later steps still run for the others, and their output is dropped) or after
  // max_len tokens. Runs without recording a graph. One Hypothesis per row, in order.
  std::vector<Hypothesis> greedy_decode(const Tensor& src, const Tensor& src_lengths,
                                        int64_t max_len) const;
  // The same for a list of sources (batched, in order).
  std::vector<Hypothesis> greedy_decode(const std::vector<std::vector<int64_t>>& srcs,
                                        int64_t max_len) const;
  // Beam search for one source sequence (ids, no padding): keeps the `width` best partial
  // outputs at every step; a hypothesis that writes <eos> is finished. Stops when `width`
  // hypotheses have finished, or after max_len steps (then unfinished ones compete too).
  // Returns the best by score. Width 1 gives exactly the greedy output.
  Hypothesis beam_search(const std::vector<int64_t>& src, const BeamOptions& options) const;

  virtual bool has_attention() const = 0;
  const Seq2SeqOptions& options() const { return options_; }

 protected:
  Seq2SeqBase(std::string type_name, const Seq2SeqOptions& options);
  // Checks src/src_lengths and embeds and encodes them with the members below.
  Encoded run_encoder(const Tensor& src, const Tensor& src_lengths) const;
  // Checks a decoder step's arguments (`cell`: the decoder's, for the state's size).
  void check_step(const char* who, const Tensor& prev, const nn::RecurrentState& state,
                  const Encoded& enc, const nn::RecurrentCell& cell) const;

  Seq2SeqOptions options_;

 public:
  nn::Embedding src_embedding;  // V_src -> E, <pad> row fixed at zero
  nn::Embedding tgt_embedding;  // V -> E, <pad> row fixed at zero
  // E -> H, options().cell()'s layer (nn::LSTM for "lstm": encoder.as<nn::LSTM>()), run
  // through encoder.run.
  RecurrentEncoder encoder;
};

// The bottleneck: only (h_S, c_S) ({h_S} for a GRU) crosses from the encoder to the decoder.
class Seq2Seq : public Seq2SeqBase {
 public:
  explicit Seq2Seq(const Seq2SeqOptions& options);
  Encoded encode(const Tensor& src, const Tensor& src_lengths) const override;
  DecoderStep decode_step(const Tensor& prev, const nn::RecurrentState& state,
                          const Encoded& enc) const override;
  // All T decoder steps through run_cell_over_time (the inputs are known under teacher
  // forcing), which the LSTM cell runs as one fused op: equal to teacher_forced_stepwise,
  // faster.
  TeacherForced teacher_forced(const data::SeqBatch& batch) const override;
  bool has_attention() const override { return false; }

  // E -> H, options().cell()'s cell (nn::LSTMCell for "lstm": decoder.as<nn::LSTMCell>()),
  // used only through nn::RecurrentCell (input_gates, step, output), so any cell fits.
  RecurrentDecoder decoder;
  nn::Linear out;  // H -> V
};

// With attention over every encoder state at every decoder step.
class AttnSeq2Seq : public Seq2SeqBase {
 public:
  explicit AttnSeq2Seq(const Seq2SeqOptions& options);
  Encoded encode(const Tensor& src, const Tensor& src_lengths) const override;
  DecoderStep decode_step(const Tensor& prev, const nn::RecurrentState& state,
                          const Encoded& enc) const override;
  // The steps must run one by one (c_i needs s_{i-1}); the embeddings of all steps are
  // looked up at once and the output layer runs once over [B, T, 2H].
  TeacherForced teacher_forced(const data::SeqBatch& batch) const override;
  bool has_attention() const override { return true; }

  RecurrentDecoder decoder;  // E + H -> H, options().cell()'s cell, used as an nn::RecurrentCell
  nn::Linear out;            // 2H -> V
  // One of the two, by options().attention().
  std::shared_ptr<nn::AdditiveAttention> additive;
  std::shared_ptr<nn::DotProductAttention> multiplicative;

 private:
  // c_i and a_i for query s_{i-1} [B, H].
  nn::AttentionOutput attend(const Tensor& query, const Encoded& enc) const;
};

// Builds the model a run asks for: Seq2Seq when `attention` is false, else AttnSeq2Seq.
std::unique_ptr<Seq2SeqBase> make_seq2seq(bool attention, const Seq2SeqOptions& options);

}  // namespace attn::models
