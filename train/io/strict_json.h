#pragma once
// JSON from files a user hands us (configs, checkpoint headers), parsed with
// the checks nlohmann's parser leaves out:
//   - nesting deeper than kMaxJsonDepth is refused while parsing, before the
//     value is built: a million '[' would otherwise exhaust the stack in any
//     code that walks the value recursively (dump, comparisons, messages);
//   - a key that appears twice in one object is an error naming the key (the
//     library would silently keep the last value);
//   - every parser exception (a syntax error, a number too big for a double)
//     becomes attn::Error starting with `where`, without the library's
//     "[json.exception...]" prefix.
//
//   nlohmann::json j = parse_strict_json(text, "--config 'run.json'");
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace attn::train {

// Deep enough for any config or header we write (they nest 3 levels).
inline constexpr int kMaxJsonDepth = 64;

nlohmann::json parse_strict_json(std::string_view text, const std::string& where);

// A short, single-line rendering of `v` for an error message: at most
// `max_chars` characters, "..." marking a cut.
std::string brief_json(const nlohmann::json& v, std::size_t max_chars = 40);

}  // namespace attn::train
