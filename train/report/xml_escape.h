#pragma once
// Text that goes into SVG or HTML: tokens such as "<eos>", "&" or a stray
// byte from a corpus must show up as themselves and never break the file.
#include <string>
#include <string_view>

namespace attn::train {

// Escapes & < > " ' as entities (safe in element text and in quoted
// attributes), replaces control characters that XML 1.0 forbids and
// malformed UTF-8 with U+FFFD, and keeps everything else, including valid
// multi-byte UTF-8, unchanged.
std::string xml_escape(std::string_view text);

// Number of Unicode code points of valid UTF-8 (each malformed byte counts as one).
std::size_t utf8_length(std::string_view text);

}  // namespace attn::train
