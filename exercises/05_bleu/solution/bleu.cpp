// Exercise 5, the reference solution: corpus BLEU as bleu.h defines it (NLTK's numbers).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "autograd/error.h"
#include "exercises/05_bleu/bleu.h"

namespace attn::exercises {

std::map<Ngram, int64_t> ngram_counts(const Sentence& s, int n) {
  ATTN_CHECK(n >= 1, "ngram_counts: n = ", n, " must be >= 1");
  std::map<Ngram, int64_t> counts;
  for (size_t i = 0; i + n <= s.size(); ++i) ++counts[Ngram(s.begin() + i, s.begin() + i + n)];
  return counts;
}

Precision modified_precision(const std::vector<Sentence>& references, const Sentence& hypothesis, int n) {
  ATTN_CHECK(!references.empty(), "modified_precision: a hypothesis needs at least one reference");
  // The most times each n-gram occurs in any one reference: the clip.
  std::map<Ngram, int64_t> max_ref;
  for (const Sentence& ref : references)
    for (const auto& [g, k] : ngram_counts(ref, n)) max_ref[g] = std::max(max_ref[g], k);
  Precision p;
  int64_t count = 0;
  for (const auto& [g, k] : ngram_counts(hypothesis, n)) {
    count += k;
    const auto it = max_ref.find(g);
    if (it != max_ref.end()) p.matches += std::min(k, it->second);
  }
  p.total = std::max<int64_t>(1, count);
  return p;
}

int64_t closest_reference_length(const std::vector<Sentence>& references, int64_t hyp_len) {
  ATTN_CHECK(!references.empty(), "closest_reference_length: no references");
  int64_t best = static_cast<int64_t>(references[0].size());
  for (const Sentence& ref : references) {
    const int64_t len = static_cast<int64_t>(ref.size());
    const int64_t d = std::llabs(len - hyp_len), db = std::llabs(best - hyp_len);
    if (d < db || (d == db && len < best)) best = len;
  }
  return best;
}

double brevity_penalty(int64_t c, int64_t r) {
  if (c > r) return 1;
  if (c == 0) return 0;
  return std::exp(1 - static_cast<double>(r) / static_cast<double>(c));
}

BleuResult corpus_bleu(const std::vector<std::vector<Sentence>>& references,
                       const std::vector<Sentence>& hypotheses) {
  ATTN_CHECK(references.size() == hypotheses.size(), "corpus_bleu: ", hypotheses.size(),
             " hypotheses but ", references.size(), " lists of references; expected one list per hypothesis");
  BleuResult out;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    ATTN_CHECK(!references[i].empty(), "corpus_bleu: hypothesis ", i, " has no reference");
    for (int n = 1; n <= 4; ++n) {
      const Precision p = modified_precision(references[i], hypotheses[i], n);
      out.matches[n - 1] += p.matches;
      out.totals[n - 1] += p.total;
    }
    const int64_t c = static_cast<int64_t>(hypotheses[i].size());
    out.hypothesis_length += c;
    out.reference_length += closest_reference_length(references[i], c);
  }
  out.brevity_penalty = brevity_penalty(out.hypothesis_length, out.reference_length);
  for (int N = 1; N <= 4; ++N) {
    double log_sum = 0;
    bool zero = false;
    for (int n = 1; n <= N; ++n) {
      if (out.matches[n - 1] == 0) zero = true;
      else log_sum += std::log(double(out.matches[n - 1]) / double(out.totals[n - 1])) / N;
    }
    out.bleu[N - 1] = zero ? 0 : out.brevity_penalty * std::exp(log_sum);
  }
  return out;
}

}  // namespace attn::exercises
