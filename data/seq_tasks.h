#pragma once
// Sequence tasks made by code: the embedded default data of tutorials 02-04.
// Every task draws (source, target) pairs whose source length the caller
// chooses, so a run can train on lengths 5-20 and test on each length up to
// 40, and the learner sees where a model breaks as the input grows.
//
//   task       source -> target                                  source length
//   copy       "f c q q a" -> "f c q q a"                        any (>= 1)
//   reverse    "f c q q a" -> "a q q c f"                        any
//   sort       "f c q q a" -> "a c f q q"                        any
//   repeats    "f c q q a" -> "0 0 1 1 0"  (1: occurs elsewhere) any
//   numbers    "three hundred forty two thousand seven"
//                  -> "3 4 2 0 0 7"                               1 .. 19 words (12 digits)
//   dates      "the twenty first of march nineteen ninety"
//                  -> "1 9 9 0 - 0 3 - 2 1"                       4 .. 10 words
//
// copy/reverse/sort/repeats use the first `alphabet` letters a, b, c, ... as
// tokens. numbers and dates are small translation tasks with real structure:
// the target is a deterministic function of the source that a model can
// learn, and the alignment between them is not the diagonal (see each task's
// describe() for what the attention heat map should show). sort and repeats
// need each token to look at the others: the self-attention task of 04.
// In repeats the share of 1 labels is 1 - (1 - 1/A)^(L-1) for A letters and
// length L (A = 20: 0.37 at L = 10, 0.62 at L = 20); A near (L-1)/ln 2 balances it.
//
//   auto task = attn::data::make_task("reverse");
//   Generator gen(seed);
//   std::vector<SeqPair> train = make_train_set(*task, 20000, 5, 20, gen);
//   auto test = make_test_set(*task, 100, 5, 40, gen);   // {length: 100 pairs}
//   task->src_vocab().decode(train[0].src);               // {"f", "c", ...}
//
// Every random choice comes from the Generator passed in.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "data/seq_batch.h"
#include "data/vocab.h"

namespace attn::data {

class SeqTask {
 public:
  virtual ~SeqTask() = default;

  const std::string& name() const { return name_; }
  const Vocab& src_vocab() const { return src_vocab_; }
  const Vocab& tgt_vocab() const { return tgt_vocab_; }
  // The source lengths (in tokens) this task can make.
  int64_t min_length() const { return min_length_; }
  int64_t max_length() const { return max_length_; }
  // True when the target always has the source's length (copy, reverse, sort,
  // repeats): an encoder alone can label each position.
  bool same_length() const { return same_length_; }

  // One pair whose source has exactly `length` tokens. Throws attn::Error
  // when length is outside [min_length(), max_length()].
  SeqPair sample(Generator& gen, int64_t length) const;
  // A few lines for a README or report: the task and the alignment to expect.
  virtual std::string describe() const = 0;

 protected:
  SeqTask(std::string name, Vocab src_vocab, Vocab tgt_vocab, int64_t min_length,
          int64_t max_length, bool same_length);
  virtual SeqPair sample_exact(Generator& gen, int64_t length) const = 0;

 private:
  std::string name_;
  Vocab src_vocab_, tgt_vocab_;
  int64_t min_length_, max_length_;
  bool same_length_;
};

struct TaskOptions {
  int alphabet = 20;    // copy, reverse, sort, repeats: letters a.. (2 to 26)
  int max_digits = 12;  // numbers: up to 10^max_digits - 1 (1 to 15)
};

// "copy", "reverse", "sort", "repeats", "numbers", "dates".
const std::vector<std::string>& task_names();
// Throws attn::Error for an unknown name (listing the known ones) or options out of range.
std::unique_ptr<SeqTask> make_task(const std::string& name, const TaskOptions& options = {});

// ---- held-out examples ------------------------------------------------------
// Training and test examples are drawn from the same task, so to keep them
// apart each source sequence belongs to one part for good: the test part
// holds the sources whose hash (FNV-1a of the ids, fixed across platforms) is
// 0 mod 8. Where a length has so few distinct sources that 1000 draws in a
// row miss the part (e.g. the single number words), the draw is kept anyway:
// there the two sets may share examples.
enum class Part { any, train, test };
bool in_test_part(const std::vector<int64_t>& src);

// `count` pairs with source lengths drawn uniformly from [min_len, max_len],
// from the given part. Throws attn::Error for a range the task cannot make.
std::vector<SeqPair> sample_pairs(const SeqTask& task, int64_t count, int64_t min_len,
                                  int64_t max_len, Generator& gen, Part part = Part::any);
inline std::vector<SeqPair> make_train_set(const SeqTask& task, int64_t count, int64_t min_len,
                                           int64_t max_len, Generator& gen) {
  return sample_pairs(task, count, min_len, max_len, gen, Part::train);
}
// `per_length` held-out pairs for every source length in [min_len, max_len]:
// the rows of an accuracy-by-length curve.
std::map<int64_t, std::vector<SeqPair>> make_test_set(const SeqTask& task, int64_t per_length,
                                                      int64_t min_len, int64_t max_len,
                                                      Generator& gen);

// ---- the words behind numbers and dates (public so tests and READMEs can show them) ----
// American English without "and": 342007 -> "three hundred forty two thousand
// seven"; scales thousand, million, billion, trillion. n in [0, 10^15).
std::vector<std::string> number_in_words(int64_t n);

struct DateStyle {
  bool weekday = false;    // "wednesday ..." in front (always the true weekday)
  bool day_first = true;   // "the twenty first of march" or "march twenty first"
  bool year_short = true;  // 2023: "twenty twenty three" or "two thousand twenty three"
                           // (1900-1999 have one form: "nineteen ninety", "nineteen oh five",
                           // "nineteen hundred"; 2000 is always "two thousand")
};
// A date of 1900-01-01 .. 2099-12-31 in words; throws attn::Error for an invalid date.
std::vector<std::string> date_in_words(int year, int month, int day, const DateStyle& style);
// The ISO form as tokens: 1990-03-21 -> "1 9 9 0 - 0 3 - 2 1".
std::vector<std::string> date_in_iso_tokens(int year, int month, int day);
// 0 = sunday ... 6 = saturday, for the proleptic Gregorian calendar.
int weekday_of(int year, int month, int day);
int days_in_month(int year, int month);

}  // namespace attn::data
