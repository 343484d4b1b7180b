// Exercise 4: beam search. Not differentiable, so no gradient check: the grading is
//   fixtures  random hand-built models (fixtures/beam_search.json, NumPy): the result of every
//             width 1..3 and alpha 0, 0.6, 1 (tokens, log p, score), greedy decoding, and the
//             exhaustive best, which a wide enough beam must find;
//   behaviour a model where greedy is not optimal and beam search is; alpha trading a short
//             answer for a longer one; the no-end fallback; width 1 = greedy;
//   errors    bad options are attn::Error naming beam_search.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "exercises/04_beam_search/beam_search.h"
#include "exercises/common/grading.h"
#include "helpers/errors.h"

namespace attn::exercises {
namespace {

const double kNever = -std::numeric_limits<double>::infinity();

std::string str(const std::vector<int64_t>& t) {
  std::ostringstream os;
  os << '{';
  for (size_t i = 0; i < t.size(); ++i) os << (i ? ", " : "") << t[i];
  os << '}';
  return os.str();
}

// A model given as a table from the prefix ("3,0,1") to log p(next | prefix).
NextTokenLogProbs table_model(const std::map<std::string, std::vector<double>>& table) {
  return [table](const std::vector<int64_t>& prefix) {
    std::ostringstream k;
    for (size_t i = 0; i < prefix.size(); ++i) k << (i ? "," : "") << prefix[i];
    const auto it = table.find(k.str());
    if (it == table.end()) ADD_FAILURE() << "your search asked the model about the prefix " << str(prefix)
                                         << ", which it never reaches (past max_len, or after <eos>)";
    return it == table.end() ? std::vector<double>(4, kNever) : it->second;
  };
}

::testing::AssertionResult SameHypothesis(const BeamHypothesis& yours, const std::vector<int64_t>& tokens,
                                          double log_prob, double score, const std::string& what) {
  if (yours.tokens != tokens)
    return ::testing::AssertionFailure() << what << ": yours is " << str(yours.tokens) << " (log p "
                                         << yours.log_prob << ", score " << yours.score << "), expected "
                                         << str(tokens) << " (log p " << log_prob << ", score " << score << ")";
  ::testing::AssertionResult lp = Matches(yours.log_prob, log_prob, what + ": log p", 1e-12);
  if (!lp) return lp;
  return Matches(yours.score, score, what + ": score", 1e-12);
}

TEST(Fixtures, EveryWidthAndAlphaOnRandomModels) {
  const nlohmann::json fixture = load_exercise_fixture("04_beam_search/fixtures/beam_search.json");
  int m = 0;
  for (const nlohmann::json& c : fixture.at("cases")) {
    const auto model = table_model(c.at("model").get<std::map<std::string, std::vector<double>>>());
    for (const nlohmann::json& r : c.at("beam")) {
      BeamSearchOptions o;
      o.width = r.at("width");
      o.alpha = r.at("alpha");
      o.max_len = 4;
      const std::string what = "model " + std::to_string(m) + ", width " + r.at("width").dump() +
                               ", alpha " + r.at("alpha").dump();
      EXPECT_TRUE(SameHypothesis(beam_search(model, o), r.at("tokens"), r.at("log_prob"), r.at("score"), what));
    }
    ++m;
  }
}

TEST(Fixtures, WidthOneIsGreedyAndAWideBeamIsExhaustive) {
  const nlohmann::json fixture = load_exercise_fixture("04_beam_search/fixtures/beam_search.json");
  int m = 0;
  for (const nlohmann::json& c : fixture.at("cases")) {
    const auto model = table_model(c.at("model").get<std::map<std::string, std::vector<double>>>());
    const nlohmann::json& g = c.at("greedy");
    const BeamHypothesis one = beam_search(model, {.width = 1, .alpha = 0, .max_len = 4});
    EXPECT_TRUE(SameHypothesis(one, g.at("tokens"), g.at("log_prob"), g.at("log_prob"),
                               "model " + std::to_string(m) + ", width 1 vs greedy decoding"));
    for (const nlohmann::json& e : c.at("exhaustive")) {
      const BeamHypothesis wide = beam_search(model, {.width = 100, .alpha = e.at("alpha"), .max_len = 4});
      EXPECT_TRUE(SameHypothesis(wide, e.at("tokens"), e.at("log_prob"), e.at("score"),
                                 "model " + std::to_string(m) + ", width 100 vs every sequence scored, alpha " +
                                     e.at("alpha").dump()));
    }
    ++m;
  }
}

// Tokens: 0 = a, 1 = b, 2 = <eos> (3 = never).
//   first token: a 0.5, b 0.4, <eos> 0.1
//   after a: a 0.35, b 0.35, <eos> 0.3;   after b: <eos> 0.9, a 0.05, b 0.05
// Greedy writes a (0.5), then a tie (a), ...; but "b <eos>" has p = 0.36, more than any
// sequence that starts with a (at most 0.5 x 0.35 = 0.175 before it even ends).
NextTokenLogProbs greedy_trap() {
  return [](const std::vector<int64_t>& prefix) -> std::vector<double> {
    if (prefix.empty()) return {std::log(0.5), std::log(0.4), std::log(0.1), kNever};
    if (prefix.back() == 1) return {std::log(0.05), std::log(0.05), std::log(0.9), kNever};
    return {std::log(0.35), std::log(0.35), std::log(0.3), kNever};
  };
}

TEST(Behaviour, BeamFindsWhatGreedyMisses) {
  const BeamHypothesis greedy = beam_search(greedy_trap(), {.width = 1, .alpha = 0, .max_len = 10});
  EXPECT_EQ(greedy.tokens.front(), 0) << "width 1 is greedy: its first token is a (p 0.5); yours is "
                                      << str(greedy.tokens);
  const BeamHypothesis beam = beam_search(greedy_trap(), {.width = 2, .alpha = 0, .max_len = 10});
  EXPECT_TRUE(SameHypothesis(beam, {1, 2}, std::log(0.36), std::log(0.36), "width 2, alpha 0"));
  EXPECT_GT(beam.log_prob, greedy.log_prob) << "the beam's answer must be more likely than greedy's";
}

TEST(Behaviour, AlphaTradesAShortAnswerForALongerOne) {
  // Tokens 0 = a, 1 = b, 2 = <eos>, 3 = c. First: a 0.25, b 0.25, <eos> 0.3, c 0.2. After a
  // or a a: a 0.9, <eos> 0.1; after a a a (and longer): <eos> 0.9, a 0.1. After b or c:
  // <eos> 0.2, a, b, c 0.8/3 each. The likeliest answer is <eos> at once (p 0.3); the best
  // per token is a a a <eos> (p 0.25 x 0.9^3 = 0.18 in four tokens).
  const NextTokenLogProbs model = [](const std::vector<int64_t>& prefix) -> std::vector<double> {
    if (prefix.empty()) return {std::log(0.25), std::log(0.25), std::log(0.3), std::log(0.2)};
    if (prefix[0] != 0) return {std::log(0.8 / 3), std::log(0.8 / 3), std::log(0.2), std::log(0.8 / 3)};
    if (prefix.size() < 3) return {std::log(0.9), kNever, std::log(0.1), kNever};
    return {std::log(0.1), kNever, std::log(0.9), kNever};
  };
  const BeamHypothesis plain = beam_search(model, {.width = 3, .alpha = 0, .max_len = 6});
  EXPECT_TRUE(SameHypothesis(plain, {2}, std::log(0.3), std::log(0.3),
                             "width 3, alpha 0 (plain log p favours the short answer)"));
  const double lp = std::log(0.25) + 3 * std::log(0.9);
  const BeamHypothesis normalised = beam_search(model, {.width = 3, .alpha = 1, .max_len = 6});
  EXPECT_TRUE(SameHypothesis(normalised, {0, 0, 0, 2}, lp, lp / 4,
                             "width 3, alpha 1 (the mean log p per token favours the longer answer)"));
  EXPECT_TRUE(Matches(length_normalised_score(lp, 4, 0.6), lp / std::pow(4.0, 0.6),
                      "length_normalised_score(log p, 4, 0.6)", 1e-15));
}

TEST(Behaviour, NoEndFallbackReturnsTheBestCutOffHypothesis) {
  // A model that never writes <eos>: b is always a little more likely than a.
  const NextTokenLogProbs model = [](const std::vector<int64_t>&) -> std::vector<double> {
    return {std::log(0.4), std::log(0.6), kNever, kNever};
  };
  const BeamHypothesis h = beam_search(model, {.width = 2, .alpha = 0.6, .max_len = 5});
  const double lp = 5 * std::log(0.6);
  EXPECT_TRUE(SameHypothesis(h, {1, 1, 1, 1, 1}, lp, lp / std::pow(5.0, 0.6),
                             "a model that never ends, max_len 5"));
}

TEST(Errors, BadOptionsNameBeamSearch) {
  const NextTokenLogProbs model = greedy_trap();
  EXPECT_TRUE(testing::ThrowsWith([&] { beam_search(model, {.width = 0}); }, {"beam_search", "width"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { beam_search(model, {.max_len = 0}); }, {"beam_search", "max_len"}));
  EXPECT_TRUE(testing::ThrowsWith([&] { beam_search(model, {.alpha = -1}); }, {"beam_search", "alpha"}));
}

}  // namespace
}  // namespace attn::exercises
