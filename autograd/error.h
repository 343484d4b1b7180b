#pragma once
// Errors a learner can act on: every check in the library throws attn::Error
// with the operation's name, what arrived, and what was expected, e.g.
//   matmul: [32,64] x [32,10]: inner sizes 64 and 32 differ
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace attn {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Builds a message from any streamable pieces: fail("matmul: ", a, " x ", b).
template <typename... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  throw Error(os.str());
}

// ATTN_CHECK(cond, parts...): throws attn::Error(parts...) when cond is false.
#define ATTN_CHECK(cond, ...)               \
  do {                                      \
    if (!(cond)) ::attn::fail(__VA_ARGS__); \
  } while (0)

}  // namespace attn
