// Seq2Seq and AttnSeq2Seq: see models/seq2seq.h for the equations and shapes.
// Shape letters: B batch, S source length, T target steps, E embedding, H hidden, V vocabulary.
#include "models/seq2seq.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/vocab.h"
#include "layers/losses.h"

namespace attn::models {

namespace {

using data::kBos;
using data::kEos;
using data::kPad;

Tensor ids_tensor(const std::vector<int64_t>& ids, const Shape& shape) {
  std::vector<real> v(ids.begin(), ids.end());
  return Tensor::from_vector(v, shape);
}

// The log-probabilities of one decoder step, [B, V], as plain numbers.
std::vector<real> step_log_probs(const Tensor& logits) {
  return log_softmax(logits, 1).to_vector();
}

// Row r of an attention matrix [B, S], cut to the row's own source length.
std::vector<float> attention_row(const std::vector<real>& weights, int64_t r, int64_t S,
                                 int64_t length) {
  std::vector<float> row(static_cast<size_t>(length));
  for (int64_t j = 0; j < length; ++j) row[j] = static_cast<float>(weights[r * S + j]);
  return row;
}

}  // namespace

std::string to_string(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::additive:
      return "additive";
    case AttentionKind::dot:
      return "dot";
    case AttentionKind::general:
      return "general";
  }
  return "?";
}

AttentionKind parse_attention_kind(const std::string& name) {
  if (name == "additive") return AttentionKind::additive;
  if (name == "dot") return AttentionKind::dot;
  if (name == "general") return AttentionKind::general;
  fail("attention kind \"", name, "\": expected \"additive\" (Bahdanau), \"dot\" or \"general\" ",
       "(Luong)");
}

// ---- Encoded, Hypothesis ------------------------------------------------------------------

Encoded Encoded::select(const Tensor& index) const {
  Encoded e;
  e.states = index_select(states, 0, index);
  e.pad_mask = index_select(pad_mask, 0, index);
  if (projected.defined()) e.projected = index_select(projected, 0, index);
  for (const Tensor& s : last) e.last.push_back(index_select(s, 0, index));
  return e;
}

bool Hypothesis::ended() const {
  return !tokens.empty() && tokens.back() == kEos;
}

std::vector<int64_t> Hypothesis::output() const {
  std::vector<int64_t> out = tokens;
  if (ended()) out.pop_back();
  return out;
}

// ---- the shared part ----------------------------------------------------------------------

Seq2SeqBase::Seq2SeqBase(std::string type_name, const Seq2SeqOptions& o)
    : nn::Module(std::move(type_name)),
      options_(o),
      src_embedding(nn::EmbeddingOptions(o.src_vocab(), o.embedding_dim()).padding_idx(kPad)),
      tgt_embedding(nn::EmbeddingOptions(o.tgt_vocab(), o.embedding_dim()).padding_idx(kPad)),
      encoder(recurrent_factory(o.cell()).encoder(o.embedding_dim(), o.hidden_size())) {
  // <pad>, <bos>, <eos>, <unk> and at least one real token on each side.
  ATTN_CHECK(o.src_vocab() > data::kNumSpecials && o.tgt_vocab() > data::kNumSpecials,
             "Seq2Seq: vocabularies of ", o.src_vocab(), " and ", o.tgt_vocab(),
             " tokens: each needs the ", data::kNumSpecials, " specials and at least one more");
  ATTN_CHECK(o.embedding_dim() >= 1 && o.hidden_size() >= 1 && o.attention_dim() >= 1,
             "Seq2Seq: embedding_dim = ", o.embedding_dim(), ", hidden_size = ", o.hidden_size(),
             ", attention_dim = ", o.attention_dim(), " must all be >= 1");
  register_module("src_embedding", src_embedding);
  register_module("tgt_embedding", tgt_embedding);
  register_module("encoder", encoder.module);
}

