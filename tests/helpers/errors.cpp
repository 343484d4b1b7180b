#include "helpers/errors.h"

namespace attn::testing {

::testing::AssertionResult message_has(bool thrown, const std::string& message,
                                       const std::vector<std::string>& parts) {
  if (!thrown) return ::testing::AssertionFailure() << "no attn::Error was thrown";
  for (const std::string& p : parts)
    if (message.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << p << "\"";
  return ::testing::AssertionSuccess();
}

}  // namespace attn::testing
