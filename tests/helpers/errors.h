#pragma once
// Checking the errors a learner meets: that a call throws attn::Error, and that its message
// says what it should (names the layer, the shapes, the file...).
//
//   EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, idx); }, {"gather", "[2,2]"}));
//   EXPECT_ERROR_HAS(matmul(a, b), "inner sizes");
//   const std::string msg = error_of([&] { load(path); });   // "" when nothing is thrown
//
// Only attn::Error is caught: any other exception escapes and fails the test with its own
// message, since the library promises attn::Error for a learner's mistakes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "autograd/error.h"

namespace attn::testing {

// The message of the attn::Error that f throws; "" if it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Success when `thrown`, and `message` contains every one of `parts`; else what is missing.
::testing::AssertionResult message_has(bool thrown, const std::string& message,
                                       const std::vector<std::string>& parts);

// Passes when f throws attn::Error whose message contains every one of `parts`.
template <typename F>
::testing::AssertionResult ThrowsWith(F&& f, const std::vector<std::string>& parts) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return message_has(true, e.what(), parts);
  }
  return message_has(false, "", parts);
}

}  // namespace attn::testing

// EXPECT_ERROR_HAS(statement, text): the statement throws attn::Error whose message
// contains text.
#define EXPECT_ERROR_HAS(stmt, text) EXPECT_TRUE(::attn::testing::ThrowsWith([&] { stmt; }, {text}))