Encoded Seq2SeqBase::run_encoder(const Tensor& src, const Tensor& src_lengths) const {
  ATTN_CHECK(src.defined() && src.dim() == 2 && src.size(1) >= 1, "Seq2Seq::encode: src of shape ",
             src.defined() ? shape_str(src.shape()) : "undefined",
             ": expected [B, S] token ids with S >= 1");
  const int64_t B = src.size(0), S = src.size(1), H = options_.hidden_size();
  ATTN_CHECK(src_lengths.defined() && src_lengths.shape() == Shape({B}),
             "Seq2Seq::encode: src_lengths of shape ",
             src_lengths.defined() ? shape_str(src_lengths.shape()) : "undefined", " for src ",
             shape_str(src.shape()), ": expected [B] = [", B, "]");
  // Padding mask from the lengths: position j of row b is padding when j >= length_b.
  Tensor pad = Tensor::zeros({B, S});
  for (int64_t b = 0; b < B; ++b) {
    const real len = src_lengths.data()[b];
    ATTN_CHECK(len >= 1 && len <= S && std::trunc(len) == len, "Seq2Seq::encode: src_lengths[", b,
               "] = ", len, ": expected a whole number in [1, S = ", S, "]");
    for (int64_t j = static_cast<int64_t>(len); j < S; ++j) pad.data()[b * S + j] = 1;
  }
  Encoded e;
  const nn::RecurrentLayersOutput r = encoder.run(src_embedding(src), src_lengths);
  e.states = r.output;  // [B, S, H]
  e.pad_mask = pad;
  for (const Tensor& s : r.final) e.last.push_back(reshape(s, {B, H}));  // [1, B, H] -> [B, H]
  return e;
}

void Seq2SeqBase::check_step(const char* who, const Tensor& prev, const nn::RecurrentState& state,
                             const Encoded& enc, const nn::RecurrentCell& cell) const {
  ATTN_CHECK(prev.defined() && prev.dim() == 1, who, ": prev of shape ",
             prev.defined() ? shape_str(prev.shape()) : "undefined", ": expected [B] token ids");
  const int64_t B = prev.size(0), H = options_.hidden_size();
  ATTN_CHECK(static_cast<int64_t>(state.size()) == cell.state_size(), who, ": a decoder state of ",
             state.size(), " tensors; the ", options_.cell(), " cell's has ", cell.state_size(),
             " (each [B, H])");
  for (size_t i = 0; i < state.size(); ++i)
    ATTN_CHECK(state[i].defined() && state[i].shape() == Shape({B, H}), who, ": state[", i,
               "] of shape ", state[i].defined() ? shape_str(state[i].shape()) : "undefined",
               ": expected [B, H] = [", B, ", ", H, "]");
  ATTN_CHECK(enc.states.defined() && enc.batch() == B, who, ": the encoder output has ",
             enc.states.defined() ? enc.batch() : 0, " rows, prev has ", B);
}

TeacherForced Seq2SeqBase::teacher_forced(const data::SeqBatch& batch) const {
  return teacher_forced_stepwise(batch);
}

TeacherForced Seq2SeqBase::teacher_forced_stepwise(const data::SeqBatch& batch) const {
  const Encoded enc = encode(batch.src, batch.src_lengths);
  const int64_t B = batch.tgt_in.size(0), T = batch.tgt_in.size(1);
  nn::RecurrentState state = initial_state(enc);
  std::vector<Tensor> logits, weights;
  for (int64_t t = 0; t < T; ++t) {
    const Tensor prev = reshape(slice(batch.tgt_in, 1, t, t + 1), {B});  // y_{t-1}, the reference
    DecoderStep step = decode_step(prev, state, enc);
    logits.push_back(step.logits);
    if (step.weights.defined()) weights.push_back(step.weights);
    state = step.state;
  }
  TeacherForced tf;
  tf.logits = stack(logits, 1);                          // [B, T, V]
  if (!weights.empty()) tf.weights = stack(weights, 1);  // [B, T, S]
  return tf;
}

Tensor Seq2SeqBase::loss(const data::SeqBatch& batch) const {
  ATTN_CHECK(batch.tgt_in.defined() && batch.tgt_out.defined() &&
                 batch.tgt_in.shape() == batch.tgt_out.shape() && batch.tgt_in.dim() == 2,
             "Seq2Seq::loss: tgt_in and tgt_out must be [B, T] of equal shapes");
  const TeacherForced tf = teacher_forced(batch);
  return nn::cross_entropy(tf.logits, batch.tgt_out, nn::CrossEntropyOptions().ignore_index(kPad));
}

