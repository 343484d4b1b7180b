// Corpus BLEU against NLTK's corpus_bleu on the fixtures of
// tests/fixtures/make_bleu_fixtures.py, plus the specials rule of the id version.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/vocab.h"
#include "train/metrics/bleu.h"
#include "train/metrics/metrics.h"

namespace attn::train {
namespace {

using Words = std::vector<std::string>;

TEST(CorpusBleu, EqualsNltkOnEveryFixture) {
  const nlohmann::json fx = read_json(std::string(ATTN_TEST_DATA_DIR) + "/bleu/corpus_bleu.json");
  ASSERT_GE(fx["cases"].size(), 20u);
  for (const auto& c : fx["cases"]) {
    const auto refs = c["references"].get<std::vector<std::vector<Words>>>();
    const auto hyps = c["hypotheses"].get<std::vector<Words>>();
    const BleuScores s = corpus_bleu(refs, hyps);
    for (size_t n = 0; n < 4; ++n) {
      const double want = std::stod(c["bleu"][n].get<std::string>()) * 100.0;  // hex float
      const std::string where = c["name"].get<std::string>() + " BLEU-" + std::to_string(n + 1);
      EXPECT_NEAR(s.bleu[n], want, 1e-6) << where;
      // Relative agreement too, so NLTK's tiny stand-in for a zero precision is matched,
      // not just rounded to 0, and NLTK's exact 0 stays exact.
      if (want == 0)
        EXPECT_EQ(s.bleu[n], 0.0) << where;
      else
        EXPECT_NEAR(s.bleu[n] / want, 1.0, 1e-9) << where;
    }
  }
}

TEST(CorpusBleu, CountsOfTheClippingExample) {
  const BleuScores s = corpus_bleu({{{"the", "cat", "is", "on", "the", "mat"}}},
                                   {{"the", "the", "the", "the", "the", "the", "the"}});
  EXPECT_EQ(s.matches[0], 2);  // "the" is clipped at the reference's two
  EXPECT_EQ(s.totals[0], 7);
  EXPECT_EQ(s.hypothesis_length, 7);
  EXPECT_EQ(s.reference_length, 6);
  EXPECT_EQ(s.brevity_penalty, 1.0);
  EXPECT_NEAR(s.bleu[0], 100.0 * 2 / 7, 1e-12);
}

// <bos>, <eos> and <pad> never count; a sequence ends at its first <eos>.
TEST(CorpusBleu, IdsDropSpecialsAndStopAtEos) {
  using data::kBos, data::kEos, data::kPad;
  const std::vector<std::vector<std::vector<int64_t>>> refs{{{kBos, 4, 5, 6, 7, kEos, kPad}}};
  const BleuScores a = corpus_bleu_ids(refs, {{kBos, 4, 5, 6, 7, kEos, 9, 9}});
  const BleuScores b = corpus_bleu_ids({{{4, 5, 6, 7}}}, {{4, 5, 6, 7}});
  for (size_t n = 0; n < 4; ++n) {
    EXPECT_DOUBLE_EQ(a.bleu[n], 100.0);
    EXPECT_DOUBLE_EQ(b.bleu[n], 100.0);
  }
  EXPECT_EQ(a.hypothesis_length, 4);
  const BleuScores w = corpus_bleu({{{"<bos>", "a", "b", "<eos>"}}}, {{"a", "b", "<pad>"}});
  EXPECT_EQ(w.hypothesis_length, 2);
  EXPECT_DOUBLE_EQ(w.bleu[1], 100.0);
}

TEST(CorpusBleu, ErrorsNameTheMismatch) {
  EXPECT_THROW(corpus_bleu({{{"a"}}}, {{"a"}, {"b"}}), Error);
  EXPECT_THROW(corpus_bleu({{}}, {{"a"}}), Error);
}

}  // namespace
}  // namespace attn::train
