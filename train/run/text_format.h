#pragma once
// fmt("%.3f", 0.8166) -> "0.817": one number through a printf format, for the tutorials'
// printed lines and report paragraphs (std::format is not in every C++20 library yet).
#include <cstdio>
#include <string>

namespace attn::train {

inline std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace attn::train
