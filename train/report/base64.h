#pragma once
// Base64 (RFC 4648, section 4: the standard alphabet, '=' padding): how a PNG
// travels inside an SVG or HTML file as a data: URI, so the file shows its
// pictures without any other file beside it.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attn::train {

// Every 3 bytes become 4 characters of A-Z a-z 0-9 + /; a last group of 1 or
// 2 bytes is padded with "==" or "=". No line breaks.
std::string base64_encode(std::span<const std::uint8_t> bytes);
std::string base64_encode(std::string_view bytes);

// The inverse. Throws attn::Error naming the position of the first character
// outside the alphabet, a length that is not a multiple of 4, or padding
// anywhere but at the end.
std::vector<std::uint8_t> base64_decode(std::string_view text);

}  // namespace attn::train
