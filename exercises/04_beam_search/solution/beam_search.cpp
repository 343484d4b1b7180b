// Exercise 4, the reference solution: beam search as beam_search.h describes it.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "autograd/error.h"
#include "exercises/04_beam_search/beam_search.h"

namespace attn::exercises {

double length_normalised_score(double log_prob, int64_t length, double alpha) {
  ATTN_CHECK(length >= 1, "length_normalised_score: length ", length, " must be >= 1");
  return log_prob / std::pow(static_cast<double>(length), alpha);
}

BeamHypothesis beam_search(const NextTokenLogProbs& model, const BeamSearchOptions& opt) {
  ATTN_CHECK(opt.width >= 1 && opt.max_len >= 1 && opt.alpha >= 0, "beam_search: width = ",
             opt.width, ", max_len = ", opt.max_len, ", alpha = ", opt.alpha,
             ": expected width >= 1, max_len >= 1, alpha >= 0");
  struct Candidate {
    double log_prob;
    size_t beam;
    int64_t token;
  };
  const size_t k = static_cast<size_t>(opt.width);
  std::vector<BeamHypothesis> live(1), finished;
  for (int64_t i = 0; i < opt.max_len; ++i) {
    std::vector<Candidate> cand;
    for (size_t b = 0; b < live.size(); ++b) {
      const std::vector<double> logp = model(live[b].tokens);
      ATTN_CHECK(!logp.empty(), "beam_search: the model returned no log-probabilities");
      for (size_t y = 0; y < logp.size(); ++y)
        cand.push_back({live[b].log_prob + logp[y], b, static_cast<int64_t>(y)});
    }
    // Highest total first; ties to the lower beam, then the lower token.
    std::stable_sort(cand.begin(), cand.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(b.log_prob, a.beam, a.token) < std::tie(a.log_prob, b.beam, b.token);
    });
    std::vector<BeamHypothesis> next;
    for (size_t r = 0; r < cand.size() && next.size() < k; ++r) {
      const Candidate& c = cand[r];
      if (c.token == opt.eos && r >= k) continue;  // below the top k: not good enough
      BeamHypothesis h = live[c.beam];
      h.tokens.push_back(c.token);
      h.log_prob = c.log_prob;
      h.score = length_normalised_score(h.log_prob, static_cast<int64_t>(h.tokens.size()), opt.alpha);
      (c.token == opt.eos ? finished : next).push_back(std::move(h));
    }
    if (finished.size() >= k || next.empty()) break;
    live = std::move(next);
    if (i + 1 == opt.max_len)  // cut off: the unfinished compete as they are
      for (BeamHypothesis& h : live) finished.push_back(std::move(h));
  }
  return *std::max_element(finished.begin(), finished.end(),
                           [](const BeamHypothesis& a, const BeamHypothesis& b) {
                             return a.score < b.score;
                           });
}

}  // namespace attn::exercises
