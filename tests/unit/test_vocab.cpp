// Vocab: fixed special ids, deterministic building from counts, encode/decode,
// and the one-token-per-line file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/vocab.h"

namespace attn::data {
namespace {

std::filesystem::path temp_dir() {
  const auto dir =
      std::filesystem::temp_directory_path() / ("attn_test_vocab_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Vocab, SpecialsHaveFixedIds) {
  const Vocab v;
  ASSERT_EQ(v.size(), 4);
  EXPECT_EQ(v.lookup("<pad>"), 0);
  EXPECT_EQ(v.lookup("<bos>"), 1);
  EXPECT_EQ(v.lookup("<eos>"), 2);
  EXPECT_EQ(v.lookup("<unk>"), 3);
  EXPECT_EQ(v.token_of(kPad), "<pad>");
  EXPECT_EQ(v.token_of(kEos), "<eos>");
}

TEST(Vocab, AddLookupTokenOf) {
  Vocab v;
  EXPECT_EQ(v.add("cat"), 4);
  EXPECT_EQ(v.add("dog"), 5);
  EXPECT_EQ(v.add("cat"), 4) << "adding a known token returns its id";
  EXPECT_EQ(v.size(), 6);
  EXPECT_EQ(v.lookup("dog"), 5);
  EXPECT_EQ(v.lookup("bird"), kUnk);
  EXPECT_TRUE(v.contains("cat"));
  EXPECT_FALSE(v.contains("bird"));
  EXPECT_EQ(v.token_of(5), "dog");
  EXPECT_THROW(v.token_of(6), Error);
  EXPECT_THROW(v.token_of(-1), Error);
  EXPECT_THROW(v.add(""), Error);
  EXPECT_THROW(v.add("two\nlines"), Error);
}

TEST(Vocab, FromCountsOrdersByCountThenBytesAndHonoursLimits) {
  const std::map<std::string, int64_t> counts = {{"the", 10}, {"cat", 3}, {"bat", 3},
                                                 {"sat", 5},  {"on", 1},  {"<eos>", 99}};
  const Vocab v = Vocab::from_counts(counts);
  // Specials first, "<eos>" from the counts not added twice; the tie cat/bat in byte order.
  const std::vector<std::string> expect = {"<pad>", "<bos>", "<eos>", "<unk>", "the",
                                           "sat",   "bat",   "cat",   "on"};
  EXPECT_EQ(v.tokens(), expect);

  const Vocab frequent = Vocab::from_counts(counts, /*min_count=*/3);
  EXPECT_EQ(frequent.size(), 8);
  EXPECT_FALSE(frequent.contains("on"));

  const Vocab capped = Vocab::from_counts(counts, 1, /*max_size=*/6);
  const std::vector<std::string> expect_capped = {"<pad>", "<bos>", "<eos>", "<unk>", "the", "sat"};
  EXPECT_EQ(capped.tokens(), expect_capped);

  EXPECT_THROW(Vocab::from_counts(counts, 0), Error);
  EXPECT_THROW(Vocab::from_counts(counts, 1, 3), Error);
}

TEST(Vocab, FromSentencesCountsTokens) {
  const Vocab v = Vocab::from_sentences({{"a", "b", "a"}, {"c", "a", "b"}});
  const std::vector<std::string> expect = {"<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"};
  EXPECT_EQ(v.tokens(), expect);
}

TEST(Vocab, EncodeDecode) {
  const Vocab v = Vocab::from_tokens({"i", "like", "tea"});
  EXPECT_EQ(v.encode({"i", "like", "coffee"}), (std::vector<int64_t>{4, 5, kUnk}));
  EXPECT_EQ(v.encode({"tea"}, true, true), (std::vector<int64_t>{kBos, 6, kEos}));

  const std::vector<int64_t> ids = {kBos, 4, 5, kUnk, kEos, 6, kPad};
  EXPECT_EQ(v.decode(ids), (std::vector<std::string>{"i", "like", "<unk>"}))
      << "stops at <eos>, drops <bos>, keeps <unk>";
  EXPECT_EQ(v.decode(ids, /*keep_specials=*/true),
            (std::vector<std::string>{"<bos>", "i", "like", "<unk>", "<eos>"}));
  EXPECT_EQ(v.decode({4, kPad, 6}), (std::vector<std::string>{"i", "tea"}));
  EXPECT_EQ(v.decode({}), std::vector<std::string>{});
  EXPECT_THROW(v.decode({4, 7}), Error);
  EXPECT_EQ(join_tokens(v.decode({4, 5, 6})), "i like tea");
}

TEST(Vocab, SaveLoadRoundTrip) {
  const auto dir = temp_dir();
  const Vocab v = Vocab::from_tokens({"ich", "möchte", "ein", "bier", ".", "<b>"});
  v.save(dir / "vocab.txt");
  const Vocab w = Vocab::load(dir / "vocab.txt");
  EXPECT_EQ(w, v);
  EXPECT_EQ(w.lookup("möchte"), 5);

  std::ifstream in(dir / "vocab.txt");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "<pad>") << "line 1 is id 0";
  std::filesystem::remove_all(dir);
}

TEST(Vocab, LoadRejectsBadFilesByLine) {
  const auto dir = temp_dir();
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "v.txt", std::ios::binary) << text;
    return dir / "v.txt";
  };
  const auto message = [](const std::filesystem::path& p) {
    try {
      Vocab::load(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(write("<pad>\n<bos>\n<unk>\n<eos>\na\n")).find("line 3"), std::string::npos);
  EXPECT_NE(message(write("<pad>\n<bos>\n")).find("line 3"), std::string::npos);
  EXPECT_NE(message(write("<pad>\n<bos>\n<eos>\n<unk>\na\nb\na\n")).find("line 7"),
            std::string::npos);
  EXPECT_NE(message(write("<pad>\n<bos>\n<eos>\n<unk>\na\n\nb\n")).find("line 6"),
            std::string::npos);
  EXPECT_NE(message(dir / "missing.txt").find("cannot open"), std::string::npos);
  // Windows line ends are read as the same tokens.
  const Vocab crlf = Vocab::load(write("<pad>\r\n<bos>\r\n<eos>\r\n<unk>\r\nx\r\n"));
  EXPECT_EQ(crlf.lookup("x"), 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace attn::data
