// Gradient checks of the taggers of tutorial 04 (models/self_attention_models.h): the loss of
// each model w.r.t. every one of its parameters, at tiny sizes, on a padded batch. Each row's
// inputs are the model's parameters in named_parameters() order; the lambda builds the model,
// points its parameter members at the row's inputs (and checks it pointed every one, in
// order), and runs the model's own forward and tagging_loss.
// The models come from attn_models_f64, the double twin of models/.
#include <memory>
#include <string>
#include <vector>

#include "gradcheck/gradcheck_case.h"
#include "layers/losses.h"
#include "models/self_attention_models.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using models::LstmTagger;
using models::LstmTaggerOptions;
using models::TransformerTagger;
using models::TransformerTaggerOptions;

constexpr int64_t kVocab = 7, kClasses = 3, kB = 2, kN = 4;

// A batch of two rows, the second padded after 2 tokens; targets in {1, 2}, <pad> (0) after.
struct Batch {
  Tensor tokens = Tensor::from_vector({4, 5, 4, 6, 5, 6, 0, 0}, {kB, kN});
  Tensor lengths = Tensor::from_vector({4, 2}, {kB});
  Tensor targets = Tensor::from_vector({1, 2, 1, 2, 2, 1, 0, 0}, {kB, kN});
};

// Points each slot at the row's input of the same index, after checking that the slots are
// the model's parameters in its own order (so no parameter is left out of the check).
void bind_parameters(const nn::Module& model, const std::vector<Tensor*>& slots, const X& x) {
  const auto named = model.named_parameters();
  ATTN_CHECK(named.size() == slots.size() && x.size() == slots.size(),
             "bind_parameters: ", named.size(), " parameters, ", slots.size(), " slots, ", x.size(),
             " inputs");
  for (size_t i = 0; i < slots.size(); ++i) {
    ATTN_CHECK(slots[i]->data() == named[i].second.data(), "bind_parameters: slot ", i,
               " is not parameter ", named[i].first);
    ATTN_CHECK(slots[i]->shape() == x[i].shape(), "bind_parameters: ", named[i].first, " is ",
               shape_str(slots[i]->shape()), ", input ", i, " is ", shape_str(x[i].shape()));
    *slots[i] = x[i];
  }
}

std::vector<Shape> shapes_of(const nn::Module& model) {
  std::vector<Shape> out;
  for (const auto& [_, p] : model.named_parameters()) out.push_back(p.shape());
  return out;
}

LstmTaggerOptions lstm_options(bool attention, bool bidirectional) {
  return LstmTaggerOptions(kVocab, kClasses)
      .embedding_dim(3)
      .hidden_size(2)
      .bidirectional(bidirectional)
      .d_k(3)
      .d_v(2)
      .head_hidden(4)
      .self_attention(attention);
}

std::vector<Tensor*> slots(LstmTagger& m) {
  std::vector<Tensor*> s{&m.embedding.weight};
  for (size_t k = 0; k < m.lstm.weight_ih.size(); ++k)
    for (Tensor* t :
         {&m.lstm.weight_ih[k], &m.lstm.weight_hh[k], &m.lstm.bias_ih[k], &m.lstm.bias_hh[k]})
      s.push_back(t);
  if (m.self_attn) {
    s.push_back(&m.self_attn->W_Q);
    s.push_back(&m.self_attn->W_K);
    s.push_back(&m.self_attn->W_V);
  }
  for (nn::Linear* l : {&m.head_hidden, &m.classifier}) {
    s.push_back(&l->weight);
    s.push_back(&l->bias);
  }
  return s;
}

TransformerTaggerOptions transformer_options(int64_t layers) {
  return TransformerTaggerOptions(kVocab, kClasses)
      .d_model(4)
      .num_heads(2)
      .num_layers(layers)
      .dim_feedforward(6)
      .max_len(8);
}

std::vector<Tensor*> slots(TransformerTagger& m) {
  std::vector<Tensor*> s{&m.embedding.weight};
  for (const auto& l : m.layer)
    for (Tensor* t :
         {&l->self_attn.in_proj_weight, &l->self_attn.in_proj_bias, &l->self_attn.out_proj.weight,
          &l->self_attn.out_proj.bias, &l->linear1.weight, &l->linear1.bias, &l->linear2.weight,
          &l->linear2.bias, &l->norm1.weight, &l->norm1.bias, &l->norm2.weight, &l->norm2.bias})
      s.push_back(t);
  s.push_back(&m.classifier.weight);
  s.push_back(&m.classifier.bias);
  return s;
}

// The row's function: the model's loss on the batch, or (whole = true) its logits and
// every attention map flattened and joined, so a wrong gradient through either shows. In
// the whole output only the real positions' rows count: a padded position's own output
// depends on the embedding of <pad>, whose row gets no gradient by design (padding_idx, as
// PyTorch), and the loss never reads it.
template <class M, class O>
Tensor run(const X& x, const O& options, bool whole) {
  M model(options);
  bind_parameters(model, slots(model), x);
  const Batch b;
  const models::TaggerOutput out = model(b.tokens, b.lengths);
  if (!whole) return models::tagging_loss(out.logits, b.targets);
  const Tensor real_pos = Tensor::from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {kB, kN});
  std::vector<Tensor> parts{reshape(out.logits * reshape(real_pos, {kB, kN, 1}), {-1})};
  for (const Tensor& a : out.attention)
    parts.push_back(reshape(a * reshape(real_pos, {kB, 1, kN, 1}), {-1}));
  return concat(parts, 0);
}

template <class M, class O>
GradcheckCase row(std::string name, const O& options, bool whole = false) {
  const M shapes_from(options);
  return {std::move(name), shapes_of(shapes_from),
          [options, whole](const X& x) { return run<M>(x, options, whole); }};
}

std::vector<GradcheckCase> cases() {
  return {
      row<LstmTagger>("lstm_tagger_loss", lstm_options(false, true)),
      row<LstmTagger>("lstm_self_attention_tagger_loss", lstm_options(true, true)),
      row<LstmTagger>("lstm_self_attention_tagger_unidirectional_loss", lstm_options(true, false)),
      row<LstmTagger>("lstm_self_attention_tagger_logits_and_attention", lstm_options(true, true),
                      true),
      row<TransformerTagger>("transformer_tagger_loss", transformer_options(2)),
      row<TransformerTagger>("transformer_tagger_logits_and_attention", transformer_options(1),
                             true),
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