std::vector<Hypothesis> Seq2SeqBase::greedy_decode(const Tensor& src, const Tensor& src_lengths,
                                                   int64_t max_len) const {
  ATTN_CHECK(max_len >= 1, "Seq2Seq::greedy_decode: max_len = ", max_len, ", expected >= 1");
  NoGradGuard no_grad;
  const Encoded enc = encode(src, src_lengths);
  const int64_t B = enc.batch(), S = src.size(1), V = options_.tgt_vocab();
  std::vector<Hypothesis> hyps(static_cast<size_t>(B));
  std::vector<char> done(static_cast<size_t>(B), 0);
  std::vector<int64_t> lengths(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) lengths[b] = static_cast<int64_t>(src_lengths.data()[b]);
  nn::RecurrentState state = initial_state(enc);
  std::vector<int64_t> prev(static_cast<size_t>(B), kBos);
  int64_t running = B;
  for (int64_t i = 0; i < max_len && running > 0; ++i) {
    DecoderStep step = decode_step(ids_tensor(prev, {B}), state, enc);
    const std::vector<real> logp = step_log_probs(step.logits);
    const std::vector<real> w =
        step.weights.defined() ? step.weights.to_vector() : std::vector<real>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;  // finished rows keep running in the batch; their steps are dropped
      const real* row = logp.data() + b * V;
      const int64_t y = std::max_element(row, row + V) - row;  // the first maximum
      Hypothesis& h = hyps[b];
      h.tokens.push_back(y);
      h.log_prob += row[y];
      if (!w.empty()) h.attention.push_back(attention_row(w, b, S, lengths[b]));
      prev[b] = y;
      if (y == kEos) {
        done[b] = 1;
        --running;
      }
    }
    state = step.state;
  }
  for (Hypothesis& h : hyps) h.score = h.log_prob;
  return hyps;
}

std::vector<Hypothesis> Seq2SeqBase::greedy_decode(const std::vector<std::vector<int64_t>>& srcs,
                                                   int64_t max_len) const {
  // Pads the sources into batches of at most 256 rows (the decoding is batched; the rows
  // do not interact, so the batch size changes nothing but the speed).
  constexpr size_t kChunk = 256;
  std::vector<Hypothesis> all;
  all.reserve(srcs.size());
  for (size_t first = 0; first < srcs.size(); first += kChunk) {
    const size_t n = std::min(kChunk, srcs.size() - first);
    size_t S = 0;
    for (size_t r = 0; r < n; ++r) {
      ATTN_CHECK(!srcs[first + r].empty(), "Seq2Seq::greedy_decode: source ", first + r,
                 " is empty");
      S = std::max(S, srcs[first + r].size());
    }
    std::vector<real> ids(n * S, real(kPad)), lengths(n);
    for (size_t r = 0; r < n; ++r) {
      const auto& s = srcs[first + r];
      std::copy(s.begin(), s.end(), ids.begin() + static_cast<std::ptrdiff_t>(r * S));
      lengths[r] = static_cast<real>(s.size());
    }
    const int64_t B = static_cast<int64_t>(n), Si = static_cast<int64_t>(S);
    auto part = greedy_decode(Tensor::from_vector(ids, {B, Si}), Tensor::from_vector(lengths, {B}),
                              max_len);
    for (auto& h : part) all.push_back(std::move(h));
  }
  return all;
}

