#include "data/seq_tasks.h"

#include <algorithm>
#include <array>
#include <utility>

#include "autograd/error.h"

namespace attn::data {

// ---- words ---------------------------------------------------------------------

namespace {

const std::array<const char*, 20> kUnits = {
    "zero",     "one",     "two",     "three",     "four",     "five",    "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
const std::array<const char*, 10> kTens = {"",      "",      "twenty",  "thirty", "forty",
                                           "fifty", "sixty", "seventy", "eighty", "ninety"};
const std::array<const char*, 5> kScales = {"", "thousand", "million", "billion", "trillion"};
const std::array<const char*, 20> kOrdinals = {
    "",           "first",     "second",    "third",       "fourth",     "fifth",     "sixth",
    "seventh",    "eighth",    "ninth",     "tenth",       "eleventh",   "twelfth",   "thirteenth",
    "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
const std::array<const char*, 13> kMonths = {
    "",     "january", "february",  "march",   "april",    "may",     "june",
    "july", "august",  "september", "october", "november", "december"};
const std::array<const char*, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                              "thursday", "friday", "saturday"};

// 1..99 in words: "seven", "seventeen", "seventy", "seventy seven".
void below_hundred(int r, std::vector<std::string>& out) {
  if (r < 20) {
    out.emplace_back(kUnits[static_cast<size_t>(r)]);
    return;
  }
  out.emplace_back(kTens[static_cast<size_t>(r / 10)]);
  if (r % 10) out.emplace_back(kUnits[static_cast<size_t>(r % 10)]);
}

// 1..999 in words: "three hundred forty two".
void below_thousand(int g, std::vector<std::string>& out) {
  if (g >= 100) {
    out.emplace_back(kUnits[static_cast<size_t>(g / 100)]);
    out.emplace_back("hundred");
  }
  if (g % 100) below_hundred(g % 100, out);
}

void ordinal(int d, std::vector<std::string>& out) {
  if (d < 20) {
    out.emplace_back(kOrdinals[static_cast<size_t>(d)]);
  } else if (d % 10 == 0) {
    out.emplace_back(d == 20 ? "twentieth" : "thirtieth");
  } else {
    out.emplace_back(kTens[static_cast<size_t>(d / 10)]);
    out.emplace_back(kOrdinals[static_cast<size_t>(d % 10)]);
  }
}

int64_t pow10(int e) {
  int64_t p = 1;
  for (int i = 0; i < e; ++i) p *= 10;
  return p;
}

std::vector<std::string> letters(int alphabet) {
  std::vector<std::string> out;
  for (int i = 0; i < alphabet; ++i) out.emplace_back(1, static_cast<char>('a' + i));
  return out;
}

std::vector<std::string> digit_tokens() {
  std::vector<std::string> out;
  for (int i = 0; i < 10; ++i) out.emplace_back(1, static_cast<char>('0' + i));
  return out;
}

// Ids of words that are all in v (a task's own vocabulary holds every word it writes).
std::vector<int64_t> encode_known(const Vocab& v, const std::vector<std::string>& words,
                                  const std::string& task) {
  std::vector<int64_t> ids = v.encode(words);
  for (size_t i = 0; i < ids.size(); ++i) {
    ATTN_CHECK(ids[i] != kUnk, task, ": word \"", words[i], "\" is missing from its vocabulary");
  }
  return ids;
}

constexpr int kMaxAttempts = 100000;  // rejection sampling of an exact length

}  // namespace

std::vector<std::string> number_in_words(int64_t n) {
  ATTN_CHECK(n >= 0 && n < pow10(15), "number_in_words: ", n,
             " is outside [0, 10^15), the range with scale words up to trillion");
  if (n == 0) return {"zero"};
  std::array<int, 5> group{};  // group[i] = the digits of 1000^i
  for (int i = 0; i < 5; ++i, n /= 1000) group[static_cast<size_t>(i)] = static_cast<int>(n % 1000);
  std::vector<std::string> out;
  for (int i = 4; i >= 0; --i) {
    const int g = group[static_cast<size_t>(i)];
    if (g == 0) continue;  // "one million seven": the thousands are not said
    below_thousand(g, out);
    if (i > 0) out.emplace_back(kScales[static_cast<size_t>(i)]);
  }
  return out;
}

int days_in_month(int year, int month) {
  ATTN_CHECK(month >= 1 && month <= 12, "days_in_month: month ", month, ", expected 1..12");
  static constexpr int kDays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month];
}

int weekday_of(int year, int month, int day) {
  // Days since 0000-03-01 of the proleptic Gregorian calendar: starting the
  // year in March puts the leap day last, so month lengths need no table.
  const int y = month <= 2 ? year - 1 : year;
  const int m = month <= 2 ? month + 9 : month - 3;  // March = 0
  const int64_t era_days = 365LL * y + y / 4 - y / 100 + y / 400;
  const int64_t days = era_days + (153 * m + 2) / 5 + (day - 1);
  // 0000-03-01 was a Wednesday (3), counting Sunday as 0.
  return static_cast<int>(((days + 3) % 7 + 7) % 7);
}

std::vector<std::string> date_in_words(int year, int month, int day, const DateStyle& style) {
  ATTN_CHECK(year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 &&
                 day <= days_in_month(year, month),
             "date_in_words: ", year, "-", month, "-", day,
             " is not a date of 1900-01-01 .. 2099-12-31");
  std::vector<std::string> out;
  if (style.weekday) out.emplace_back(kWeekdays[static_cast<size_t>(weekday_of(year, month, day))]);
  if (style.day_first) {
    out.emplace_back("the");
    ordinal(day, out);
    out.emplace_back("of");
    out.emplace_back(kMonths[static_cast<size_t>(month)]);
  } else {
    out.emplace_back(kMonths[static_cast<size_t>(month)]);
    ordinal(day, out);
  }
  const int r = year % 100;
  if (year < 2000 || (style.year_short && year != 2000)) {
    out.emplace_back(year < 2000 ? "nineteen" : "twenty");
    if (r == 0) {
      out.emplace_back("hundred");
    } else if (r < 10) {
      out.emplace_back("oh");
      below_hundred(r, out);
    } else {
      below_hundred(r, out);
    }
  } else {
    out.emplace_back("two");
    out.emplace_back("thousand");
    if (r) below_hundred(r, out);
  }
  return out;
}

std::vector<std::string> date_in_iso_tokens(int year, int month, int day) {
  ATTN_CHECK(year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
                 day <= days_in_month(year, month),
             "date_in_iso_tokens: ", year, "-", month, "-", day, " is not a date");
  const std::string iso = std::to_string(year + 10000).substr(1) + "-" +
                          std::to_string(month + 100).substr(1) + "-" +
                          std::to_string(day + 100).substr(1);
  std::vector<std::string> out;
  for (const char c : iso) out.emplace_back(1, c);
  return out;
}

// ---- SeqTask -------------------------------------------------------------------

SeqTask::SeqTask(std::string name, Vocab src_vocab, Vocab tgt_vocab, int64_t min_length,
                 int64_t max_length, bool same_length)
    : name_(std::move(name)),
      src_vocab_(std::move(src_vocab)),
      tgt_vocab_(std::move(tgt_vocab)),
      min_length_(min_length),
      max_length_(max_length),
      same_length_(same_length) {}

SeqPair SeqTask::sample(Generator& gen, int64_t length) const {
  ATTN_CHECK(length >= min_length_ && length <= max_length_, name_, ": source length ", length,
             " is outside what the task makes, [", min_length_, ", ", max_length_, "]");
  return sample_exact(gen, length);
}

namespace {

// copy, reverse, sort, repeats: strings of random letters.
class LetterTask final : public SeqTask {
 public:
  enum class Kind { copy, reverse, sort, repeats };
  LetterTask(Kind kind, const std::string& name, int alphabet)
      : SeqTask(name, Vocab::from_tokens(letters(alphabet)),
                kind == Kind::repeats ? Vocab::from_tokens({"0", "1"})
                                      : Vocab::from_tokens(letters(alphabet)),
                1, int64_t{1} << 20, true),
        kind_(kind),
        alphabet_(alphabet) {}

