// Sentence pairs from a Tatoeba/ManyThings TSV file: the tokenizer keeps UTF-8
// whole, malformed lines are reported by number and skipped, the split and
// the vocabularies follow the seed and the training part.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/sentence_pairs.h"

namespace attn::data {
namespace {

using Words = std::vector<std::string>;

class SentencePairsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("attn_test_pairs_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::filesystem::path dir_;
};

TEST(Tokenize, SplitsPunctuationAndLowercases) {
  EXPECT_EQ(tokenize("Ich möchte ein Bier."), (Words{"ich", "möchte", "ein", "bier", "."}));
  EXPECT_EQ(tokenize("Go."), (Words{"go", "."}));
  EXPECT_EQ(tokenize("  Hello,   world!! "), (Words{"hello", ",", "world", "!", "!"}));
  EXPECT_EQ(tokenize("Don't go!"), (Words{"don't", "go", "!"}));
  EXPECT_EQ(tokenize("'Quoted'"), (Words{"'", "quoted", "'"}));
  EXPECT_EQ(tokenize("Est-ce que c’est vrai ?"), (Words{"est-ce", "que", "c'est", "vrai", "?"}));
  EXPECT_EQ(tokenize("It costs 3.50 dollars, 2,000 cents."),
            (Words{"it", "costs", "3.50", "dollars", ",", "2,000", "cents", "."}));
  EXPECT_EQ(tokenize(""), Words{});
}

TEST(Tokenize, KeepsMultiByteCharactersWhole) {
  EXPECT_EQ(tokenize("¿Dónde está?"), (Words{"¿", "dónde", "está", "?"}));
  EXPECT_EQ(tokenize("ÄÖÜ STRASSE Straße"), (Words{"äöü", "strasse", "straße"}));
  EXPECT_EQ(tokenize("«Ça va», dit-il…"), (Words{"«", "ça", "va", "»", ",", "dit-il", "…"}));
  // French puts a no-break space (U+00A0) or narrow one (U+202F) before ? and !.
  EXPECT_EQ(tokenize("Vraiment\xC2\xA0? Oui\xE2\x80\xAF!"), (Words{"vraiment", "?", "oui", "!"}));
  EXPECT_EQ(tokenize("Привет, Мир!"), (Words{"привет", ",", "мир", "!"}));
  EXPECT_EQ(tokenize("ΚΑΛΗΜΈΡΑ"), (Words{"καλημέρα"}));
  EXPECT_EQ(tokenize("Łódź Ŀ Ÿ"), (Words{"łódź", "ŀ", "ÿ"}));
  EXPECT_EQ(tokenize("我爱你。"), (Words{"我爱你", "。"})) << "no word segmentation, no cut bytes";
  EXPECT_EQ(tokenize("Emoji 🙂 ok"), (Words{"emoji", "🙂", "ok"}));
  // Every token is valid UTF-8 on its own.
  for (const auto& t :
       tokenize("Ich möchte ein Bier. ¿Dónde está? Привет 🙂 我爱你。")) {
    EXPECT_EQ(find_invalid_utf8(t), -1) << t;
  }
}

TEST(Tokenize, FindsInvalidUtf8) {
  EXPECT_EQ(find_invalid_utf8("ok möchte"), -1);
  EXPECT_EQ(find_invalid_utf8("ab\xFFzz"), 2);
  EXPECT_EQ(find_invalid_utf8("m\xC3"), 1) << "truncated two-byte sequence";
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0) << "overlong '/'";
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1) << "a surrogate";
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0) << "past U+10FFFF";
  EXPECT_EQ(find_invalid_utf8("\x80"), 0) << "a lone continuation byte";
  EXPECT_THROW(tokenize("bad \xFF byte"), Error);
}

// Lines: 1 good with attribution, 2 no tab, 3 empty target, 4 invalid UTF-8,
// 5 good (CRLF, extra columns), 6 blank, 7 good UTF-8, 8 only punctuation-free
// whitespace as source, 9 good.
const char* kMixedFile =
    "\xEF\xBB\xBFGo.\tGeh.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n"
    "no tab on this line\n"
    "Hello!\t   \n"
    "Caf\xE9 is Latin-1\tKaffee\n"
    "I want a beer.\tIch möchte ein Bier.\textra\tcolumns\r\n"
    "\n"
    "Where is it?\tWo ist es?\n"
    "   \tLeer.\n"
    "Thank you.\tDanke.\n";

