// Caption tokens, vocabulary and batches: <bos>/<eos>/<pad> in their places, <unk> under
// min_count, buckets by length, the same batches under the same seed.
#include <gtest/gtest.h>

#include <set>

#include "autograd/error.h"
#include "data/caption_batch.h"

namespace attn::data {
namespace {

TEST(CaptionTokens, LowerCaseAndPunctuationSplit) {
  EXPECT_EQ(tokenize_caption("A Dog, running."),
            (std::vector<std::string>{"a", "dog", ",", "running", "."}));
}

ImageCaptions two_images() {
  return {{{"a", "red", "circle"}, {"a", "circle"}},
          {{"a", "blue", "square", "left", "of", "a", "circle"}}};
}

TEST(CaptionVocab, MinCountSendsRareWordsToUnk) {
  const Vocab v = caption_vocab(two_images(), /*min_count=*/2);
  EXPECT_EQ(v.size(), kNumSpecials + 2);  // "a" (4 times) and "circle" (3 times)
  EXPECT_TRUE(v.contains("a"));
  EXPECT_TRUE(v.contains("circle"));
  EXPECT_EQ(v.lookup("red"), kUnk);
}

TEST(CaptionBatch, PaddedTeacherForcingRows) {
  const ImageCaptions caps = two_images();
  const Vocab v = caption_vocab(caps);
  const auto ex = caption_examples(caps, v);
  ASSERT_EQ(ex.size(), 3u);
  EXPECT_EQ(ex[2].image, 1);
  const CaptionBatch b = collate_captions(ex, {1, 2});
  ASSERT_EQ(b.tgt_in.shape(), (Shape{2, 8}));
  const real a = real(v.lookup("a")), circle = real(v.lookup("circle"));
  std::vector<real> in0(b.tgt_in.data(), b.tgt_in.data() + 8);
  std::vector<real> out0(b.tgt_out.data(), b.tgt_out.data() + 8);
  std::vector<real> m0(b.tgt_mask.data(), b.tgt_mask.data() + 8);
  EXPECT_EQ(in0, (std::vector<real>{real(kBos), a, circle, 0, 0, 0, 0, 0}));
  EXPECT_EQ(out0, (std::vector<real>{a, circle, real(kEos), 0, 0, 0, 0, 0}));
  EXPECT_EQ(m0, (std::vector<real>{1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(b.tgt_lengths.to_vector(), (std::vector<real>{3, 8}));
  EXPECT_EQ(b.images, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(b.tgt_out.at({1, 7}), real(kEos));
  EXPECT_THROW(collate_captions(ex, {}), Error);
  EXPECT_THROW(collate_captions(ex, {3}), Error);
}

TEST(CaptionBatch, BucketsHoldSimilarLengthsAndRepeatUnderASeed) {
  std::vector<CaptionExample> ex;
  for (int i = 0; i < 40; ++i) ex.push_back({i, std::vector<int64_t>(size_t(1 + i % 9), 5)});
  Generator g1(3), g2(3);
  const auto a = make_caption_batches(ex, 8, g1, true, true);
  const auto b = make_caption_batches(ex, 8, g2, true, true);
  ASSERT_EQ(a.size(), 5u);
  std::multiset<int64_t> seen;
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].indices, b[k].indices);
    // Sorted by length before cutting: a batch spans at most 3 lengths of the 9.
    std::set<size_t> lengths;
    for (int64_t i : a[k].indices) lengths.insert(ex[size_t(i)].ids.size()), seen.insert(i);
    EXPECT_LE(lengths.size(), 3u);
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 40u);
}

TEST(GatherImages, CopiesTheRowsAsked) {
  Tensor imgs = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2, 1, 1});
  Tensor g = gather_images(imgs, {3, 0, 3});
  EXPECT_EQ(g.shape(), (Shape{3, 2, 1, 1}));
  EXPECT_EQ(g.to_vector(), (std::vector<real>{6, 7, 0, 1, 6, 7}));
  EXPECT_THROW(gather_images(imgs, {4}), Error);
}

}  // namespace
}  // namespace attn::data
