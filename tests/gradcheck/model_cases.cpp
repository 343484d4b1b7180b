// Gradient checks of whole models: the teacher-forced training loss of the seq2seq models
// (models/seq2seq.h) with respect to every parameter, at tiny sizes (V_src = 6, V_tgt = 7,
// E = 3, H = 4, A = 3; B = 2 rows with sources of 3 and 2 tokens and targets of 3 and 1, so
// the source padding, the attention mask and ignore_index = <pad> are all on the path).
// The models come from attn_models_f64, the double twin of models/.
#include <cstdint>

#include "data/vocab.h"
#include "gradcheck/gradcheck_case.h"
#include "layers/losses.h"
#include "models/seq2seq.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using models::AttentionKind;

// src "a b c" / "d e <pad>", targets "f g h" / "i": ids of their own vocabularies.
data::SeqBatch tiny_batch() {
  data::SeqBatch b;
  b.src = Tensor::from_vector({4, 5, 5, 4, 5, 0}, {2, 3});
  b.src_lengths = Tensor::from_vector({3, 2}, {2});
  b.src_mask = Tensor::from_vector({1, 1, 1, 1, 1, 0}, {2, 3});
  b.tgt_in = Tensor::from_vector({1, 4, 5, 6, 1, 6, 0, 0}, {2, 4});   // <bos> y1 y2 y3
  b.tgt_out = Tensor::from_vector({4, 5, 6, 2, 6, 2, 0, 0}, {2, 4});  // y1 y2 y3 <eos>
  b.tgt_lengths = Tensor::from_vector({4, 2}, {2});
  b.tgt_mask = Tensor::from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
  b.indices = {0, 1};
  return b;
}

models::Seq2SeqOptions tiny_options(AttentionKind kind) {
  return models::Seq2SeqOptions(6, 7).embedding_dim(3).hidden_size(4).attention(kind).attention_dim(
      3);
}

// The parameters' shapes in registration order (the order the rows assign them below).
std::vector<Shape> parameter_shapes(const nn::Module& m) {
  std::vector<Shape> s;
  for (const auto& [name, t] : m.named_parameters()) s.push_back(t.shape());
  return s;
}

// Points the shared parameters at x[0..] and returns the next index.
size_t assign_shared(models::Seq2SeqBase& m, const X& x) {
  size_t i = 0;
  m.src_embedding.weight = x[i++];
  m.tgt_embedding.weight = x[i++];
  nn::LSTM& encoder = m.encoder.as<nn::LSTM>();
  encoder.weight_ih[0] = x[i++];
  encoder.weight_hh[0] = x[i++];
  encoder.bias_ih[0] = x[i++];
  encoder.bias_hh[0] = x[i++];
  return i;
}

size_t assign_cell(nn::LSTMCell& cell, const X& x, size_t i) {
  cell.weight_ih = x[i++];
  cell.weight_hh = x[i++];
  cell.bias_ih = x[i++];
  cell.bias_hh = x[i++];
  return i;
}

Tensor bottleneck_loss(const X& x, bool stepwise) {
  models::Seq2Seq m(tiny_options(AttentionKind::additive));
  size_t i = assign_cell(m.decoder.as<nn::LSTMCell>(), x, assign_shared(m, x));
  m.out.weight = x[i++];
  m.out.bias = x[i++];
  const data::SeqBatch b = tiny_batch();
  if (!stepwise) return m.loss(b);
  return nn::cross_entropy(m.teacher_forced_stepwise(b).logits, b.tgt_out,
                           nn::CrossEntropyOptions().ignore_index(data::kPad));
}

Tensor attention_loss(const X& x, AttentionKind kind) {
  models::AttnSeq2Seq m(tiny_options(kind));
  size_t i = assign_cell(m.decoder.as<nn::LSTMCell>(), x, assign_shared(m, x));
  if (m.additive) {
    m.additive->W.weight = x[i++];
    m.additive->U.weight = x[i++];
    m.additive->U.bias = x[i++];
    m.additive->v.weight = x[i++];
  } else if (m.multiplicative->W) {
    m.multiplicative->W->weight = x[i++];
  }
  m.out.weight = x[i++];
  m.out.bias = x[i++];
  return m.loss(tiny_batch());
}

std::vector<Shape> shapes_of(bool attention, AttentionKind kind) {
  return parameter_shapes(*models::make_seq2seq(attention, tiny_options(kind)));
}

// The loss is one number of size ~2 built from a few hundred operations; its central
// differences carry ~1e-16 / eps of rounding, far below atol. Gradients of the <pad>
// embedding rows are exactly 0 on both sides (padding_idx), which atol covers. A wrong
// backward anywhere on the path is off by >= 1e-4 relative.
const GradcheckOptions kModel{.eps = 1e-6, .rtol = 1e-6, .atol = 1e-9, .kinks = {}};

std::vector<GradcheckCase> cases() {
  return {
      {"seq2seq_bottleneck_loss", shapes_of(false, AttentionKind::additive),
       [](const X& x) { return bottleneck_loss(x, /*stepwise=*/false); }, kModel},
      {"seq2seq_bottleneck_loss_stepwise", shapes_of(false, AttentionKind::additive),
       [](const X& x) { return bottleneck_loss(x, /*stepwise=*/true); }, kModel},
      {"seq2seq_attention_additive_loss", shapes_of(true, AttentionKind::additive),
       [](const X& x) { return attention_loss(x, AttentionKind::additive); }, kModel},
      {"seq2seq_attention_dot_loss", shapes_of(true, AttentionKind::dot),
       [](const X& x) { return attention_loss(x, AttentionKind::dot); }, kModel},
      {"seq2seq_attention_general_loss", shapes_of(true, AttentionKind::general),
       [](const X& x) { return attention_loss(x, AttentionKind::general); }, kModel},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
