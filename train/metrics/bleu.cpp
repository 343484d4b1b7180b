#include "train/metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "autograd/error.h"
#include "data/vocab.h"

namespace attn::train {

namespace {

using Ids = std::vector<int64_t>;
using NgramCounts = std::map<Ids, int64_t>;

NgramCounts ngram_counts(const Ids& s, size_t n) {
  NgramCounts c;
  for (size_t i = 0; i + n <= s.size(); ++i) ++c[Ids(s.begin() + long(i), s.begin() + long(i + n))];
  return c;
}

// The core, on sequences already stripped of specials.
BleuScores bleu_of(const std::vector<std::vector<Ids>>& refs, const std::vector<Ids>& hyps) {
  ATTN_CHECK(refs.size() == hyps.size(), "corpus_bleu: ", hyps.size(), " hypotheses but ",
             refs.size(), " reference lists; give every hypothesis its references");
  BleuScores s;
  for (size_t i = 0; i < hyps.size(); ++i) {
    ATTN_CHECK(!refs[i].empty(), "corpus_bleu: hypothesis ", i, " has no reference");
    const Ids& h = hyps[i];
    for (size_t n = 1; n <= 4; ++n) {
      const NgramCounts hc = ngram_counts(h, n);
      // The most times each of the hypothesis' n-grams occurs in any one reference.
      NgramCounts max_ref;
      for (const Ids& r : refs[i]) {
        const NgramCounts rc = ngram_counts(r, n);
        for (const auto& [g, _] : hc) {
          const auto it = rc.find(g);
          if (it != rc.end()) max_ref[g] = std::max(max_ref[g], it->second);
        }
      }
      int64_t total = 0;
      for (const auto& [g, count] : hc) {
        total += count;
        const auto it = max_ref.find(g);
        if (it != max_ref.end()) s.matches[n - 1] += std::min(count, it->second);
      }
      s.totals[n - 1] += std::max<int64_t>(1, total);  // NLTK: max(1, count) per sentence
    }
    // The closest reference length; the shorter one on a tie.
    const int64_t c = int64_t(h.size());
    int64_t best = -1;
    for (const Ids& r : refs[i]) {
      const int64_t len = int64_t(r.size());
      if (best < 0 || std::llabs(len - c) < std::llabs(best - c) ||
          (std::llabs(len - c) == std::llabs(best - c) && len < best))
        best = len;
    }
    s.hypothesis_length += c;
    s.reference_length += best;
  }
  const double c = double(s.hypothesis_length), r = double(s.reference_length);
  s.brevity_penalty = c > r ? 1.0 : (c == 0 ? 0.0 : std::exp(1.0 - r / c));
  if (s.matches[0] == 0) return s;  // every BLEU-N is 0, as NLTK returns
  for (size_t N = 1; N <= 4; ++N) {
    double log_sum = 0;
    for (size_t n = 0; n < N; ++n) {
      const double p = s.matches[n] > 0 ? double(s.matches[n]) / double(s.totals[n])
                                        : std::numeric_limits<double>::min();
      log_sum += std::log(p) / double(N);
    }
    s.bleu[N - 1] = 100.0 * s.brevity_penalty * std::exp(log_sum);
  }
  return s;
}

bool is_special(const std::string& t) {
  return t == data::kPadToken || t == data::kBosToken || t == data::kEosToken;
}

Ids strip_ids(const Ids& s) {
  Ids out;
  for (int64_t id : s) {
    if (id == data::kEos) break;
    if (id != data::kPad && id != data::kBos) out.push_back(id);
  }
  return out;
}

}  // namespace

BleuScores corpus_bleu(const std::vector<std::vector<std::vector<std::string>>>& references,
                       const std::vector<std::vector<std::string>>& hypotheses) {
  // Words become ids of a dictionary local to this call; specials are dropped.
  std::map<std::string, int64_t> dict;
  const auto to_ids = [&dict](const std::vector<std::string>& words) {
    Ids out;
    for (const auto& w : words) {
      if (is_special(w)) continue;
      out.push_back(dict.emplace(w, int64_t(dict.size())).first->second);
    }
    return out;
  };
  std::vector<std::vector<Ids>> refs;
  for (const auto& rs : references) {
    refs.emplace_back();
    for (const auto& r : rs) refs.back().push_back(to_ids(r));
  }
  std::vector<Ids> hyps;
  for (const auto& h : hypotheses) hyps.push_back(to_ids(h));
  return bleu_of(refs, hyps);
}

BleuScores corpus_bleu_ids(const std::vector<std::vector<std::vector<int64_t>>>& references,
                           const std::vector<std::vector<int64_t>>& hypotheses) {
  std::vector<std::vector<Ids>> refs;
  for (const auto& rs : references) {
    refs.emplace_back();
    for (const auto& r : rs) refs.back().push_back(strip_ids(r));
  }
  std::vector<Ids> hyps;
  for (const auto& h : hypotheses) hyps.push_back(strip_ids(h));
  return bleu_of(refs, hyps);
}

}  // namespace attn::train
