#pragma once
// Exercise 5: corpus BLEU (Papineni, Roukos, Ward, Zhu 2002) with several references per
// hypothesis, as NLTK's corpus_bleu computes it without smoothing, on NLTK's 0..1 scale.
// You write bleu.cpp; this header is given.
//
// For n-gram order n:
//   count_h(g)       how often n-gram g occurs in the hypothesis h
//   max_ref(g)       the most times g occurs in any ONE reference of h
//   matches_n(h)     sum over the n-grams g of h of min(count_h(g), max_ref(g))   (clipped)
//   total_n(h)       max(1, number of n-grams in h)        (at least 1, as NLTK)
// Over the corpus (sums over the hypotheses, not an average of sentence scores):
//   p_n  = sum_h matches_n(h) / sum_h total_n(h)
//   c    = sum_h |h|,  r = sum_h (the length of h's reference closest to |h|; on a tie the
//          shorter)
//   BP   = 1 if c > r;  0 if c = 0;  exp(1 - r / c) otherwise
//   BLEU-N = BP * exp(sum_{n=1..N} (1/N) log p_n),  N = 1..4;  0 when some p_n (n <= N) is 0
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attn::exercises {

using Sentence = std::vector<std::string>;
using Ngram = std::vector<std::string>;

// Every n-gram of s (n consecutive words) with its count; empty when |s| < n.
std::map<Ngram, int64_t> ngram_counts(const Sentence& s, int n);

struct Precision {
  int64_t matches = 0;  // clipped matches
  int64_t total = 0;    // max(1, number of n-grams of the hypothesis)
};
// One hypothesis against its references (at least one), order n >= 1.
Precision modified_precision(const std::vector<Sentence>& references, const Sentence& hypothesis, int n);

// The length of the reference closest to hyp_len (the shorter on a tie).
int64_t closest_reference_length(const std::vector<Sentence>& references, int64_t hyp_len);

// BP for total hypothesis length c and effective reference length r.
double brevity_penalty(int64_t c, int64_t r);

struct BleuResult {
  std::array<double, 4> bleu{};      // BLEU-1 .. BLEU-4, 0..1
  std::array<int64_t, 4> matches{};  // sum_h matches_n(h), n = 1..4
  std::array<int64_t, 4> totals{};   // sum_h total_n(h)
  int64_t hypothesis_length = 0;     // c
  int64_t reference_length = 0;      // r
  double brevity_penalty = 0;
};
// references[i] are the references of hypotheses[i]. Throws attn::Error naming corpus_bleu
// when the two lists differ in length or a hypothesis has no reference.
BleuResult corpus_bleu(const std::vector<std::vector<Sentence>>& references,
                       const std::vector<Sentence>& hypotheses);

}  // namespace attn::exercises
