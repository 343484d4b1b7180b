#pragma once
// Evaluating a seq2seq model the way it will be used: decoding freely, each step fed the
// model's own previous output, never the reference (teacher forcing is for training only: at
// test time there is no reference to lean on, and a model trained only on perfect prefixes
// meets its own mistakes for the first time here: exposure bias).
//
//   auto test = data::make_test_set(task, 100, 5, 30, gen);     // {length: pairs}
//   models::AccuracyByLength acc = models::accuracy_by_length(model, test, {});
//   acc[20].exact;   // share of length-20 sources whose whole output is right
//   metrics["accuracy_by_length"]["attention"] = models::to_json(acc);
//
// The two scores, per source length, over a held-out set:
//   exact  the output equals the reference, <eos> included (stopping too early, too late or
//          never counts as wrong)
//   token  per-token accuracy: over positions i = 1 .. max(n + 1, m), with n reference
//          tokens (+ its <eos>) and m output tokens (with the <eos> if written), the share
//          where the two agree; every missing or extra token counts as a wrong position. Pooled
//          over the pairs of a length (sum of agreements / sum of positions).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "data/seq_batch.h"
#include "models/seq2seq.h"

namespace attn::models {

enum class Decoding { greedy, beam };

struct EvalOptions {
  Decoding decoding = Decoding::greedy;
  BeamOptions beam;            // width and alpha for Decoding::beam (max_len: see below)
  int64_t max_len_extra = 10;  // a source of S tokens may be given 2 S + max_len_extra tokens
};

struct Score {
  int64_t count = 0;  // pairs scored
  double exact = 0;   // share of exact matches, in [0, 1]
  double token = 0;   // per-token accuracy, in [0, 1]
  int64_t agree = 0;  // positions that agree (token = agree / positions)
  int64_t positions = 0;
};
using AccuracyByLength = std::map<int64_t, Score>;  // source length -> score

// Decodes every source freely (greedy: batched; beam: one source at a time), in order.
std::vector<Hypothesis> decode_all(const Seq2SeqBase& model,
                                   const std::vector<std::vector<int64_t>>& sources,
                                   const EvalOptions& options = {});

// Scores outputs against references (same count; references without <bos>/<eos>).
Score score_outputs(const std::vector<std::vector<int64_t>>& references,
                    const std::vector<Hypothesis>& outputs);

// Decodes each length's pairs and scores them. Throws attn::Error for an empty length.
AccuracyByLength accuracy_by_length(const Seq2SeqBase& model,
                                    const std::map<int64_t, std::vector<data::SeqPair>>& test,
                                    const EvalOptions& options = {});

// All lengths pooled (weighted by their pair counts).
Score overall(const AccuracyByLength& by_length);

// {"5": {"exact": 1.0, "token": 1.0}, "6": {...}, ...}: the shape of metrics.json's
// accuracy_by_length entry for one model.
nlohmann::json to_json(const AccuracyByLength& by_length);

// Pairs grouped by source length (for data that does not come grouped, e.g. --data FILE).
std::map<int64_t, std::vector<data::SeqPair>> group_by_source_length(
    const std::vector<data::SeqPair>& pairs);

}  // namespace attn::models