  std::string describe() const override {
    switch (kind_) {
      case Kind::copy:
        return "copy: the output repeats the input letter for letter. The attention map is the "
               "diagonal: output token i looks at input token i.";
      case Kind::reverse:
        return "reverse: the output is the input backwards. The attention map is the "
               "anti-diagonal: output token i looks at input token n+1-i, so the first output "
               "needs the last input, the one a bottleneck encoder read most recently, and the "
               "last output needs the first input, read longest ago.";
      case Kind::sort:
        return "sort: the output holds the input's letters in alphabetical order. Output token i "
               "looks at the input positions holding the i-th smallest letter, wherever they are: "
               "a permutation, not a band, and every position must compare itself with the "
               "others.";
      case Kind::repeats:
        return "repeats: each position is labelled 1 if its letter occurs elsewhere in the "
               "sequence, else 0. No position can tell alone: in self-attention, a position "
               "attends to the other positions holding the same letter.";
    }
    return {};
  }

 protected:
  SeqPair sample_exact(Generator& gen, int64_t length) const override {
    SeqPair p;
    p.src.resize(static_cast<size_t>(length));
    for (auto& id : p.src) id = kNumSpecials + gen.randint(alphabet_);
    switch (kind_) {
      case Kind::copy:
        p.tgt = p.src;
        break;
      case Kind::reverse:
        p.tgt.assign(p.src.rbegin(), p.src.rend());
        break;
      case Kind::sort:
        // Letters were added in order, so sorting the ids sorts the letters.
        p.tgt = p.src;
        std::sort(p.tgt.begin(), p.tgt.end());
        break;
      case Kind::repeats: {
        std::vector<int64_t> count(static_cast<size_t>(kNumSpecials + alphabet_), 0);
        for (const int64_t id : p.src) ++count[static_cast<size_t>(id)];
        const int64_t zero = tgt_vocab().lookup("0"), one = tgt_vocab().lookup("1");
        for (const int64_t id : p.src)
          p.tgt.push_back(count[static_cast<size_t>(id)] > 1 ? one : zero);
        break;
      }
    }
    return p;
  }

