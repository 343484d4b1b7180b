// Exercise 5: corpus BLEU. Write the five functions below in order (README.md), then run
// `scripts/exercise 5`. The definitions are in bleu.h.
#include "exercises/05_bleu/bleu.h"

#include <algorithm>
#include <cmath>

#include "autograd/error.h"

namespace attn::exercises {

std::map<Ngram, int64_t> ngram_counts(const Sentence& s, int n) {
  throw Error("exercise 5: ngram_counts not done yet (README step 1)");
}

Precision modified_precision(const std::vector<Sentence>& references, const Sentence& hypothesis, int n) {
  throw Error("exercise 5: modified_precision not done yet (README step 2)");
}

int64_t closest_reference_length(const std::vector<Sentence>& references, int64_t hyp_len) {
  throw Error("exercise 5: closest_reference_length not done yet (README step 3)");
}

double brevity_penalty(int64_t c, int64_t r) {
  throw Error("exercise 5: brevity_penalty not done yet (README step 3)");
}

BleuResult corpus_bleu(const std::vector<std::vector<Sentence>>& references,
                       const std::vector<Sentence>& hypotheses) {
  throw Error("exercise 5: corpus_bleu not done yet (README step 4)");
}

}  // namespace attn::exercises
