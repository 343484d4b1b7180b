#include "train/run/config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autograd/error.h"

namespace attn::train {

namespace {

// Edit distance, for "did you mean" on a misspelt key.
std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string describe(const nlohmann::json& v) {
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  const char* kind = v.is_boolean()          ? "true/false"
                     : v.is_number_integer() ? "a whole number"
                     : v.is_number()         ? "a number"
                     : v.is_string()         ? "a string"
                     : v.is_array()          ? "a list"
                     : v.is_object()         ? "an object"
                                             : "null";
  return text + " (" + kind + ")";
}

}  // namespace

Config::Config(nlohmann::json values, std::string source)
    : values_(std::move(values)), source_(std::move(source)) {
  if (!values_.is_object()) {
    throw Error("config " + source_ + ": expected a JSON object such as " +
                "{\"epochs\": 10, \"lr\": 0.001}, got " + describe(values_));
  }
}

Config Config::load(const std::filesystem::path& path) {
  const std::string name = std::string("'").append(path.string()).append("'");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("--config " + name + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("--config " + name + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  try {
    return Config(nlohmann::json::parse(text), name);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message starts with an id ("[json.exception.parse_error.101] ") a
    // learner does not need; recent versions name the line and column, older
    // ones only the byte, so add the line and column when they are missing.
    std::string what = e.what();
    if (const auto close = what.find("] "); what.rfind("[json.", 0) == 0 && close != what.npos) {
      what = what.substr(close + 2);
    }
    if (what.find("line ") == std::string::npos) {
      const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
      const auto line = 1 + std::count(text.begin(), text.begin() + at, '\n');
      const auto line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
      const auto column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
      what = "at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what;
    }
    throw Error("--config " + name + ": invalid JSON: " + what);
  }
}

void Config::type_error(const std::string& key, const std::string& expected,
                        const nlohmann::json& got) const {
  throw Error("config " + source_ + ": key \"" + key + "\" expects " + expected + ", got " +
              describe(got));
}

void Config::check_unknown_keys() const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : values_.items()) {
    if (!used_.contains(key)) unknown.push_back(key);
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& [key, value] : used_.items()) known += (known.empty() ? "" : ", ") + key;
  std::string msg = "config " + source_ + ": unknown key";
  msg += unknown.size() > 1 ? "s " : " ";
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    msg += (i ? ", \"" : "\"") + unknown[i] + "\"";
    // Suggest the nearest known key when it is a plausible typo.
    std::string best;
    std::size_t best_d = 3;
    for (const auto& [key, value] : used_.items()) {
      const std::size_t d = levenshtein(unknown[i], key);
      if (d < best_d) best_d = d, best = key;
    }
    if (!best.empty()) msg += " (did you mean \"" + best + "\"?)";
  }
  msg += ". The keys this tutorial reads are: " + (known.empty() ? "(none)" : known);
  throw Error(msg);
}

}  // namespace attn::train