 private:
  Kind kind_;
  int alphabet_;
};

// numbers: number words -> digits.
class NumbersTask final : public SeqTask {
 public:
  explicit NumbersTask(int max_digits)
      : SeqTask("numbers", source_vocab(), Vocab::from_tokens(digit_tokens()), 1,
                max_words_up_to(max_digits), false),
        max_digits_(max_digits) {}

  std::string describe() const override {
    return "numbers: a number in English words becomes its digits, e.g. \"three hundred forty "
           "two thousand seven\" -> \"3 4 2 0 0 7\". The digits come out in the order their words "
           "are read, but not one per word: \"forty\" gives one digit and \"hundred\" none, while "
           "the places no word names give zeros (\"thousand seven\" -> \"0 0 7\"). Expect each "
           "digit to look at the word that names it (3 at \"three\", 4 at \"forty\", 7 at "
           "\"seven\") and the unnamed zeros at the scale word before them (\"thousand\"): a "
           "staircase of uneven steps, not the diagonal. The scale words tell how many digits "
           "follow, so the first digit already depends on a word further on.";
  }

  // Words for d digits: the top group (1-3 digits) can take 1, 1-2 or 2-4
  // words, each lower group 0-4, and every non-zero group but the last one
  // its scale word.
  static int64_t min_words(int d) { return (top_digits(d) == 3 ? 2 : 1) + (d > 3 ? 1 : 0); }
  static int64_t max_words(int d) {
    const int top = top_digits(d);
    const int64_t top_max = top == 1 ? 1 : top == 2 ? 2 : 4;
    return top_max + 5 * (groups(d) - 1);
  }