TEST_F(SentencePairsTest, ReportsMalformedLinesByNumber) {
  const PairFile f = read_pair_file(write("mixed.tsv", kMixedFile));
  EXPECT_EQ(f.lines, 9);
  EXPECT_EQ(f.malformed, 5);
  std::vector<int64_t> bad;
  for (const auto& w : f.warnings) bad.push_back(w.line);
  EXPECT_EQ(bad, (std::vector<int64_t>{2, 3, 4, 6, 8}));
  EXPECT_NE(f.warnings[0].message.find("no tab"), std::string::npos) << f.warnings[0].message;
  EXPECT_NE(f.warnings[1].message.find("empty target"), std::string::npos);
  EXPECT_NE(f.warnings[2].message.find("UTF-8"), std::string::npos);
  EXPECT_NE(f.warnings[2].message.find("byte 4"), std::string::npos) << f.warnings[2].message;
  EXPECT_NE(f.warnings[3].message.find("empty line"), std::string::npos);
  EXPECT_NE(f.warnings[4].message.find("empty source"), std::string::npos);

  ASSERT_EQ(f.pairs.size(), 4u);
  EXPECT_EQ(f.pairs[0].line, 1);
  EXPECT_EQ(f.pairs[0].src, (Words{"go", "."})) << "the byte order mark is dropped";
  EXPECT_EQ(f.pairs[0].tgt, (Words{"geh", "."})) << "the attribution column is ignored";
  EXPECT_EQ(f.pairs[1].line, 5);
  EXPECT_EQ(f.pairs[1].tgt, (Words{"ich", "möchte", "ein", "bier", "."}));
  EXPECT_EQ(f.pairs[2].line, 7);
  EXPECT_EQ(f.pairs[3].line, 9);

  const PairFile swapped = read_pair_file(write("mixed.tsv", kMixedFile), /*swap_columns=*/true);
  EXPECT_EQ(swapped.pairs[1].src, (Words{"ich", "möchte", "ein", "bier", "."}));
  EXPECT_EQ(swapped.pairs[1].tgt, (Words{"i", "want", "a", "beer", "."}));

  const PairFile capped = read_pair_file(write("mixed.tsv", kMixedFile), false, 2);
  EXPECT_EQ(capped.warnings.size(), 2u);
  EXPECT_EQ(capped.malformed, 5) << "the count covers every skipped line";
}

TEST_F(SentencePairsTest, LoadBuildsVocabulariesFromTheTrainingPart) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "I see " + std::to_string(i) + " birds.\tIch sehe " + std::to_string(i) +
            " Vögel.\tCC-BY\n";
  }
  text += "This line is far too long to keep under the limit of six tokens .\tZu lang.\n";
  text += "broken line\n";
  const auto path = write("birds.tsv", text);
  SentencePairOptions o;
  o.max_len = 6;
  o.test_fraction = 0.25;
  const SentencePairs d = load_sentence_pairs(path, o, 42);
  EXPECT_EQ(d.lines, 42);
  EXPECT_EQ(d.malformed, 1);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0].line, 42);
  EXPECT_EQ(d.outside_length, 1);
  EXPECT_EQ(d.train.size() + d.test.size(), 40u);
  EXPECT_EQ(d.test.size(), 10u);
  EXPECT_EQ(d.train_text.size(), d.train.size());

  // Every number seen only in the test part is <unk> there; the shared words are known.
  std::set<std::string> train_words;
  for (const auto& p : d.train_text) train_words.insert(p.src.begin(), p.src.end());
  for (size_t i = 0; i < d.test.size(); ++i) {
    const auto& words = d.test_text[i].src;
    ASSERT_EQ(d.test[i].src.size(), words.size());
    for (size_t k = 0; k < words.size(); ++k) {
      const bool known = train_words.count(words[k]) != 0;
      EXPECT_EQ(d.test[i].src[k] == kUnk, !known) << words[k];
    }
  }
  EXPECT_TRUE(d.tgt_vocab.contains("vögel"));
  EXPECT_EQ(d.src_vocab.decode(d.train[0].src), d.train_text[0].src);
  EXPECT_EQ(d.tgt_vocab.decode(d.train[0].tgt), d.train_text[0].tgt);

  // The same seed, the same split; another seed, another.
  const SentencePairs again = load_sentence_pairs(path, o, 42);
  const SentencePairs other = load_sentence_pairs(path, o, 43);
  const auto lines = [](const std::vector<TextPair>& ps) {
    std::vector<int64_t> out;
    for (const auto& p : ps) out.push_back(p.line);
    return out;
  };
  EXPECT_EQ(lines(again.test_text), lines(d.test_text));
  EXPECT_NE(lines(other.test_text), lines(d.test_text));

  o.max_pairs = 8;
  const SentencePairs few = load_sentence_pairs(path, o, 42);
  EXPECT_EQ(few.train.size() + few.test.size(), 8u);
  EXPECT_EQ(few.test.size(), 2u);
}

TEST_F(SentencePairsTest, NoUsableLineIsAnError) {
  const auto path = write("bad.tsv", "no tab here\nnor here\n\xFF\xFE\t\xFF\n");
  try {
    load_sentence_pairs(path, {}, 1);
    FAIL() << "a file without a usable line must throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("3 malformed"), std::string::npos) << m;
    EXPECT_NE(m.find("line 1"), std::string::npos) << m;
  }
  const auto long_only = write("long.tsv", "a b c d e f\tg h i j k l\n");
  SentencePairOptions o;
  o.max_len = 3;
  EXPECT_THROW(load_sentence_pairs(long_only, o, 1), Error);
  EXPECT_THROW(load_sentence_pairs(dir_ / "missing.tsv", {}, 1), Error);
  EXPECT_THROW(load_sentence_pairs(dir_, {}, 1), Error) << "a directory";
  o.max_len = 0;
  o.test_fraction = 1.0;
  EXPECT_THROW(load_sentence_pairs(long_only, o, 1), Error);
  o.test_fraction = 0.1;
  o.max_vocab = 4;
  EXPECT_THROW(load_sentence_pairs(long_only, o, 1), Error) << "room for the specials only";
  o.max_vocab = 0;
  o.min_count = 0;
  EXPECT_THROW(load_sentence_pairs(long_only, o, 1), Error);
  // One usable pair: it trains, nothing is held out.
  const SentencePairs one = load_sentence_pairs(long_only, {}, 1);
  EXPECT_EQ(one.train.size(), 1u);
  EXPECT_EQ(one.test.size(), 0u);
}

}  // namespace
}  // namespace attn::data
