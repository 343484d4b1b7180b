// Exercise 4: beam search. Write the two functions below (README.md), then run
// `scripts/exercise 4`. The exact rules are in beam_search.h.
#include "exercises/04_beam_search/beam_search.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "autograd/error.h"

namespace attn::exercises {

double length_normalised_score(double log_prob, int64_t length, double alpha) {
  throw Error("exercise 4: length_normalised_score not done yet (README step 1)");
}

BeamHypothesis beam_search(const NextTokenLogProbs& model, const BeamSearchOptions& options) {
  throw Error("exercise 4: beam_search not done yet (write it in exercises/04_beam_search/beam_search.cpp, README step 2)");
}

}  // namespace attn::exercises
