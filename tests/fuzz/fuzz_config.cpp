// Fuzzes the JSON config reader: parsing (depth, duplicates, number range),
// then typed reads of the keys the tutorials use, and the unknown-key check.
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "train/run/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using attn::fuzz::expect_clean;
  using attn::train::Config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  expect_clean([&] {
    const Config c = Config::parse(text, "'fuzz.json'");
    expect_clean([&] { c.get<std::int64_t>("epochs", 1); });
    expect_clean([&] { c.get<int>("batch_size", 1); });
    expect_clean([&] { c.get<unsigned>("heads", 1u); });
    expect_clean([&] { c.get("lr", 0.1); });
    expect_clean([&] { c.get("clip", 1.0f); });
    expect_clean([&] { c.get("quick", false); });
    expect_clean([&] { c.get("task", "reverse"); });
    expect_clean([&] { c.get("hidden", std::vector<std::int64_t>{64}); });
    expect_clean([&] { c.get("tokens", std::vector<std::string>{}); });
    expect_clean([&] { c.check_unknown_keys(); });
    (void)c.effective().dump();
  });
  return 0;
}
