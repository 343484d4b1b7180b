// Base64 against the test vectors of RFC 4648 (section 10), every byte value
// through a round trip, and text that is not base64 refused with its position.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "helpers/errors.h"
#include "train/report/base64.h"

using attn::train::base64_decode;
using attn::train::base64_encode;

namespace {

std::string as_text(const std::vector<std::uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    SCOPED_TRACE("'" + plain + "'");
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(as_text(base64_decode(encoded)), plain);
  }
}

TEST(Base64, HighBitsUseTheLastTwoLetters) {
  // 0xFB 0xFF 0xBF = 111110 111111 111110 111111: '+' is 62 and '/' is 63.
  const std::vector<std::uint8_t> bytes = {0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64_decode("+/+/"), bytes);
}

TEST(Base64, EveryByteValueRoundTrips) {
  for (std::size_t n = 0; n < 259; n += 1) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>((i * 97 + n) % 256);
    const std::string text = base64_encode(bytes);
    ASSERT_EQ(text.size(), (n + 2) / 3 * 4);
    ASSERT_EQ(base64_decode(text), bytes) << "length " << n;
  }
}

TEST(Base64, MalformedTextIsRefusedWithItsPosition) {
  EXPECT_TRUE(
      attn::testing::ThrowsWith([] { base64_decode("Zm9"); }, {"3 characters", "groups of 4"}));
  EXPECT_TRUE(attn::testing::ThrowsWith([] { base64_decode("Zm9v*mFy"); }, {"character 4", "'*'"}));
  EXPECT_TRUE(attn::testing::ThrowsWith([] { base64_decode("Zg==Zm9v"); },
                                        {"character 2", "pads only the end"}));
  EXPECT_TRUE(attn::testing::ThrowsWith([] { base64_decode("Zm=v"); }, {"character 2"}));
  EXPECT_TRUE(attn::testing::ThrowsWith([] { base64_decode("===="); }, {"character 0"}));
}
