#pragma once
// Corpus BLEU (Papineni et al. 2002) with several references per hypothesis, computed
// as NLTK's corpus_bleu (nltk.translate.bleu_score, no smoothing); the tests hold the two
// equal to 1e-6 on fixtures made by tests/fixtures/make_bleu_fixtures.py.
//
// SCALE: scores are on the 0-100 scale (NLTK's value times 100), as captioning papers
// quote them.
//
// For n-gram order n, over the whole corpus:
//   matches_n = sum over hypotheses of sum over its n-grams g of
//               min(count of g in the hypothesis, max count of g in any one reference)
//                                                                 (clipped counts)
//   total_n   = sum over hypotheses of max(1, number of n-grams in the hypothesis)
//   p_n       = matches_n / total_n
//   c = total hypothesis length, r = sum over hypotheses of the reference length
//       closest to its length (the shorter one on a tie)
//   BP        = 1 if c > r, 0 if c = 0, exp(1 - r / c) otherwise     (brevity penalty)
//   BLEU-N    = 100 * BP * exp(sum_{n=1..N} (1/N) log p_n)
//
// NLTK's corner cases, kept so the numbers agree:
//   - total_n counts at least 1 per hypothesis, even one shorter than n words (so short
//     hypotheses lower the higher-order precisions a little);
//   - if matches_1 = 0 (no word of any hypothesis is in its references; every empty
//     corpus of hypotheses included) every BLEU-N is exactly 0;
//   - otherwise a p_n with matches_n = 0 is replaced by the smallest normal double
//     (2.2e-308, NLTK's "no smoothing"): (1/N) log p_n <= -708 / 4, so BLEU-N is below
//     1e-74, 0 for every printed digit but not exactly 0.
//
// Start, end and padding never count: the id version drops <pad>, <bos> and <eos>
// (data/vocab.h) and stops at the first <eos>, the string version drops "<pad>",
// "<bos>" and "<eos>" likewise.
//
//   BleuScores s = corpus_bleu(references, hypotheses);
//   s.bleu[3];        // BLEU-4, 0..100
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attn::train {

struct BleuScores {
  std::array<double, 4> bleu{};      // BLEU-1 .. BLEU-4, each 0..100
  std::array<int64_t, 4> matches{};  // clipped n-gram matches, n = 1..4
  std::array<int64_t, 4> totals{};   // n-grams in the hypotheses (at least 1 each)
  int64_t hypothesis_length = 0;     // c
  int64_t reference_length = 0;      // r (closest reference lengths summed)
  double brevity_penalty = 0;        // 0..1
};

// references[i] are the references of hypotheses[i] (at least one each).
// Throws attn::Error when the counts differ or a hypothesis has no reference.
BleuScores corpus_bleu(const std::vector<std::vector<std::vector<std::string>>>& references,
                       const std::vector<std::vector<std::string>>& hypotheses);

// The same on token ids: <pad>, <bos> and <eos> are dropped, and a sequence ends at its
// first <eos> (what a decoder emits after it is not part of the caption).
BleuScores corpus_bleu_ids(const std::vector<std::vector<std::vector<int64_t>>>& references,
                           const std::vector<std::vector<int64_t>>& hypotheses);

}  // namespace attn::train
