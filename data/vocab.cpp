#include "data/vocab.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "autograd/error.h"
#include "data/atomic_file.h"

namespace attn::data {

Vocab::Vocab() {
  for (const char* s : {kPadToken, kBosToken, kEosToken, kUnkToken}) add(s);
}

Vocab Vocab::from_counts(const std::map<std::string, int64_t>& counts, int64_t min_count,
                         int64_t max_size) {
  ATTN_CHECK(min_count >= 1, "Vocab::from_counts: min_count is ", min_count,
             ", expected at least 1");
  ATTN_CHECK(max_size == 0 || max_size >= kNumSpecials, "Vocab::from_counts: max_size is ",
             max_size, ", expected 0 (no cap) or at least ", kNumSpecials, " (the specials)");
  Vocab v;
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto& [token, count] : counts) {
    if (count >= min_count && !v.contains(token)) kept.emplace_back(token, count);
  }
  // Most frequent first; the map already gave byte order, and stable_sort keeps it among equals.
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [token, count] : kept) {
    if (max_size > 0 && v.size() >= max_size) break;
    v.add(token);
  }
  return v;
}

Vocab Vocab::from_sentences(const std::vector<std::vector<std::string>>& sentences,
                            int64_t min_count, int64_t max_size) {
  std::map<std::string, int64_t> counts;
  for (const auto& s : sentences) {
    for (const auto& t : s) ++counts[t];
  }
  return from_counts(counts, min_count, max_size);
}

Vocab Vocab::from_tokens(const std::vector<std::string>& tokens) {
  Vocab v;
  for (const auto& t : tokens) v.add(t);
  return v;
}

int64_t Vocab::add(const std::string& token) {
  ATTN_CHECK(!token.empty(), "Vocab::add: empty token (id ", size(), " would be an empty line)");
  ATTN_CHECK(token.find_first_of("\r\n") == std::string::npos, "Vocab::add: token \"", token,
             "\" holds a line break; tokens are one line each in the saved file");
  const auto it = index_.find(token);
  if (it != index_.end()) return it->second;
  const int64_t id = size();
  tokens_.push_back(token);
  index_.emplace(token, id);
  return id;
}

int64_t Vocab::lookup(const std::string& token) const {
  const auto it = index_.find(token);
  return it == index_.end() ? kUnk : it->second;
}

const std::string& Vocab::token_of(int64_t id) const {
  ATTN_CHECK(id >= 0 && id < size(), "Vocab::token_of: id ", id, " is outside the vocabulary [0, ",
             size(), ")");
  return tokens_[static_cast<size_t>(id)];
}

std::vector<int64_t> Vocab::encode(const std::vector<std::string>& tokens, bool add_bos,
                                   bool add_eos) const {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size() + 2);
  if (add_bos) ids.push_back(kBos);
  for (const auto& t : tokens) ids.push_back(lookup(t));
  if (add_eos) ids.push_back(kEos);
  return ids;
}

std::vector<std::string> Vocab::decode(const std::vector<int64_t>& ids, bool keep_specials) const {
  std::vector<std::string> out;
  for (const int64_t id : ids) {
    const std::string& token = token_of(id);  // checks the range first
    if (id == kEos) {
      if (keep_specials) out.push_back(token);
      break;
    }
    if (!keep_specials && (id == kPad || id == kBos)) continue;
    out.push_back(token);
  }
  return out;
}

void Vocab::save(const std::filesystem::path& path) const {
  std::string text;
  for (const auto& t : tokens_) {
    text += t;
    text += '\n';
  }
  write_file_atomic(path, std::string_view(text));
}

Vocab Vocab::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  ATTN_CHECK(in.is_open(), "Vocab::load: cannot open ", path.string());
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file edited on Windows
    tokens.push_back(line);
  }
  const char* specials[] = {kPadToken, kBosToken, kEosToken, kUnkToken};
  for (int64_t i = 0; i < kNumSpecials; ++i) {
    ATTN_CHECK(
        i < static_cast<int64_t>(tokens.size()) && tokens[i] == specials[i],
        "Vocab::load: ", path.string(), ": line ", i + 1, " should be ", specials[i],
        " (the specials come ", "first, at ids 0-3), found ",
        i < static_cast<int64_t>(tokens.size()) ? "\"" + tokens[i] + "\"" : "the end of file");
  }
  Vocab v;
  for (size_t i = kNumSpecials; i < tokens.size(); ++i) {
    ATTN_CHECK(!tokens[i].empty(), "Vocab::load: ", path.string(), ": line ", i + 1,
               " is empty, expected one token per line");
    ATTN_CHECK(!v.contains(tokens[i]), "Vocab::load: ", path.string(), ": line ", i + 1,
               ": token \"", tokens[i], "\" already appeared at line ", v.lookup(tokens[i]) + 1);
    v.add(tokens[i]);
  }
  return v;
}

std::string join_tokens(const std::vector<std::string>& tokens, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) out += sep;
    out += tokens[i];
  }
  return out;
}

}  // namespace attn::data
