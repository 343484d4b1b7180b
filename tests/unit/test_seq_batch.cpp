// SeqBatch: padding, masks, teacher-forcing shifts, and batching that is
// deterministic under a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "autograd/error.h"
#include "autograd/random.h"
#include "data/seq_batch.h"
#include "data/vocab.h"

namespace attn::data {
namespace {

std::vector<int64_t> ints(const Tensor& t) {
  std::vector<int64_t> out;
  for (const real v : t.to_vector()) out.push_back(static_cast<int64_t>(v));
  return out;
}

TEST(SeqBatch, CollatePadsAndShiftsByHand) {
  const std::vector<SeqPair> pairs = {{{5, 6, 7}, {8, 9}}, {{10}, {11, 12, 13}}};
  const SeqBatch b = collate(pairs);
  ASSERT_EQ(b.size(), 2);
  ASSERT_EQ(b.src.shape(), (Shape{2, 3}));
  ASSERT_EQ(b.tgt_in.shape(), (Shape{2, 4}));  // longest target 3, + <bos>/<eos>
  EXPECT_EQ(ints(b.src), (std::vector<int64_t>{5, 6, 7, /**/ 10, kPad, kPad}));
  EXPECT_EQ(ints(b.src_lengths), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(ints(b.src_mask), (std::vector<int64_t>{1, 1, 1, /**/ 1, 0, 0}));
  EXPECT_EQ(ints(b.tgt_in), (std::vector<int64_t>{kBos, 8, 9, kPad, /**/ kBos, 11, 12, 13}));
  EXPECT_EQ(ints(b.tgt_out), (std::vector<int64_t>{8, 9, kEos, kPad, /**/ 11, 12, 13, kEos}));
  EXPECT_EQ(ints(b.tgt_mask), (std::vector<int64_t>{1, 1, 1, 0, /**/ 1, 1, 1, 1}));
  EXPECT_EQ(ints(b.tgt_lengths), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(b.indices, (std::vector<int64_t>{0, 1}));
}

TEST(SeqBatch, EmptyTargetIsJustEos) {
  const SeqBatch b = collate({{{4}, {}}});
  EXPECT_EQ(ints(b.tgt_in), (std::vector<int64_t>{kBos}));
  EXPECT_EQ(ints(b.tgt_out), (std::vector<int64_t>{kEos}));
}

TEST(SeqBatch, CollateRejectsBadInput) {
  const std::vector<SeqPair> pairs = {{{4}, {5}}, {{}, {5}}, {{4, -1}, {5}}};
  EXPECT_THROW(collate(pairs, {}), Error);
  EXPECT_THROW(collate(pairs, {3}), Error);
  EXPECT_THROW(collate(pairs, {1}), Error) << "empty source";
  EXPECT_THROW(collate(pairs, {2}), Error) << "negative id";
  EXPECT_NO_THROW(collate(pairs, {0}));
}

std::vector<SeqPair> random_pairs(int64_t n, uint64_t seed) {
  Generator g(seed);
  std::vector<SeqPair> pairs;
  for (int64_t i = 0; i < n; ++i) {
    SeqPair p;
    const int64_t ls = 1 + g.randint(12), lt = g.randint(9);
    for (int64_t k = 0; k < ls; ++k) p.src.push_back(4 + g.randint(30));
    for (int64_t k = 0; k < lt; ++k) p.tgt.push_back(4 + g.randint(30));
    pairs.push_back(p);
  }
  return pairs;
}

std::vector<std::vector<int64_t>> batch_indices(const std::vector<SeqBatch>& batches) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& b : batches) out.push_back(b.indices);
  return out;
}

TEST(SeqBatch, MakeBatchesCoversEveryPairOnceAndRepeatsUnderASeed) {
  const std::vector<SeqPair> pairs = random_pairs(103, 1);
  for (const bool bucket : {false, true}) {
    SCOPED_TRACE(bucket ? "bucketed" : "plain");
    Generator g1(7), g2(7), g3(8);
    const auto a = make_batches(pairs, 10, g1, true, bucket);
    const auto b = make_batches(pairs, 10, g2, true, bucket);
    const auto c = make_batches(pairs, 10, g3, true, bucket);
    ASSERT_EQ(a.size(), 11u);
    EXPECT_EQ(batch_indices(a), batch_indices(b));
    EXPECT_NE(batch_indices(a), batch_indices(c)) << "another seed, another order";
    std::multiset<int64_t> seen;
    for (const auto& batch : a) {
      EXPECT_LE(batch.size(), 10);
      seen.insert(batch.indices.begin(), batch.indices.end());
      // Every row holds the pair its index names.
      for (int64_t r = 0; r < batch.size(); ++r) {
        const SeqPair& p = pairs[static_cast<size_t>(batch.indices[static_cast<size_t>(r)])];
        EXPECT_EQ(batch.src_lengths.at({r}), static_cast<real>(p.src.size()));
        EXPECT_EQ(batch.src.at({r, 0}), static_cast<real>(p.src[0]));
      }
      EXPECT_EQ(ints(a[0].src), ints(b[0].src));
    }
    EXPECT_EQ(seen.size(), pairs.size());
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), pairs.size());
  }
}

TEST(SeqBatch, WithoutShuffleTheOrderIsKept) {
  const std::vector<SeqPair> pairs = random_pairs(25, 2);
  Generator g(1);
  const auto batches = make_batches(pairs, 10, g, /*shuffle=*/false);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].indices, (std::vector<int64_t>{20, 21, 22, 23, 24}));
  EXPECT_EQ(batches[0].indices[3], 3);
}

TEST(SeqBatch, BucketingGroupsSimilarSourceLengths) {
  const std::vector<SeqPair> pairs = random_pairs(400, 3);
  Generator g1(5), g2(5);
  const auto plain = make_batches(pairs, 20, g1, true, false);
  const auto bucketed = make_batches(pairs, 20, g2, true, true);
  const auto padding = [](const std::vector<SeqBatch>& bs) {
    int64_t pad = 0;
    for (const auto& b : bs) pad += b.src.numel() - static_cast<int64_t>(b.src_mask.sum().item());
    return pad;
  };
  // Bucketed: within a batch the source lengths differ by at most the spread of one length
  // block; 400 pairs over 12 lengths give ~33 per length, so a batch spans at most 2 lengths.
  for (const auto& b : bucketed) {
    const auto lengths = ints(b.src_lengths);
    const auto [lo, hi] = std::minmax_element(lengths.begin(), lengths.end());
    EXPECT_LE(*hi - *lo, 1);
  }
  EXPECT_LT(padding(bucketed) * 10, padding(plain)) << "bucketing removes most padding";
  // The batches' order is shuffled too: not sorted from short to long.
  std::vector<int64_t> first_lengths;
  for (const auto& b : bucketed) first_lengths.push_back(ints(b.src_lengths)[0]);
  EXPECT_FALSE(std::is_sorted(first_lengths.begin(), first_lengths.end()));
}

TEST(SeqBatch, RejectsBadArguments) {
  Generator g(1);
  EXPECT_THROW(make_batches({}, 4, g), Error);
  EXPECT_THROW(make_batches(random_pairs(3, 1), 0, g), Error);
}

}  // namespace
}  // namespace attn::data
