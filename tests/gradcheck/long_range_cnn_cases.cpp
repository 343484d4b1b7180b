// Gradient check of tutorial 06's long-range classifier (models/long_range_cnn.h) as a whole:
// the loss w.r.t. the images and every parameter, at a tiny size, with and without the
// attention layer (gamma drawn away from 0, so the attention path carries gradient).
// The model comes from attn_models_f64, the double twin of models/.
#include <vector>

#include "autograd/error.h"
#include "gradcheck/gradcheck_case.h"
#include "models/long_range_cnn.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using models::LongRangeCnn;
using models::LongRangeCnnOptions;

LongRangeCnnOptions tiny(bool attention) {
  return LongRangeCnnOptions().channels({2, 8}).head_channels(3).self_attention(attention);
}

// Input 0: images [2, 3, 8, 8]; then the model's parameters in named_parameters() order.
std::vector<Shape> shapes(bool attention) {
  std::vector<Shape> s{{2, 3, 8, 8}};
  for (const auto& [_, p] : LongRangeCnn(tiny(attention)).named_parameters())
    s.push_back(p.shape());
  return s;
}

Tensor loss(const X& x, bool attention) {
  LongRangeCnn m(tiny(attention));
  auto named = m.named_parameters();
  ATTN_CHECK(named.size() + 1 == x.size(), "long_range_cnn row: ", named.size(),
             " parameters for ", x.size() - 1, " inputs");
  // Point every parameter member at the row's input of the same place.
  std::vector<Tensor*> slots;
  for (auto& conv : m.convs) slots.insert(slots.end(), {&conv->weight, &conv->bias});
  if (m.attention)
    slots.insert(slots.end(), {&m.attention->gamma, &m.attention->f.weight, &m.attention->f.bias,
                               &m.attention->g.weight, &m.attention->g.bias,
                               &m.attention->h.weight, &m.attention->h.bias});
  slots.insert(slots.end(), {&m.head.weight, &m.head.bias, &m.classifier.weight, &m.classifier.bias});
  ATTN_CHECK(slots.size() == named.size(), "long_range_cnn row: ", slots.size(), " slots for ",
             named.size(), " parameters");
  for (size_t i = 0; i < slots.size(); ++i) {
    ATTN_CHECK(slots[i]->data() == named[i].second.data(), "long_range_cnn row: slot ", i,
               " is not ", named[i].first);
    *slots[i] = x[i + 1];
  }
  const Tensor labels = Tensor::from_vector({1, 0}, {2});
  return LongRangeCnn::loss(m(x[0]).logits, labels);
}

std::vector<GradcheckCase> cases() {
  return {
      {"long_range_cnn", shapes(false), [](const X& x) { return loss(x, false); }},
      {"long_range_cnn_self_attention", shapes(true), [](const X& x) { return loss(x, true); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
