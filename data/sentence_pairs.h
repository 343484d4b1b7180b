#pragma once
// Real translation data: sentence pairs in the tab-separated format of the
// Tatoeba project as manythings.org/anki packs it (e.g. deu-eng/deu.txt):
//
//   Go.<TAB>Geh.<TAB>CC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #8597805 (Roujin)
//
// one pair per line, source first; a third and further columns (the
// attribution) are ignored. The tutorials take such a file with --data FILE.
//
//   SentencePairOptions o;  o.max_len = 10;  o.max_pairs = 20000;
//   SentencePairs d = load_sentence_pairs("deu.txt", o, /*seed=*/1);
//   for (const auto& w : d.warnings) std::cerr << w.line << ": " << w.message << "\n";
//   d.train;   // std::vector<SeqPair>: ids of d.src_vocab / d.tgt_vocab
//   d.test_text[0].src;   // {"ich", "möchte", "ein", "bier", "."}
//
// A line that cannot be read as a pair (no tab, an empty side, bytes that are
// not UTF-8) is skipped and reported with its line number, never guessed at.
// The vocabularies are built from the training part only, so test sentences
// meet <unk> for words never seen in training, as real test data would.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/seq_batch.h"
#include "data/vocab.h"

namespace attn::data {

// ---- tokenizer --------------------------------------------------------------
// Splits UTF-8 text into lowercase words and punctuation marks:
//   "Ich möchte ein Bier."   -> {"ich", "möchte", "ein", "bier", "."}
//   "¿Dónde está?"           -> {"¿", "dónde", "está", "?"}
//   "Don't go!"              -> {"don't", "go", "!"}
// - whitespace (including the no-break spaces French text puts before "?" and
//   "!") separates tokens; every punctuation mark is a token of its own;
// - an apostrophe (' or ’, written as ') or a hyphen between two letters stays
//   inside the word ("don't", "l'homme", "est-ce"), and so does a '.' or ','
//   between two digits ("3.5");
// - lowercasing covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic;
//   other characters pass through unchanged, whole: the input is walked by
//   code point, so a multi-byte character is never cut. Scripts written
//   without spaces (Chinese, Japanese) are not segmented into words.
// Throws attn::Error when `text` is not valid UTF-8.
std::vector<std::string> tokenize(std::string_view text);

// The byte offset of the first invalid UTF-8 sequence in `text` (overlong
// forms, surrogates and code points past U+10FFFF count as invalid), or -1.
int64_t find_invalid_utf8(std::string_view text);

// ---- reading a file ---------------------------------------------------------
struct LineWarning {
  int64_t line = 0;  // 1-based, as an editor shows it
  std::string message;
};

struct TextPair {
  std::vector<std::string> src, tgt;  // tokens
  int64_t line = 0;                   // where it came from in the file
};

struct PairFile {
  std::vector<TextPair> pairs;        // the usable lines, in file order
  std::vector<LineWarning> warnings;  // the first `max_warnings` skipped lines
  int64_t malformed = 0;              // every skipped line (may exceed warnings.size())
  int64_t lines = 0;                  // lines in the file
};

// Reads and tokenizes every line; `swap_columns` reads target<TAB>source
// (e.g. to translate English into German from deu.txt). A UTF-8 byte order
// mark at the start and a '\r' at a line's end (Windows files) are dropped.
// Throws attn::Error only when the file cannot be opened.
PairFile read_pair_file(const std::filesystem::path& path, bool swap_columns = false,
                        int64_t max_warnings = 100);

// ---- a dataset ----------------------------------------------------------------
struct SentencePairOptions {
  int64_t min_len = 1;         // keep pairs with both sides of min_len..max_len tokens
  int64_t max_len = 0;         // 0: no upper limit
  int64_t max_pairs = 0;       // after filtering, keep a random max_pairs (0: all)
  double test_fraction = 0.1;  // of the kept pairs, held out for testing
  int64_t min_count = 1;       // vocabulary: tokens seen at least this often in training
  int64_t max_vocab = 0;       // vocabulary: at most this many ids, specials included (0: all)
  bool swap_columns = false;   // see read_pair_file
  int64_t max_warnings = 100;
};

struct SentencePairs {
  Vocab src_vocab, tgt_vocab;                   // from the training part
  std::vector<SeqPair> train, test;             // ids (unknown words -> <unk>)
  std::vector<TextPair> train_text, test_text;  // the same pairs as tokens, with line numbers
  std::vector<LineWarning> warnings;            // skipped lines (the first max_warnings)
  int64_t malformed = 0;                        // skipped lines, all of them
  int64_t outside_length = 0;                   // usable lines dropped by min_len/max_len
  int64_t lines = 0;                            // lines in the file
};

// Reads `path`, drops pairs outside the length limits, draws (with
// Generator(seed)) the pairs to keep and the test part, and builds the
// vocabularies from the training part. Throws attn::Error for options out of
// range, a file that cannot be opened, or no usable pair (the message gives
// the counts and the first problems found).
SentencePairs load_sentence_pairs(const std::filesystem::path& path,
                                  const SentencePairOptions& options, uint64_t seed);

}  // namespace attn::data
