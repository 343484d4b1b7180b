#pragma once
// A vocabulary: the two-way map between tokens (strings) and the whole-number
// ids an Embedding layer looks up. Every vocabulary of the library starts with
// the same four special tokens at fixed ids, so models, batches and decoders
// agree on them without asking:
//
//   id 0  <pad>  fills a batch row after its sequence ends (masked out)
//   id 1  <bos>  "begin of sequence": the decoder's first input
//   id 2  <eos>  "end of sequence": the decoder emits it to stop
//   id 3  <unk>  any token the vocabulary does not hold
//
// Real tokens get ids 4, 5, ... in the order they were added.
//
//   Vocab v = Vocab::from_counts(counts, /*min_count=*/2, /*max_size=*/5000);
//   std::vector<int64_t> ids = v.encode({"the", "cat"});     // {17, 912}
//   v.decode({17, 912, kEos, kPad});                         // {"the", "cat"}
//   v.save("run/vocab.txt");  Vocab w = Vocab::load("run/vocab.txt");
//
// The file format is plain text, one token per line, line i (from 0) holding
// the token of id i; the first four lines are the specials. (A text file
// rather than JSON: a token list needs no structure.) Tokens are therefore
// non-empty and hold no line break.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace attn::data {

inline constexpr int64_t kPad = 0;
inline constexpr int64_t kBos = 1;
inline constexpr int64_t kEos = 2;
inline constexpr int64_t kUnk = 3;
inline constexpr int64_t kNumSpecials = 4;

inline constexpr const char* kPadToken = "<pad>";
inline constexpr const char* kBosToken = "<bos>";
inline constexpr const char* kEosToken = "<eos>";
inline constexpr const char* kUnkToken = "<unk>";

class Vocab {
 public:
  Vocab();  // the four specials only

  // Tokens seen at least `min_count` times, most frequent first; equal counts
  // in byte order of the token, so the ids never depend on hash or insertion
  // order. `max_size` > 0 caps the size *including* the four specials (the
  // rarest tokens are dropped); 0 means no cap. Specials in `counts` are
  // ignored (they are always there).
  static Vocab from_counts(const std::map<std::string, int64_t>& counts, int64_t min_count = 1,
                           int64_t max_size = 0);
  // Counts the tokens of `sentences`, then from_counts.
  static Vocab from_sentences(const std::vector<std::vector<std::string>>& sentences,
                              int64_t min_count = 1, int64_t max_size = 0);
  // The specials, then `tokens` in the order given (duplicates once).
  static Vocab from_tokens(const std::vector<std::string>& tokens);

  // Adds `token` (if new) and returns its id. Throws attn::Error for an empty
  // token or one holding '\n' or '\r' (it could not be saved).
  int64_t add(const std::string& token);
  // The id of `token`, or kUnk when it is not in the vocabulary.
  int64_t lookup(const std::string& token) const;
  bool contains(const std::string& token) const { return index_.count(token) != 0; }
  // The token of `id`; throws attn::Error when id is not in [0, size()).
  const std::string& token_of(int64_t id) const;
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Ids of `tokens` (unknown ones become kUnk), with <bos> in front and/or
  // <eos> at the end when asked.
  std::vector<int64_t> encode(const std::vector<std::string>& tokens, bool add_bos = false,
                              bool add_eos = false) const;
  // Tokens of `ids` up to the first <eos>. Without keep_specials, <pad> and
  // <bos> are dropped and the <eos> is not shown; with it, every token is
  // shown, the stopping <eos> included. <unk> is always shown: it stands for a
  // word. Throws attn::Error for an id outside the vocabulary.
  std::vector<std::string> decode(const std::vector<int64_t>& ids,
                                  bool keep_specials = false) const;

  // One token per line (see the top of this file); written atomically.
  void save(const std::filesystem::path& path) const;
  // Reads a file written by save(). Throws attn::Error naming the file and
  // line for a missing file, specials not in lines 1-4, an empty line or a
  // token that appears twice.
  static Vocab load(const std::filesystem::path& path);

  friend bool operator==(const Vocab& a, const Vocab& b) { return a.tokens_ == b.tokens_; }

 private:
  std::vector<std::string> tokens_;                 // id -> token
  std::unordered_map<std::string, int64_t> index_;  // token -> id
};

// The tokens joined by single spaces (for printing a decoded sequence).
std::string join_tokens(const std::vector<std::string>& tokens, const std::string& sep = " ");

}  // namespace attn::data
