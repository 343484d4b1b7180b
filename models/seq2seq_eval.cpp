// Free-running evaluation of seq2seq models: see models/seq2seq_eval.h.
#include "models/seq2seq_eval.h"

#include <algorithm>
#include <string>

#include "autograd/error.h"
#include "data/vocab.h"

namespace attn::models {

std::vector<Hypothesis> decode_all(const Seq2SeqBase& model,
                                   const std::vector<std::vector<int64_t>>& sources,
                                   const EvalOptions& options) {
  ATTN_CHECK(options.max_len_extra >= 1, "decode_all: max_len_extra = ", options.max_len_extra,
             ", expected >= 1");
  if (sources.empty()) return {};
  if (options.decoding == Decoding::greedy) {
    // Batched: one max_len for all, from the longest source.
    size_t longest = 0;
    for (const auto& s : sources) longest = std::max(longest, s.size());
    return model.greedy_decode(sources, 2 * static_cast<int64_t>(longest) + options.max_len_extra);
  }
  std::vector<Hypothesis> out;
  out.reserve(sources.size());
  for (const auto& s : sources) {
    BeamOptions b = options.beam;
    b.max_len = 2 * static_cast<int64_t>(s.size()) + options.max_len_extra;
    out.push_back(model.beam_search(s, b));
  }
  return out;
}

Score score_outputs(const std::vector<std::vector<int64_t>>& references,
                    const std::vector<Hypothesis>& outputs) {
  ATTN_CHECK(references.size() == outputs.size(), "score_outputs: ", references.size(),
             " references for ", outputs.size(), " outputs");
  Score s;
  int64_t exact = 0;
  for (size_t p = 0; p < references.size(); ++p) {
    std::vector<int64_t> ref = references[p];
    ref.push_back(data::kEos);  // the reference ends with <eos>; the output must too
    const std::vector<int64_t>& hyp = outputs[p].tokens;
    const size_t n = std::max(ref.size(), hyp.size());
    for (size_t i = 0; i < n; ++i)
      if (i < ref.size() && i < hyp.size() && ref[i] == hyp[i]) ++s.agree;
    s.positions += static_cast<int64_t>(n);
    exact += hyp == ref;
  }
  s.count = static_cast<int64_t>(references.size());
  s.exact = s.count ? static_cast<double>(exact) / static_cast<double>(s.count) : 0.0;
  s.token = s.positions ? static_cast<double>(s.agree) / static_cast<double>(s.positions) : 0.0;
  return s;
}

AccuracyByLength accuracy_by_length(const Seq2SeqBase& model,
                                    const std::map<int64_t, std::vector<data::SeqPair>>& test,
                                    const EvalOptions& options) {
  AccuracyByLength result;
  for (const auto& [length, pairs] : test) {
    ATTN_CHECK(!pairs.empty(), "accuracy_by_length: no test pairs of source length ", length);
    std::vector<std::vector<int64_t>> sources, references;
    for (const auto& p : pairs) {
      sources.push_back(p.src);
      references.push_back(p.tgt);
    }
    result[length] = score_outputs(references, decode_all(model, sources, options));
  }
  return result;
}

Score overall(const AccuracyByLength& by_length) {
  Score s;
  double exact = 0;
  for (const auto& [length, sc] : by_length) {
    s.count += sc.count;
    s.agree += sc.agree;
    s.positions += sc.positions;
    exact += sc.exact * static_cast<double>(sc.count);
  }
  s.exact = s.count ? exact / static_cast<double>(s.count) : 0.0;
  s.token = s.positions ? static_cast<double>(s.agree) / static_cast<double>(s.positions) : 0.0;
  return s;
}

nlohmann::json to_json(const AccuracyByLength& by_length) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [length, s] : by_length)
    j[std::to_string(length)] = {{"exact", s.exact}, {"token", s.token}};
  return j;
}

std::map<int64_t, std::vector<data::SeqPair>> group_by_source_length(
    const std::vector<data::SeqPair>& pairs) {
  std::map<int64_t, std::vector<data::SeqPair>> groups;
  for (const auto& p : pairs) groups[static_cast<int64_t>(p.src.size())].push_back(p);
  return groups;
}

}  // namespace attn::models
