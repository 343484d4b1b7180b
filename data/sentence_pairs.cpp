#include "data/sentence_pairs.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "autograd/error.h"
#include "autograd/random.h"

namespace attn::data {

namespace {

// Decodes the code point starting at s[i] into cp and returns its length in
// bytes, or 0 when the bytes there are not well-formed UTF-8 (Unicode 15,
// table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
int decode_utf8(std::string_view s, size_t i, char32_t& cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  int len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // shorter forms are overlong
    if (b0 == 0xED) hi = 0x9F;  // U+D800..U+DFFF are surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;  // a continuation byte where a character should start, or C0/C1/F5..FF
  }
  if (i + static_cast<size_t>(len) > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  char32_t c = b0 & (0xFF >> (len + 1));
  c = (c << 6) | (byte(i + 1) & 0x3F);
  for (int k = 2; k < len; ++k) {
    const unsigned char b = byte(i + static_cast<size_t>(k));
    if (b < 0x80 || b > 0xBF) return 0;
    c = (c << 6) | (b & 0x3F);
  }
  cp = c;
  return len;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_space(char32_t c) {
  return c <= 0x20 || c == 0x7F || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

bool is_punct(char32_t c) {
  if (c < 0x80) {
    return !is_space(c) && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
           !(c >= 'A' && c <= 'Z');
  }
  return c == 0xA1 || c == 0xAB || c == 0xB7 || c == 0xBB || c == 0xBF ||  // ¡ « · » ¿
         (c >= 0x2010 && c <= 0x2027) ||                                   // dashes, quotes, …
         (c >= 0x2030 && c <= 0x205E) ||  // ‰ ′ ‹ › ‼ ⁇ ...
         (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||  // 、。 「」『』
         (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||  // ！（）、：？ ...
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

bool is_word(char32_t c) {
  return c != 0 && !is_space(c) && !is_punct(c);
}

bool is_digit(char32_t c) {
  return c >= '0' && c <= '9';
}

// Simple (one-to-one) lowercase mapping of the scripts Tatoeba's big
// languages use; everything else is returned as it is.
char32_t to_lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 0x20;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 0x20;  // À..Þ, but × is not a letter
  if (c >= 0x100 && c <= 0x17F) {                  // Latin Extended-A: pairs, mostly
    if ((c <= 0x12F || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 0)
      return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1) return c + 1;
    if (c == 0x178) return 0xFF;  // Ÿ -> ÿ
    return c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;  // Greek Α..Ϋ
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // Cyrillic А..Я
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;  // Ѐ..Џ
  return c;
}

}  // namespace

int64_t find_invalid_utf8(std::string_view text) {
  char32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    const int n = decode_utf8(text, i, cp);
    if (n == 0) return static_cast<int64_t>(i);
    i += static_cast<size_t>(n);
  }
  return -1;
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const int n = decode_utf8(text, i, cp);
    ATTN_CHECK(n > 0, "tokenize: the text is not valid UTF-8 at byte ", i);
    cps.push_back(cp);
    i += static_cast<size_t>(n);
  }

  std::vector<std::string> tokens;
  std::string cur;
  char32_t prev = 0;  // the last code point added to cur
  const auto flush = [&] {
    if (!cur.empty()) tokens.push_back(std::move(cur));
    cur.clear();
    prev = 0;
  };
  for (size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    const char32_t next = i + 1 < cps.size() ? cps[i + 1] : 0;
    if (is_space(c)) {
      flush();
      continue;
    }
    // Marks that join what is on both sides instead of standing alone.
    const bool inner_apostrophe = (c == '\'' || c == 0x2019) && is_word(prev) && is_word(next);
    const bool inner_hyphen = c == '-' && is_word(prev) && is_word(next);
    const bool decimal_mark = (c == '.' || c == ',') && is_digit(prev) && is_digit(next);
    if (inner_apostrophe || inner_hyphen || decimal_mark) {
      cur += c == 0x2019 ? '\'' : static_cast<char>(c);
      prev = c;
      continue;
    }
    if (is_punct(c)) {
      flush();
      std::string mark;
      append_utf8(c, mark);
      tokens.push_back(std::move(mark));
      continue;
    }
    append_utf8(to_lower(c), cur);
    prev = c;
  }
  flush();
  return tokens;
}

PairFile read_pair_file(const std::filesystem::path& path, bool swap_columns,
                        int64_t max_warnings) {
  std::ifstream in(path, std::ios::binary);
  ATTN_CHECK(in.is_open() && !std::filesystem::is_directory(path), "read_pair_file: cannot open ",
             path.string(), ", expected a text file of source<TAB>target lines");
  PairFile out;
  const auto warn = [&](int64_t line, std::string message) {
    ++out.malformed;
    if (static_cast<int64_t>(out.warnings.size()) < max_warnings) {
      out.warnings.push_back({line, std::move(message)});
    }
  };
  std::string line;
  while (std::getline(in, line)) {
    const int64_t n = ++out.lines;
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a byte order mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const int64_t bad = find_invalid_utf8(line);
    if (bad >= 0) {
      warn(n, "not valid UTF-8 at byte " + std::to_string(bad + 1) + " of the line");
      continue;
    }
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      warn(n, line.find_first_not_of(" \t") == std::string::npos
                  ? "empty line, expected source<TAB>target"
                  : "no tab, expected source<TAB>target");
      continue;
    }
    const size_t tab2 = line.find('\t', tab + 1);  // a third column (attribution) is ignored
    const std::string_view first = std::string_view(line).substr(0, tab);
    const std::string_view second = std::string_view(line).substr(
        tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
    TextPair p;
    p.src = tokenize(swap_columns ? second : first);
    p.tgt = tokenize(swap_columns ? first : second);
    p.line = n;
    if (p.src.empty() || p.tgt.empty()) {
      warn(n, std::string("empty ") + (p.src.empty() ? "source" : "target") +
                  (p.src.empty() && p.tgt.empty() ? " and target" : "") +
                  " (no word or punctuation in the column)");
      continue;
    }
    out.pairs.push_back(std::move(p));
  }
  return out;
}

SentencePairs load_sentence_pairs(const std::filesystem::path& path, const SentencePairOptions& o,
                                  uint64_t seed) {
  ATTN_CHECK(o.min_len >= 1, "load_sentence_pairs: min_len is ", o.min_len,
             ", expected at least 1");
  ATTN_CHECK(o.max_len == 0 || o.max_len >= o.min_len, "load_sentence_pairs: max_len is ",
             o.max_len, ", expected 0 (no limit) or at least min_len ", o.min_len);
  ATTN_CHECK(o.max_pairs >= 0, "load_sentence_pairs: max_pairs is ", o.max_pairs,
             ", expected 0 (all) or more");
  ATTN_CHECK(o.test_fraction >= 0 && o.test_fraction < 1, "load_sentence_pairs: test_fraction is ",
             o.test_fraction, ", expected a value in [0, 1)");
  ATTN_CHECK(o.min_count >= 1, "load_sentence_pairs: min_count is ", o.min_count,
             ", expected at least 1");
  ATTN_CHECK(o.max_vocab == 0 || o.max_vocab > kNumSpecials, "load_sentence_pairs: max_vocab is ",
             o.max_vocab, ", expected 0 (all) or more than the ", kNumSpecials, " specials");
  ATTN_CHECK(o.max_warnings >= 0, "load_sentence_pairs: max_warnings is ", o.max_warnings,
             ", expected >= 0");

  PairFile file = read_pair_file(path, o.swap_columns, o.max_warnings);
  SentencePairs d;
  d.warnings = std::move(file.warnings);
  d.malformed = file.malformed;
  d.lines = file.lines;

  const auto fits = [&](const std::vector<std::string>& s) {
    const auto n = static_cast<int64_t>(s.size());
    return n >= o.min_len && (o.max_len == 0 || n <= o.max_len);
  };
  std::vector<TextPair> kept;
  for (auto& p : file.pairs) {
    if (fits(p.src) && fits(p.tgt)) {
      kept.push_back(std::move(p));
    } else {
      ++d.outside_length;
    }
  }
  if (kept.empty()) {
    std::ostringstream why;
    why << "load_sentence_pairs: " << path.string() << ": no usable sentence pair in " << d.lines
        << " lines (" << d.malformed << " malformed, " << d.outside_length
        << " outside the lengths " << o.min_len << ".."
        << (o.max_len ? std::to_string(o.max_len) : std::string("any")) << " tokens)";
    for (size_t i = 0; i < std::min<size_t>(3, d.warnings.size()); ++i) {
      why << (i ? "; " : ": ") << "line " << d.warnings[i].line << ": " << d.warnings[i].message;
    }
    throw Error(why.str());
  }

  // Which pairs to keep and which to hold out: one draw of a private generator.
  Generator gen(seed);
  std::vector<int64_t> order(kept.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  shuffle_indices(order, gen);
  if (o.max_pairs > 0 && static_cast<int64_t>(order.size()) > o.max_pairs) {
    order.resize(static_cast<size_t>(o.max_pairs));
  }
  const auto n = static_cast<int64_t>(order.size());
  // At least one training pair: the vocabulary comes from it.
  const int64_t n_test =
      std::min(n - 1, static_cast<int64_t>(std::llround(static_cast<double>(n) * o.test_fraction)));
  std::vector<int64_t> test_idx(order.begin(), order.begin() + n_test);
  std::vector<int64_t> train_idx(order.begin() + n_test, order.end());
  // File order within each part: easier to read, and still fixed by the seed.
  std::sort(test_idx.begin(), test_idx.end());
  std::sort(train_idx.begin(), train_idx.end());
  for (const int64_t i : train_idx) d.train_text.push_back(kept[static_cast<size_t>(i)]);
  for (const int64_t i : test_idx) d.test_text.push_back(kept[static_cast<size_t>(i)]);

  std::vector<std::vector<std::string>> src_sentences, tgt_sentences;
  for (const auto& p : d.train_text) {
    src_sentences.push_back(p.src);
    tgt_sentences.push_back(p.tgt);
  }
  d.src_vocab = Vocab::from_sentences(src_sentences, o.min_count, o.max_vocab);
  d.tgt_vocab = Vocab::from_sentences(tgt_sentences, o.min_count, o.max_vocab);
  const auto encode = [&](const std::vector<TextPair>& text, std::vector<SeqPair>& ids) {
    for (const auto& p : text)
      ids.push_back({d.src_vocab.encode(p.src), d.tgt_vocab.encode(p.tgt)});
  };
  encode(d.train_text, d.train);
  encode(d.test_text, d.test);
  return d;
}

}  // namespace attn::data