Hypothesis Seq2SeqBase::beam_search(const std::vector<int64_t>& src, const BeamOptions& opt) const {
  ATTN_CHECK(opt.width >= 1 && opt.max_len >= 1 && opt.alpha >= 0,
             "Seq2Seq::beam_search: width = ", opt.width, ", max_len = ", opt.max_len,
             ", alpha = ", opt.alpha, ": expected width >= 1, max_len >= 1, alpha >= 0");
  ATTN_CHECK(!src.empty(), "Seq2Seq::beam_search: the source is empty");
  NoGradGuard no_grad;
  const int64_t S = static_cast<int64_t>(src.size()), V = options_.tgt_vocab(), k = opt.width;
  const Encoded enc1 = encode(ids_tensor(src, {1, S}), Tensor::full({1}, static_cast<real>(S)));
  auto score_of = [&](const Hypothesis& h) {
    return h.log_prob / std::pow(static_cast<double>(h.tokens.size()), opt.alpha);
  };

  std::vector<Hypothesis> live(1), finished;
  nn::RecurrentState state = initial_state(enc1);
  for (int64_t i = 0; i < opt.max_len; ++i) {
    const int64_t n = static_cast<int64_t>(live.size());
    const Encoded enc = n == 1 ? enc1 : enc1.select(Tensor::zeros({n}));
    std::vector<int64_t> prev(static_cast<size_t>(n));
    for (int64_t b = 0; b < n; ++b) prev[b] = live[b].tokens.empty() ? kBos : live[b].tokens.back();
    DecoderStep step = decode_step(ids_tensor(prev, {n}), state, enc);
    const std::vector<real> logp = step_log_probs(step.logits);
    const std::vector<real> w =
        step.weights.defined() ? step.weights.to_vector() : std::vector<real>();

    // Every (beam, token) extension, ranked by total log-probability; ties go to the lower
    // beam, then the lower token id, as greedy's first maximum. The best 2k are enough: at
    // most k of them end in <eos>, so k can always continue.
    struct Candidate {
      double log_prob;
      int64_t beam, token;
    };
    std::vector<Candidate> cand;
    cand.reserve(static_cast<size_t>(n * V));
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < V; ++y)
        cand.push_back({live[b].log_prob + static_cast<double>(logp[b * V + y]), b, y});
    const size_t keep = std::min(cand.size(), static_cast<size_t>(2 * k));
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(keep), cand.end(),
                      [](const Candidate& a, const Candidate& b) {
                        return std::tie(b.log_prob, a.beam, a.token) <
                               std::tie(a.log_prob, b.beam, b.token);
                      });

    std::vector<Hypothesis> next;
    std::vector<real> parents;
    for (size_t r = 0; r < keep && static_cast<int64_t>(next.size()) < k; ++r) {
      const Candidate& c = cand[r];
      // <eos> among the top k finishes a hypothesis; further down it is not good enough.
      if (c.token == kEos && static_cast<int64_t>(r) >= k) continue;
      Hypothesis h = live[c.beam];
      h.tokens.push_back(c.token);
      h.log_prob = c.log_prob;
      if (!w.empty()) h.attention.push_back(attention_row(w, c.beam, S, S));
      h.score = score_of(h);
      if (c.token == kEos) {
        finished.push_back(std::move(h));
      } else {
        next.push_back(std::move(h));
        parents.push_back(static_cast<real>(c.beam));
      }
    }
    if (static_cast<int64_t>(finished.size()) >= k || next.empty()) break;
    const Tensor index = Tensor::from_vector(parents, {static_cast<int64_t>(parents.size())});
    state.clear();
    for (const Tensor& s : step.state) state.push_back(index_select(s, 0, index));
    live = std::move(next);
    if (i + 1 == opt.max_len)  // cut off: the unfinished hypotheses compete as they are
      for (Hypothesis& h : live) finished.push_back(std::move(h));
  }
  ATTN_CHECK(!finished.empty(), "Seq2Seq::beam_search: no hypothesis (internal error)");
  // The best score; among equal scores the one found first.
  return *std::max_element(
      finished.begin(), finished.end(),
      [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
}

// ---- Seq2Seq: the bottleneck --------------------------------------------------------------

Seq2Seq::Seq2Seq(const Seq2SeqOptions& o)
    : Seq2SeqBase("Seq2Seq", o),
      decoder(recurrent_factory(o.cell()).decoder(o.embedding_dim(), o.hidden_size())),
      out(nn::LinearOptions(o.hidden_size(), o.tgt_vocab())) {
  register_module("decoder", decoder.module);
  register_module("out", out);
}

Encoded Seq2Seq::encode(const Tensor& src, const Tensor& src_lengths) const {
  return run_encoder(src, src_lengths);
}

DecoderStep Seq2Seq::decode_step(const Tensor& prev, const nn::RecurrentState& state,
                                 const Encoded& enc) const {
  const nn::RecurrentCell& cell = *decoder.cell;
  check_step("Seq2Seq::decode_step", prev, state, enc, cell);
  DecoderStep step;
  // (s_i, m_i) from y_{i-1} and (s_{i-1}, m_{i-1})
  step.state = cell.step(cell.input_gates(tgt_embedding(prev)), state);
  step.logits = out(cell.output(step.state));  // [B, V]
  return step;
}

TeacherForced Seq2Seq::teacher_forced(const data::SeqBatch& batch) const {
  const Encoded enc = encode(batch.src, batch.src_lengths);
  // Under teacher forcing every decoder input is known in advance, so the input half of the
  // gates is one GEMM for all steps and the recurrence runs over time in one call (one fused
  // op for the LSTM cell): the same numbers as step by step (teacher_forced_stepwise).
  const Tensor x = tgt_embedding(batch.tgt_in);  // [B, T, E]
  const nn::RecurrentCell& cell = *decoder.cell;
  const nn::RecurrentSequence seq =
      nn::run_cell_over_time(cell, cell.input_gates(x), initial_state(enc));
  return {out(seq.out), Tensor()};  // seq.out [B, T, H]
}

// ---- AttnSeq2Seq --------------------------------------------------------------------------

AttnSeq2Seq::AttnSeq2Seq(const Seq2SeqOptions& o)
    : Seq2SeqBase("AttnSeq2Seq", o),
      decoder(recurrent_factory(o.cell())
                  .decoder(o.embedding_dim() + o.hidden_size(), o.hidden_size())),
      out(nn::LinearOptions(2 * o.hidden_size(), o.tgt_vocab())) {
  register_module("decoder", decoder.module);
  const int64_t H = o.hidden_size();
  switch (o.attention()) {
    case AttentionKind::additive:
      additive =
          register_module("attention", std::make_shared<nn::AdditiveAttention>(
                                           nn::AdditiveAttentionOptions(H, H, o.attention_dim())));
      break;
    case AttentionKind::dot:
    case AttentionKind::general:
      multiplicative = register_module(
          "attention",
          std::make_shared<nn::DotProductAttention>(nn::DotProductAttentionOptions(H, H).score(
              o.attention() == AttentionKind::dot ? nn::DotProductScore::Dot
                                                  : nn::DotProductScore::General)));
      break;
  }
  register_module("out", out);
}

Encoded AttnSeq2Seq::encode(const Tensor& src, const Tensor& src_lengths) const {
  Encoded e = run_encoder(src, src_lengths);
  if (additive) e.projected = additive->project_keys(e.states);  // U h_j once, not per step
  return e;
}

nn::AttentionOutput AttnSeq2Seq::attend(const Tensor& query, const Encoded& enc) const {
  if (additive) return (*additive)(query, enc.states, enc.pad_mask, enc.projected);
  return (*multiplicative)(query, enc.states, enc.pad_mask);
}

DecoderStep AttnSeq2Seq::decode_step(const Tensor& prev, const nn::RecurrentState& state,
                                     const Encoded& enc) const {
  const nn::RecurrentCell& cell = *decoder.cell;
  check_step("AttnSeq2Seq::decode_step", prev, state, enc, cell);
  // c_i [B, H], a_i [B, S] from s_{i-1}
  const auto [context, weights] = attend(cell.output(state), enc);
  DecoderStep step;
  step.state = cell.step(cell.input_gates(concat({tgt_embedding(prev), context}, 1)), state);
  step.logits = out(concat({cell.output(step.state), context}, 1));  // Linear([s_i; c_i])
  step.weights = weights;
  return step;
}

TeacherForced AttnSeq2Seq::teacher_forced(const data::SeqBatch& batch) const {
  const Encoded enc = encode(batch.src, batch.src_lengths);
  const int64_t B = batch.tgt_in.size(0), T = batch.tgt_in.size(1), E = options_.embedding_dim();
  const Tensor x = tgt_embedding(batch.tgt_in);  // [B, T, E], all steps at once
  const nn::RecurrentCell& cell = *decoder.cell;
  nn::RecurrentState state = initial_state(enc);
  std::vector<Tensor> features, weights;  // [s_i; c_i] and a_i of every step
  for (int64_t t = 0; t < T; ++t) {
    const auto [context, a] = attend(cell.output(state), enc);
    const Tensor x_t = reshape(slice(x, 1, t, t + 1), {B, E});
    state = cell.step(cell.input_gates(concat({x_t, context}, 1)), state);
    features.push_back(concat({cell.output(state), context}, 1));
    weights.push_back(a);
  }
  return {out(stack(features, 1)), stack(weights, 1)};  // [B, T, V], [B, T, S]
}

std::unique_ptr<Seq2SeqBase> make_seq2seq(bool attention, const Seq2SeqOptions& options) {
  if (attention) return std::make_unique<AttnSeq2Seq>(options);
  return std::make_unique<Seq2Seq>(options);
}

}  // namespace attn::models
