// The shared test helpers of tests/helpers/ must be able to fail: a check that never fails
// would pass every test that uses it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "autograd/error.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "helpers/temp_dir.h"
#include "helpers/text.h"

namespace attn {
namespace {

namespace fs = std::filesystem;

TEST(TestHelpers, ThrowsWithFailsWithoutAnErrorOrWithoutEveryPart) {
  auto raise = [] { throw Error("conv2d: input [3,32,32] needs 4 dimensions"); };
  EXPECT_TRUE(testing::ThrowsWith(raise, {"conv2d", "[3,32,32]"}));
  const auto missing = testing::ThrowsWith(raise, {"conv2d", "[8,3,32,32]"});
  EXPECT_FALSE(missing);
  EXPECT_NE(std::string(missing.message()).find("lacks \"[8,3,32,32]\""), std::string::npos)
      << missing.message();
  EXPECT_FALSE(testing::ThrowsWith([] {}, {}));  // nothing thrown: a failure, even with no parts
  EXPECT_EQ(testing::error_of(raise), "conv2d: input [3,32,32] needs 4 dimensions");
  EXPECT_EQ(testing::error_of([] {}), "");
  EXPECT_ERROR_HAS(raise(), "needs 4 dimensions");
}

TEST(TestHelpers, TempDirIsFreshAndGoesAwayWithEverythingInIt) {
  fs::path kept;
  {
    testing::TempDir a, b;
    EXPECT_NE(a.path, b.path);
    EXPECT_TRUE(fs::is_directory(a.path));
    EXPECT_TRUE(fs::is_empty(a.path));
    const fs::path f = a.write("sub.txt", std::string("x\0y", 3));
    EXPECT_EQ(f, a.path / "sub.txt");
    EXPECT_EQ(testing::read_file(f), std::string("x\0y", 3));  // bytes, not a C string
    fs::create_directories(a.path / "inner" / "deeper");
    kept = a.path;
  }
  EXPECT_FALSE(fs::exists(kept));
  EXPECT_EQ(testing::read_file(kept / "sub.txt"), "");
}

TEST(TestHelpers, CountOfCountsWithoutOverlap) {
  EXPECT_EQ(testing::count_of("<td><td>x<td>", "<td>"), 3u);
  EXPECT_EQ(testing::count_of("aaaa", "aa"), 2u);
  EXPECT_EQ(testing::count_of("abc", "d"), 0u);
  EXPECT_EQ(testing::count_of("abc", ""), 0u);
}

TEST(TestHelpers, FixtureReadersNameWhatIsMissing) {
  try {
    testing::read_test_json("parity/no_such_fixture.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_fixture.json"), std::string::npos) << e.what();
  }
  const nlohmann::json c =
      nlohmann::json::parse(R"({"tensors": {"x": {"shape": [2, 1], "data": [0.5, -2]}}})");
  const Tensor x = testing::tensor_of(c, "x", true);
  EXPECT_EQ(x.shape(), (Shape{2, 1}));
  EXPECT_EQ(x.to_vector(), (std::vector<real>{0.5, -2}));
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(testing::has_tensor(c, "x"));
  EXPECT_FALSE(testing::has_tensor(c, "bias"));
}

}  // namespace
}  // namespace attn
