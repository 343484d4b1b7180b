// The generated sequence tasks: words written by hand, determinism under a
// seed, lengths within the range asked for, targets checked against an
// independent reading of the source, and held-out test examples.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/seq_tasks.h"

namespace attn::data {
namespace {

using Words = std::vector<std::string>;

Words split(const std::string& s) {
  Words out;
  std::string cur;
  for (const char c : s) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

TEST(NumberWords, HandWrittenExamples) {
  EXPECT_EQ(number_in_words(0), split("zero"));
  EXPECT_EQ(number_in_words(7), split("seven"));
  EXPECT_EQ(number_in_words(15), split("fifteen"));
  EXPECT_EQ(number_in_words(40), split("forty"));
  EXPECT_EQ(number_in_words(99), split("ninety nine"));
  EXPECT_EQ(number_in_words(100), split("one hundred"));
  EXPECT_EQ(number_in_words(110), split("one hundred ten"));
  EXPECT_EQ(number_in_words(342007), split("three hundred forty two thousand seven"));
  EXPECT_EQ(number_in_words(1000000), split("one million"));
  EXPECT_EQ(number_in_words(1000007), split("one million seven"));
  EXPECT_EQ(number_in_words(2000013000), split("two billion thirteen thousand"));
  EXPECT_EQ(number_in_words(999999999999).size(), 19u);
  EXPECT_EQ(number_in_words(5000000000000), split("five trillion"));
  EXPECT_THROW(number_in_words(-1), Error);
  EXPECT_THROW(number_in_words(1000000000000000), Error);
}

TEST(DateWords, HandWrittenExamples) {
  const DateStyle plain{.weekday = false, .day_first = true, .year_short = true};
  EXPECT_EQ(date_in_words(1990, 3, 21, plain), split("the twenty first of march nineteen ninety"));
  EXPECT_EQ(date_in_words(1990, 3, 21, {.weekday = true, .day_first = false}),
            split("wednesday march twenty first nineteen ninety"));
  EXPECT_EQ(date_in_words(2023, 11, 30, {.year_short = false}),
            split("the thirtieth of november two thousand twenty three"));
  EXPECT_EQ(date_in_words(2023, 11, 30, plain),
            split("the thirtieth of november twenty twenty three"));
  EXPECT_EQ(date_in_words(1905, 7, 2, plain), split("the second of july nineteen oh five"));
  EXPECT_EQ(date_in_words(1900, 1, 20, plain), split("the twentieth of january nineteen hundred"));
  EXPECT_EQ(date_in_words(2000, 12, 12, plain), split("the twelfth of december two thousand"));
  EXPECT_EQ(date_in_words(2005, 5, 31, plain), split("the thirty first of may twenty oh five"));
  EXPECT_EQ(date_in_words(2005, 5, 31, {.year_short = false}),
            split("the thirty first of may two thousand five"));
  EXPECT_EQ(date_in_iso_tokens(1990, 3, 21), split("1 9 9 0 - 0 3 - 2 1"));
  EXPECT_THROW(date_in_words(1900, 2, 29, plain), Error) << "1900 was not a leap year";
  EXPECT_THROW(date_in_words(2100, 1, 1, plain), Error);
  EXPECT_THROW(date_in_words(2000, 4, 31, plain), Error);
}

TEST(DateWords, WeekdaysAndMonthLengths) {
  // Checked against Python's datetime (isoweekday % 7, Sunday = 0).
  EXPECT_EQ(weekday_of(1990, 3, 21), 3);
  EXPECT_EQ(weekday_of(2000, 1, 1), 6);
  EXPECT_EQ(weekday_of(1900, 1, 1), 1);
  EXPECT_EQ(weekday_of(2099, 12, 31), 4);
  EXPECT_EQ(weekday_of(1969, 7, 20), 0);
  EXPECT_EQ(weekday_of(2024, 2, 29), 4);
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2023, 9), 30);
}

// An independent reader of number words (the inverse the model must learn).
int64_t read_number(const Words& words) {
  static const std::map<std::string, int64_t> small = {
      {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
      {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
      {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
      {"seventy", 70}, {"eighty", 80},  {"ninety", 90}};
  static const std::map<std::string, int64_t> scale = {{"thousand", 1000},
                                                       {"million", 1000000},
                                                       {"billion", 1000000000},
                                                       {"trillion", 1000000000000}};
  int64_t total = 0, group = 0;
  for (const auto& w : words) {
    if (small.count(w)) {
      group += small.at(w);
    } else if (w == "hundred") {
      group *= 100;
    } else {
      total += group * scale.at(w);
      group = 0;
    }
  }
  return total + group;
}

TEST(SeqTasks, NamesAndVocabularies) {
  EXPECT_EQ(task_names(), (Words{"copy", "reverse", "sort", "repeats", "numbers", "dates"}));
  for (const auto& name : task_names()) {
    const auto task = make_task(name);
    EXPECT_EQ(task->name(), name);
    EXPECT_FALSE(task->describe().empty());
    EXPECT_EQ(task->src_vocab().token_of(kPad), "<pad>") << name;
  }
  EXPECT_EQ(make_task("copy", {.alphabet = 5})->src_vocab().size(), 4 + 5);
  EXPECT_EQ(make_task("repeats")->tgt_vocab().size(), 4 + 2);
  EXPECT_EQ(make_task("numbers")->src_vocab().size(), 4 + 20 + 8 + 1 + 4);
  EXPECT_EQ(make_task("numbers")->tgt_vocab().size(), 4 + 10);
  EXPECT_EQ(make_task("numbers")->max_length(), 19);
  EXPECT_EQ(make_task("numbers", {.max_digits = 15})->max_length(), 24);
  EXPECT_EQ(make_task("numbers", {.max_digits = 3})->max_length(), 4);
  EXPECT_EQ(make_task("dates")->min_length(), 4);
  EXPECT_EQ(make_task("dates")->max_length(), 10);
  EXPECT_TRUE(make_task("repeats")->same_length());
  EXPECT_FALSE(make_task("dates")->same_length());
  try {
    make_task("translate");
    FAIL() << "an unknown task must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reverse"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_task("copy", {.alphabet = 27}), Error);
  EXPECT_THROW(make_task("numbers", {.max_digits = 16}), Error);
}

TEST(SeqTasks, SameSeedSamePairsOtherSeedOtherPairs) {
  for (const auto& name : task_names()) {
    SCOPED_TRACE(name);
    const auto task = make_task(name);
    const int64_t lo = task->min_length(), hi = std::min<int64_t>(task->max_length(), 12);
    Generator g1(11), g2(11), g3(12);
    const auto a = sample_pairs(*task, 50, lo, hi, g1);
    const auto b = sample_pairs(*task, 50, lo, hi, g2);
    const auto c = sample_pairs(*task, 50, lo, hi, g3);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
  }
}

// Checks that p is right by construction, reading the source independently.
void check_pair(const SeqTask& task, const SeqPair& p) {
  const Words src = task.src_vocab().decode(p.src);
  const Words tgt = task.tgt_vocab().decode(p.tgt);
  ASSERT_EQ(src.size(), p.src.size()) << "no specials in a source";
  ASSERT_EQ(tgt.size(), p.tgt.size()) << "no specials in a target";
  const std::string name = task.name();
  if (name == "copy") {
    EXPECT_EQ(tgt, src);
  } else if (name == "reverse") {
    EXPECT_EQ(tgt, Words(src.rbegin(), src.rend()));
  } else if (name == "sort") {
    Words sorted = src;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(tgt, sorted);
  } else if (name == "repeats") {
    ASSERT_EQ(tgt.size(), src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      const bool elsewhere = std::count(src.begin(), src.end(), src[i]) > 1;
      EXPECT_EQ(tgt[i], elsewhere ? "1" : "0") << "position " << i;
    }
  } else if (name == "numbers") {
    EXPECT_EQ(join_tokens(tgt, ""), std::to_string(read_number(src))) << join_tokens(src);
  } else if (name == "dates") {
    // "Y Y Y Y - M M - D D", and the source is that date in one of the styles.
    ASSERT_EQ(tgt.size(), 10u);
    const std::string iso = join_tokens(tgt, "");
    const int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2)),
              d = std::stoi(iso.substr(8, 2));
    EXPECT_EQ(date_in_iso_tokens(y, m, d), tgt);
    bool found = false;
    for (const int style : {0, 1, 2, 3, 4, 5, 6, 7}) {
      const DateStyle s{.weekday = (style & 1) != 0,
                        .day_first = (style & 2) != 0,
                        .year_short = (style & 4) != 0};
      found = found || date_in_words(y, m, d, s) == src;
    }
    EXPECT_TRUE(found) << join_tokens(src) << " -> " << iso;
  }
}

TEST(SeqTasks, LengthsInRangeAndTargetsCorrect) {
  for (const auto& name : task_names()) {
    SCOPED_TRACE(name);
    const auto task = make_task(name);
    const int64_t lo = task->min_length(), hi = std::min<int64_t>(task->max_length(), 30);
    Generator g(3);
    const auto pairs = sample_pairs(*task, 400, lo, hi, g);
    std::map<int64_t, int> per_length;
    for (const auto& p : pairs) {
      const auto n = static_cast<int64_t>(p.src.size());
      ASSERT_GE(n, lo);
      ASSERT_LE(n, hi);
      ++per_length[n];
      if (task->same_length()) {
        ASSERT_EQ(p.tgt.size(), p.src.size());
      }
      check_pair(*task, p);
    }
    EXPECT_EQ(static_cast<int64_t>(per_length.size()), hi - lo + 1) << "every length drawn";
  }
}

TEST(SeqTasks, SpotChecksOfTranslationExamples) {
  // The first numbers and dates pairs under seed 1, read and checked by hand when written.
  const auto numbers = make_task("numbers");
  Generator g(1);
  const SeqPair n = numbers->sample(g, 6);
  const Words n_src = numbers->src_vocab().decode(n.src);
  ASSERT_EQ(n_src.size(), 6u);
  EXPECT_EQ(join_tokens(numbers->tgt_vocab().decode(n.tgt), ""),
            std::to_string(read_number(n_src)));

  const auto dates = make_task("dates");
  Generator h(1);
  for (int64_t len = 4; len <= 10; ++len) {
    const SeqPair d = dates->sample(h, len);
    EXPECT_EQ(static_cast<int64_t>(d.src.size()), len);
    check_pair(*dates, d);
  }
  // A number whose zeros no word names, by hand: "one million seven" -> 1 0 0 0 0 0 7.
  const auto ids = numbers->src_vocab().encode(split("one million seven"));
  EXPECT_EQ(read_number(numbers->src_vocab().decode(ids)), 1000007);
}

TEST(SeqTasks, TestSetHasEveryLengthAndIsHeldOut) {
  const auto task = make_task("reverse");
  Generator g(4);
  const auto test = make_test_set(*task, 25, 3, 40, g);
  ASSERT_EQ(test.size(), 38u);
  for (const auto& [length, pairs] : test) {
    ASSERT_EQ(pairs.size(), 25u) << "length " << length;
    for (const auto& p : pairs) {
      EXPECT_EQ(static_cast<int64_t>(p.src.size()), length);
      EXPECT_TRUE(in_test_part(p.src));
      check_pair(*task, p);
    }
  }
  const auto train = make_train_set(*task, 2000, 3, 40, g);
  int64_t held = 0;
  for (const auto& p : train) held += in_test_part(p.src);
  EXPECT_EQ(held, 0) << "no training source is a test source";

  // About 1 in 8 sources belong to the test part.
  Generator any(5);
  const auto pairs = sample_pairs(*task, 4000, 10, 10, any, Part::any);
  int64_t in_test = 0;
  for (const auto& p : pairs) in_test += in_test_part(p.src);
  EXPECT_NEAR(static_cast<double>(in_test) / 4000, 1.0 / 8, 0.02);

  // Lengths the task has: every number length 1..19 and date length 4..10.
  Generator h(6);
  EXPECT_EQ(make_test_set(*make_task("numbers"), 3, 1, 19, h).size(), 19u);
  EXPECT_EQ(make_test_set(*make_task("dates"), 3, 4, 10, h).size(), 7u);
}

TEST(SeqTasks, RejectsLengthsTheTaskCannotMake) {
  Generator g(1);
  EXPECT_THROW(make_task("dates")->sample(g, 3), Error);
  EXPECT_THROW(make_task("numbers")->sample(g, 20), Error);
  EXPECT_THROW(make_task("copy")->sample(g, 0), Error);
  EXPECT_THROW(sample_pairs(*make_task("copy"), 5, 6, 5, g), Error);
  EXPECT_THROW(make_test_set(*make_task("dates"), 5, 4, 11, g), Error);
  EXPECT_THROW(make_test_set(*make_task("copy"), 0, 4, 5, g), Error);
}

}  // namespace
}  // namespace attn::data