 protected:
  SeqPair sample_exact(Generator& gen, int64_t length) const override {
    std::vector<int> digit_counts;  // the d whose numbers can be `length` words long
    for (int d = 1; d <= max_digits_; ++d) {
      if (min_words(d) <= length && length <= max_words(d)) digit_counts.push_back(d);
    }
    ATTN_CHECK(!digit_counts.empty(), "numbers: no number below 10^", max_digits_, " is ", length,
               " words long");
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      const int d = digit_counts[static_cast<size_t>(gen.randint(std::ssize(digit_counts)))];
      const int top = top_digits(d);
      int64_t n = pow10(top - 1) + gen.randint(pow10(top) - pow10(top - 1));
      for (int g = 1; g < groups(d); ++g) {
        // A quarter of the lower groups are left out ("one million seven"),
        // so the zeros no word names are common.
        n = n * 1000 + (gen.randint(4) == 0 ? 0 : gen.randint(1000));
      }
      const std::vector<std::string> words = number_in_words(n);
      if (static_cast<int64_t>(words.size()) != length) continue;
      SeqPair p;
      p.src = encode_known(src_vocab(), words, "numbers");
      for (const char c : std::to_string(n)) p.tgt.push_back(tgt_vocab().lookup(std::string(1, c)));
      return p;
    }
    fail("numbers: found no number of ", length, " words in ", kMaxAttempts, " draws");
  }

 private:
  static int groups(int d) { return (d + 2) / 3; }
  static int top_digits(int d) { return d - 3 * (groups(d) - 1); }
  static int64_t max_words_up_to(int max_digits) {
    int64_t m = 0;
    for (int d = 1; d <= max_digits; ++d) m = std::max(m, max_words(d));
    return m;
  }
  static Vocab source_vocab() {
    std::vector<std::string> words(kUnits.begin(), kUnits.end());
    for (size_t t = 2; t < kTens.size(); ++t) words.emplace_back(kTens[t]);
    words.emplace_back("hundred");
    for (size_t s = 1; s < kScales.size(); ++s) words.emplace_back(kScales[s]);
    return Vocab::from_tokens(words);
  }
  int max_digits_;
};

// dates: a date in words -> ISO 8601.
class DatesTask final : public SeqTask {
 public:
  DatesTask() : SeqTask("dates", source_vocab(), target_vocab(), 4, 10, false) {}

  std::string describe() const override {
    return "dates: a date in words becomes its ISO form, e.g. \"the twenty first of march "
           "nineteen ninety\" -> \"1 9 9 0 - 0 3 - 2 1\". ISO reverses the order of the fields, "
           "so the alignment runs against the diagonal: the year's digits come first and look at "
           "the year's words at the end of the source (\"1 9\" at \"nineteen\", \"9 0\" at "
           "\"ninety\"), the month's digits at the month's name in the middle, and the day's "
           "digits back at the ordinal near the start (\"2 1\" at \"twenty first\"), or right "
           "after the month in the other order (\"march twenty first\"). \"the\", \"of\" and a "
           "leading weekday name should get little weight: the weekday follows from the date.";
  }

 protected:
  SeqPair sample_exact(Generator& gen, int64_t length) const override {
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      const int year = 1900 + static_cast<int>(gen.randint(200));
      const int month = 1 + static_cast<int>(gen.randint(12));
      const int day = 1 + static_cast<int>(gen.randint(days_in_month(year, month)));
      DateStyle style;
      style.weekday = gen.randint(2) == 1;
      style.day_first = gen.randint(2) == 1;
      style.year_short = gen.randint(2) == 1;
      const std::vector<std::string> words = date_in_words(year, month, day, style);
      if (static_cast<int64_t>(words.size()) != length) continue;
      SeqPair p;
      p.src = encode_known(src_vocab(), words, "dates");
      p.tgt = encode_known(tgt_vocab(), date_in_iso_tokens(year, month, day), "dates");
      return p;
    }
    fail("dates: found no date of ", length, " words in ", kMaxAttempts, " draws");
  }

 private:
  static Vocab source_vocab() {
    std::vector<std::string> words = {"the", "of", "oh", "hundred", "thousand"};
    for (size_t u = 1; u < kUnits.size(); ++u) words.emplace_back(kUnits[u]);
    for (size_t t = 2; t < kTens.size(); ++t) words.emplace_back(kTens[t]);
    for (size_t o = 1; o < kOrdinals.size(); ++o) words.emplace_back(kOrdinals[o]);
    words.emplace_back("twentieth");
    words.emplace_back("thirtieth");
    for (size_t m = 1; m < kMonths.size(); ++m) words.emplace_back(kMonths[m]);
    for (const char* w : kWeekdays) words.emplace_back(w);
    return Vocab::from_tokens(words);
  }
  static Vocab target_vocab() {
    std::vector<std::string> t = digit_tokens();
    t.emplace_back("-");
    return Vocab::from_tokens(t);
  }
};

}  // namespace

