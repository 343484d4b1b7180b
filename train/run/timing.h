#pragma once
// Wall-clock seconds since a steady_clock time point: the tutorials' "trained in 2.6 s".
#include <chrono>

namespace attn::train {

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace attn::train
