#pragma once
// Small questions a test asks of generated text (SVG, HTML, a progress bar's output).
#include <cstddef>
#include <string>

namespace attn::testing {

// How many times `needle` occurs in `text`, not overlapping (counted left to right).
std::size_t count_of(const std::string& text, const std::string& needle);

}  // namespace attn::testing
