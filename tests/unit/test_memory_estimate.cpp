// MemoryEstimate: the sum of its terms, and an error that names the total, the limit and the
// largest terms with the keys to lower.
#include <gtest/gtest.h>

#include "helpers/errors.h"
#include "train/run/memory_estimate.h"

namespace attn::train {
namespace {

TEST(MemoryEstimate, AddsTermsAsFourByteFloats) {
  MemoryEstimate m;
  m.add("a", {"x"}, 1000);
  m.add("b", {"y", "z"}, 250);
  EXPECT_DOUBLE_EQ(m.bytes(), 5000.0);
  EXPECT_NO_THROW(m.check(5000.0));  // exactly at the limit fits
}

TEST(MemoryEstimate, TooMuchNamesTheLargestTermsAndTheirKeys) {
  MemoryEstimate m;
  m.add("small part", {"tiny"}, 1e3);
  m.add("attention maps", {"batch_size", "max_len", "max_len"}, 4e9);  // 16 GB
  m.add("states", {"hidden_size"}, 1e9);                              // 4 GB
  EXPECT_TRUE(testing::ThrowsWith(
      [&] { m.check(8e9); },
      {"about 20 GB", "8.0 GB", "attention maps 16 GB (batch_size x max_len x max_len)",
       "states 4.0 GB (hidden_size)", "Lower one of those keys"}));
  EXPECT_NO_THROW(m.check(21e9));
}

TEST(MemoryEstimate, ProductsOfLargeSizesDoNotOverflow) {
  MemoryEstimate m;
  m.add("huge", {"a", "b"}, 4096.0 * 512 * 512 * 64 * 64 * 4);  // about 70 TB
  EXPECT_NEAR(m.bytes(), 7.04e13, 0.01e13);
  EXPECT_THROW(m.check(), Error);  // no machine has that; the default limit is physical memory
}

TEST(MemoryEstimate, PhysicalMemoryIsPositive) { EXPECT_GT(physical_memory_bytes(), 1e8); }

}  // namespace
}  // namespace attn::train
