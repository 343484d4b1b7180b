#pragma once
// Exercise 4: beam search with length normalisation and the no-end fallback. You write
// beam_search.cpp; this header is given.
//
// The model is any function from the tokens written so far (the prefix, without <bos>) to
// the log-probabilities of the next token, log p(y | prefix), one per token id 0 .. V-1
// (-inf for a token the model never writes). A hypothesis is finished when it writes `eos`.
//
//   score(y) = log p(y) / |y|^alpha        |y| counts every token written, <eos> included
//
// The search (the same as models/seq2seq.cpp's Seq2SeqBase::beam_search):
//   live = {the empty prefix}; finished = {}
//   for step i = 0 .. max_len - 1:
//     candidates: every live hypothesis b extended by every token y, with total log-probability
//       log p(b) + log p(y | b), ranked from the highest; ties go to the lower b (its place in
//       `live`), then to the lower y
//     walk down the ranking until `width` candidates not ending in eos have been kept: those
//       are the next `live`, in ranking order; a candidate ending in eos is finished if it is
//       among the first `width` of the ranking, and dropped otherwise
//     stop when `width` hypotheses have finished, or nothing is live
//     after the last step (i = max_len - 1), the live hypotheses join the finished ones as
//       they are, without eos (the no-end fallback: there is always an answer)
//   return the finished hypothesis with the highest score; among equal scores, the one that
//   finished first.
// Width 1 is greedy decoding.
#include <cstdint>
#include <functional>
#include <vector>

namespace attn::exercises {

using NextTokenLogProbs = std::function<std::vector<double>(const std::vector<int64_t>& prefix)>;

struct BeamHypothesis {
  std::vector<int64_t> tokens;  // ends with eos when the model ended it
  double log_prob = 0;          // the sum of log p(y_i | y_<i) over tokens
  double score = 0;             // log_prob / |tokens|^alpha
};

struct BeamSearchOptions {
  int64_t width = 3;     // k, at least 1
  double alpha = 0.6;    // length normalisation, at least 0 (0: rank by log p alone)
  int64_t max_len = 20;  // at most this many tokens, at least 1
  int64_t eos = 2;       // the end token's id (data/vocab.h's <eos>)
};

// log_prob / length^alpha (length >= 1).
double length_normalised_score(double log_prob, int64_t length, double alpha);

// The best hypothesis by score. Throws attn::Error naming beam_search for width < 1,
// max_len < 1, alpha < 0, or a model that returns no log-probabilities.
BeamHypothesis beam_search(const NextTokenLogProbs& model, const BeamSearchOptions& options);

}  // namespace attn::exercises
