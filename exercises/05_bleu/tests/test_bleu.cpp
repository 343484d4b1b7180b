// Exercise 5: corpus BLEU. Not differentiable, so no gradient check: the grading is NLTK's
// numbers for every step (fixtures/bleu.json: n-gram precisions, closest reference lengths,
// brevity penalties, corpus BLEU-1..4) and behaviour that follows from the definition.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "exercises/05_bleu/bleu.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"

namespace attn::exercises {
namespace {

using nlohmann::json;

Sentence words(const std::string& s) {
  std::istringstream in(s);
  Sentence out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string joined(const Sentence& s) {
  std::string out;
  for (const std::string& w : s) out += (out.empty() ? "" : " ") + w;
  return "\"" + out + "\"";
}

TEST(NLTK, ModifiedPrecisionOfEveryHypothesis) {
  const json fixture = load_exercise_fixture("05_bleu/fixtures/bleu.json");
  for (const json& c : fixture.at("cases")) {
    const auto refs = c.at("references").get<std::vector<std::vector<Sentence>>>();
    const auto hyps = c.at("hypotheses").get<std::vector<Sentence>>();
    for (size_t i = 0; i < hyps.size(); ++i)
      for (int n = 1; n <= 4; ++n) {
        const Precision p = modified_precision(refs[i], hyps[i], n);
        const int64_t m = c.at("sentences")[i].at("matches")[n - 1], t = c.at("sentences")[i].at("totals")[n - 1];
        EXPECT_TRUE(p.matches == m && p.total == t)
            << c.at("name").get<std::string>() << ", hypothesis " << i << " " << joined(hyps[i]) << ", n = " << n
            << ": yours " << p.matches << " / " << p.total << ", NLTK's " << m << " / " << t
            << (p.total != t ? " (total: the number of n-grams of the hypothesis, at least 1)"
                             : " (matches: each n-gram counted at most as often as in one reference)");
      }
  }
}

TEST(NLTK, ClosestReferenceLengthAndBrevityPenalty) {
  const json fixture = load_exercise_fixture("05_bleu/fixtures/bleu.json");
  for (const json& c : fixture.at("cases")) {
    const auto refs = c.at("references").get<std::vector<std::vector<Sentence>>>();
    const auto hyps = c.at("hypotheses").get<std::vector<Sentence>>();
    for (size_t i = 0; i < hyps.size(); ++i) {
      const json& s = c.at("sentences")[i];
      const int64_t len = static_cast<int64_t>(hyps[i].size());
      const int64_t r = closest_reference_length(refs[i], len);
      EXPECT_EQ(r, s.at("closest_ref_length").get<int64_t>())
          << c.at("name").get<std::string>() << ", hypothesis " << i << " of length " << len
          << ": the closest reference length (the shorter on a tie)";
      EXPECT_TRUE(Matches(brevity_penalty(len, s.at("closest_ref_length")), s.at("brevity_penalty").get<double>(),
                          c.at("name").get<std::string>() + ", hypothesis " + std::to_string(i) +
                              ": brevity_penalty(c = " + std::to_string(len) + ", r = " +
                              s.at("closest_ref_length").dump() + ")", 1e-14));
    }
  }
}

TEST(NLTK, CorpusBleu1To4) {
  const json fixture = load_exercise_fixture("05_bleu/fixtures/bleu.json");
  for (const json& c : fixture.at("cases")) {
    const BleuResult b = corpus_bleu(c.at("references").get<std::vector<std::vector<Sentence>>>(),
                                     c.at("hypotheses").get<std::vector<Sentence>>());
    for (int n = 0; n < 4; ++n)
      EXPECT_TRUE(Matches(b.bleu[n], c.at("bleu")[n].get<double>(),
                          c.at("name").get<std::string>() + ": BLEU-" + std::to_string(n + 1), 1e-12));
  }
}

TEST(Behaviour, ClippingAndBrevityByHand) {
  // Papineni et al.: "the" seven times; "the" occurs at most twice in one reference.
  const Precision p = modified_precision({words("the cat is on the mat"), words("there is a cat on the mat")},
                                         words("the the the the the the the"), 1);
  EXPECT_TRUE(p.matches == 2 && p.total == 7) << "unigram precision of \"the\" x 7: yours " << p.matches
                                              << " / " << p.total << ", expected 2 / 7 (clipped)";
  const auto counts = ngram_counts(words("a b a b a"), 2);
  EXPECT_EQ(counts.size(), 2u) << "the bigrams of \"a b a b a\" are {a b} x 2 and {b a} x 2";
  EXPECT_EQ(counts.count({"a", "b"}) ? counts.at({"a", "b"}) : 0, 2) << "count of the bigram \"a b\" in \"a b a b a\"";
  EXPECT_TRUE(ngram_counts(words("a b"), 3).empty()) << "a sentence of 2 words has no trigrams";
  // A hypothesis that is the first half of its reference: every precision is 1, so BLEU is
  // the brevity penalty exp(1 - 8 / 4).
  const BleuResult half = corpus_bleu({{words("a b c d e f g h")}}, {words("a b c d")});
  for (int n = 0; n < 4; ++n)
    EXPECT_TRUE(Matches(half.bleu[n], std::exp(1.0 - 2.0),
                        "BLEU-" + std::to_string(n + 1) + " of the first half of the reference", 1e-14));
  EXPECT_TRUE(half.hypothesis_length == 4 && half.reference_length == 8)
      << "c and r: yours " << half.hypothesis_length << ", " << half.reference_length << ", expected 4, 8";
}

TEST(Behaviour, PerfectIsOneNothingIsZeroAndTheCorpusSumsCounts) {
  const BleuResult same = corpus_bleu({{words("the cat sat on the mat")}}, {words("the cat sat on the mat")});
  for (int n = 0; n < 4; ++n)
    EXPECT_TRUE(Matches(same.bleu[n], 1.0, "BLEU-" + std::to_string(n + 1) + " of a hypothesis equal to its reference", 1e-14));
  const BleuResult none = corpus_bleu({{words("a b c d")}}, {words("w x y z")});
  for (int n = 0; n < 4; ++n)
    EXPECT_TRUE(Matches(none.bleu[n], 0.0, "BLEU-" + std::to_string(n + 1) + " with no word in common", 0));
  // Two hypotheses with 3 of 3 and 1 of 5 words matched: the corpus sums the counts,
  // BLEU-1 = (3 + 1) / (3 + 5) = 0.5, not the mean of the two precisions (0.6).
  const BleuResult two = corpus_bleu({{words("a b c")}, {words("p q r s t")}}, {words("a b c"), words("p x y z w")});
  EXPECT_TRUE(Matches(two.bleu[0], 0.5, "BLEU-1 of a corpus with 3/3 and 1/5 matched words (sums: 4/8)", 1e-14));
}

TEST(Errors, MissingReferencesNameCorpusBleu) {
  EXPECT_TRUE(testing::ThrowsWith([] { corpus_bleu({{words("a b")}}, {words("a"), words("b")}); },
                                  {"corpus_bleu", "2 hypotheses"}));
  EXPECT_TRUE(testing::ThrowsWith([] { corpus_bleu({{}}, {words("a")}); }, {"corpus_bleu", "no reference"}));
}

}  // namespace
}  // namespace attn::exercises