// ---- factories and sets --------------------------------------------------------

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"copy",    "reverse", "sort",
                                                 "repeats", "numbers", "dates"};
  return names;
}

std::unique_ptr<SeqTask> make_task(const std::string& name, const TaskOptions& o) {
  using Kind = LetterTask::Kind;
  const auto letter_task = [&](Kind kind) -> std::unique_ptr<SeqTask> {
    ATTN_CHECK(o.alphabet >= 2 && o.alphabet <= 26, "make_task(\"", name, "\"): alphabet is ",
               o.alphabet, ", expected 2..26 letters");
    return std::make_unique<LetterTask>(kind, name, o.alphabet);
  };
  if (name == "copy") return letter_task(Kind::copy);
  if (name == "reverse") return letter_task(Kind::reverse);
  if (name == "sort") return letter_task(Kind::sort);
  if (name == "repeats") return letter_task(Kind::repeats);
  if (name == "numbers") {
    ATTN_CHECK(o.max_digits >= 1 && o.max_digits <= 15, "make_task(\"numbers\"): max_digits is ",
               o.max_digits, ", expected 1..15 (scale words go up to trillion)");
    return std::make_unique<NumbersTask>(o.max_digits);
  }
  if (name == "dates") return std::make_unique<DatesTask>();
  fail("make_task: unknown task \"", name,
       "\", expected one of: ", join_tokens(task_names(), ", "));
}

bool in_test_part(const std::vector<int64_t>& src) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bit, over the ids' bytes low to high
  for (const int64_t id : src) {
    for (int b = 0; b < 8; ++b) {
      h ^= (static_cast<uint64_t>(id) >> (8 * b)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  }
  return h % 8 == 0;
}

namespace {

SeqPair sample_in_part(const SeqTask& task, Generator& gen, int64_t length, Part part) {
  SeqPair p = task.sample(gen, length);
  if (part == Part::any) return p;
  const bool want_test = part == Part::test;
  for (int miss = 0; miss < 1000 && in_test_part(p.src) != want_test; ++miss) {
    p = task.sample(gen, length);
  }
  return p;  // after 1000 misses in a row the length has too few sources to split
}

void check_range(const SeqTask& task, const char* what, int64_t min_len, int64_t max_len) {
  ATTN_CHECK(min_len <= max_len, what, "(", task.name(), "): min_len ", min_len,
             " is greater than max_len ", max_len);
  ATTN_CHECK(min_len >= task.min_length() && max_len <= task.max_length(), what, "(", task.name(),
             "): lengths [", min_len, ", ", max_len, "] are outside what the task makes, [",
             task.min_length(), ", ", task.max_length(), "]");
}

}  // namespace

std::vector<SeqPair> sample_pairs(const SeqTask& task, int64_t count, int64_t min_len,
                                  int64_t max_len, Generator& gen, Part part) {
  ATTN_CHECK(count >= 0, "sample_pairs(", task.name(), "): count is ", count, ", expected >= 0");
  check_range(task, "sample_pairs", min_len, max_len);
  std::vector<SeqPair> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t length = min_len + gen.randint(max_len - min_len + 1);
    out.push_back(sample_in_part(task, gen, length, part));
  }
  return out;
}

std::map<int64_t, std::vector<SeqPair>> make_test_set(const SeqTask& task, int64_t per_length,
                                                      int64_t min_len, int64_t max_len,
                                                      Generator& gen) {
  ATTN_CHECK(per_length >= 1, "make_test_set(", task.name(), "): per_length is ", per_length,
             ", expected at least 1");
  check_range(task, "make_test_set", min_len, max_len);
  std::map<int64_t, std::vector<SeqPair>> out;
  for (int64_t length = min_len; length <= max_len; ++length) {
    auto& pairs = out[length];
    for (int64_t i = 0; i < per_length; ++i)
      pairs.push_back(sample_in_part(task, gen, length, Part::test));
  }
  return out;
}

}  // namespace attn::data
