// Tutorial 04: how the three models score on the held-out strings, and where they look.
#include <algorithm>

#include "autograd/autograd.h"
#include "data/tagging_batch.h"
#include "self_attention.h"

using attn::Tensor;
using nlohmann::json;

void evaluate(Contender& c, const TestSet& test_set) {
  attn::NoGradGuard no_grad;
  c.module->eval();
  int64_t all_exact = 0, all_strings = 0, all_right = 0, all_tokens = 0;
  attn::Generator unused(0);
  for (const auto& [length, pairs] : test_set) {
    int64_t exact = 0, right = 0;
    for (const auto& sb : attn::data::make_batches(pairs, 256, unused, /*shuffle=*/false)) {
      const attn::data::TaggingBatch b = attn::data::to_tagging_batch(pairs, sb);
      const Tensor pred = c.forward(b.tokens, b.lengths).logits.argmax(2);  // [B, n]
      for (int64_t r = 0; r < sb.size(); ++r) {
        bool all = true;
        for (int64_t i = 0; i < length; ++i) {
          const bool ok = pred.data()[r * length + i] == b.targets.data()[r * length + i];
          right += ok;
          all = all && ok;
        }
        exact += all;
      }
    }
    const auto strings = static_cast<int64_t>(pairs.size());
    c.by_length[std::to_string(length)] = {
        {"exact", static_cast<double>(exact) / strings},
        {"token", static_cast<double>(right) / static_cast<double>(strings * length)}};
    all_exact += exact;
    all_strings += strings;
    all_right += right;
    all_tokens += strings * length;
  }
  c.exact = static_cast<double>(all_exact) / all_strings;
  c.token = static_cast<double>(all_right) / all_tokens;
}

json majority_by_length(const TestSet& test_set, int64_t one_id, double* share_of_ones) {
  double ones = 0, tokens = 0;
  json out;
  for (const auto& [length, pairs] : test_set) {
    double l_ones = 0;
    for (const auto& p : pairs)
      l_ones += static_cast<double>(std::count(p.tgt.begin(), p.tgt.end(), one_id));
    const double share = l_ones / static_cast<double>(pairs.size() * length);
    out[std::to_string(length)] = std::max(share, 1 - share);
    ones += l_ones;
    tokens += static_cast<double>(pairs.size() * length);
  }
  *share_of_ones = ones / tokens;
  return out;
}

// A head that solves the task the way the README describes puts most of the weight of a
// repeated letter on its twin.
json attention_mass(const Contender& c, const TestSet& test_set) {
  attn::NoGradGuard no_grad;
  std::vector<double> twin, self_rep, self_uni;  // sums per map
  double n_rep = 0, n_uni = 0;
  std::vector<std::string> names;
  attn::Generator unused(0);
  for (const auto& [length, pairs] : test_set) {
    for (const auto& sb : attn::data::make_batches(pairs, 256, unused, /*shuffle=*/false)) {
      const auto out = c.forward(sb.src, sb.src_lengths);
      if (names.empty()) {
        for (size_t l = 0; l < out.attention.size(); ++l)
          for (int64_t h = 0; h < out.attention[l].size(1); ++h)
            names.push_back("layer " + std::to_string(l + 1) + " head " + std::to_string(h + 1));
        twin.assign(names.size(), 0);
        self_rep.assign(names.size(), 0);
        self_uni.assign(names.size(), 0);
      }
      const int64_t n = length;
      for (int64_t r = 0; r < sb.size(); ++r) {
        const auto& src = pairs[static_cast<size_t>(sb.indices[static_cast<size_t>(r)])].src;
        for (int64_t i = 0; i < n; ++i) {
          const bool repeated = std::count(src.begin(), src.end(), src[static_cast<size_t>(i)]) > 1;
          (repeated ? n_rep : n_uni) += 1;
          size_t k = 0;
          for (const Tensor& a : out.attention)
            for (int64_t h = 0; h < a.size(1); ++h, ++k) {
              const attn::real* row = a.data() + ((r * a.size(1) + h) * n + i) * n;
              if (!repeated) {
                self_uni[k] += row[i];
                continue;
              }
              self_rep[k] += row[i];
              for (int64_t j = 0; j < n; ++j)
                if (j != i && src[static_cast<size_t>(j)] == src[static_cast<size_t>(i)])
                  twin[k] += row[j];
            }
        }
      }
    }
  }
  json out = json::object();
  for (size_t k = 0; k < names.size(); ++k)
    out[names[k]] = {{"twin_when_repeated", twin[k] / std::max(1.0, n_rep)},
                     {"self_when_repeated", self_rep[k] / std::max(1.0, n_rep)},
                     {"self_when_unique", self_uni[k] / std::max(1.0, n_uni)}};
  return out;
}
