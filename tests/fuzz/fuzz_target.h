#pragma once
// What every fuzz harness shares. A harness is one function,
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
//
// that feeds the bytes to one loader. attn::Error is the loader's correct
// answer to bad bytes; anything else (another exception, a crash, a
// sanitizer report, a hang) is a finding. The harness links either with
// libFuzzer (scripts/fuzz: clang, coverage-guided, for long runs) or with
// driver.cpp (any compiler: replays the seed corpus, then random mutations
// of it for a few seconds; what ctest -L fuzz runs).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace attn::fuzz {

// Writes the bytes to a file named `name` in a directory of this process's
// own (removed at exit) and returns its path: for loaders that read files.
std::filesystem::path as_file(std::span<const std::uint8_t> bytes, std::string_view name);

// Runs f(); returns normally if it returned or threw attn::Error, and aborts
// (a finding, with the exception's message on stderr) if it threw anything else.
template <class F>
void expect_clean(F&& f);

}  // namespace attn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// ---- implementation ----------------------------------------------------------
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "autograd/error.h"

template <class F>
void attn::fuzz::expect_clean(F&& f) {
  try {
    f();
  } catch (const attn::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: an exception other than attn::Error escaped: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: a non-standard exception escaped\n");
    std::abort();
  }
}
