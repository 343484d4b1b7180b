#include "train/io/strict_json.h"

#include <algorithm>
#include <set>
#include <vector>

#include "autograd/error.h"

namespace attn::train {

namespace {

// The key that repeats and where, carried out of the parser callback.
struct Duplicate {
  std::string key;
};
struct TooDeep {};

// "at line L, column C" of byte offset `at`, for messages from a parser that
// gives only the byte.
std::string line_and_column(std::string_view text, std::size_t at) {
  at = std::min(at, text.size());
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  const auto line_start = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
  const auto column = at - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "at line " + std::to_string(line) + ", column " + std::to_string(column);
}

// nlohmann's message without its "[json.exception.parse_error.101] " id.
std::string without_id(const std::string& what) {
  const auto close = what.find("] ");
  if (what.rfind("[json.", 0) == 0 && close != std::string::npos) return what.substr(close + 2);
  return what;
}

}  // namespace

nlohmann::json parse_strict_json(std::string_view text, const std::string& where) {
  using nlohmann::json;
  // One set of keys per open object or array (an array's stays empty), so a key is
  // checked against the keys of its own object only.
  std::vector<std::set<std::string>> open;
  auto check = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (static_cast<int>(open.size()) >= kMaxJsonDepth) throw TooDeep{};
        open.emplace_back();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open.empty()) open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && !open.back().insert(parsed.get<std::string>()).second) {
          throw Duplicate{parsed.get<std::string>()};
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const TooDeep&) {
    fail(where, ": nested more than ", kMaxJsonDepth,
         " levels deep (lists or objects inside each other)");
  } catch (const Duplicate& d) {
    fail(where, ": the key \"", d.key, "\" appears twice in one object; keep one");
  } catch (const json::parse_error& e) {
    std::string what = without_id(e.what());
    // Recent versions of the library name the line and column, older ones only the byte.
    if (what.find("line ") == std::string::npos) {
      what = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1) + ": " + what;
    }
    fail(where, ": not valid JSON: ", what);
  } catch (const json::exception& e) {
    // e.g. out_of_range 406: "number overflow parsing '1e400'".
    fail(where, ": not valid JSON: ", without_id(e.what()),
         " (numbers must fit in a double, up to about 1.8e308)");
  }
}

std::string brief_json(const nlohmann::json& v, std::size_t max_chars) {
  // A large or nested value is summarised rather than dumped: its dump would
  // be long (and recursive).
  bool flat = v.size() <= 16;
  if (v.is_structured()) {
    for (const auto& item : v) flat = flat && item.is_primitive();
  }
  std::string text;
  if (!flat) {
    text = v.is_array() ? "[a list of " + std::to_string(v.size()) + "]"
                        : "{an object of " + std::to_string(v.size()) + " keys}";
  } else {
    text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (text.size() > max_chars) text = text.substr(0, max_chars > 3 ? max_chars - 3 : 0) + "...";
  return text;
}

}  // namespace attn::train
