// The glyphs made by code (data/glyphs.h) and the loader that picks Fashion-MNIST or glyphs
// for tutorial 06 (data/gan_images.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "data/fashion_mnist.h"
#include "data/gan_images.h"
#include "data/glyphs.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"

namespace attn::data {
namespace {

TEST(Glyphs, ShapesRangeAndBalancedLabels) {
  const LabelledImages g = make_glyphs(103, 7);
  ASSERT_EQ(g.images.shape(), (Shape{103, 1, 28, 28}));
  ASSERT_EQ(g.labels.shape(), (Shape{103}));
  EXPECT_EQ(g.size(), 103);
  const real* p = g.images.data();
  EXPECT_GE(*std::min_element(p, p + g.images.numel()), real(-1));
  EXPECT_LE(*std::max_element(p, p + g.images.numel()), real(1));
  std::vector<int> per_class(kGlyphClasses, 0);
  for (int64_t i = 0; i < g.size(); ++i) {
    const real l = g.labels.data()[i];
    ASSERT_EQ(l, std::round(l));
    ASSERT_GE(l, 0);
    ASSERT_LT(l, kGlyphClasses);
    ++per_class[static_cast<size_t>(l)];
  }
  for (int c = 0; c < kGlyphClasses; ++c) EXPECT_EQ(per_class[c], c < 3 ? 11 : 10) << c;
  // Not sorted by class: the order is shuffled.
  bool sorted = true;
  for (int64_t i = 1; i < g.size(); ++i) sorted &= g.labels.data()[i - 1] <= g.labels.data()[i];
  EXPECT_FALSE(sorted);
}

TEST(Glyphs, SameSeedSamePicturesOtherSeedOthers) {
  const LabelledImages a = make_glyphs(20, 3), b = make_glyphs(20, 3), c = make_glyphs(20, 4);
  EXPECT_TRUE(std::equal(a.images.data(), a.images.data() + a.images.numel(), b.images.data()));
  EXPECT_TRUE(std::equal(a.labels.data(), a.labels.data() + 20, b.labels.data()));
  EXPECT_FALSE(std::equal(a.images.data(), a.images.data() + a.images.numel(), c.images.data()));
}

// Without noise, the background is exactly -1 and each glyph has lit pixels, well inside
// the image (the border row and column stay dark), and covers a plausible area.
TEST(Glyphs, EveryClassDrawsSomethingInsideTheFrame) {
  const LabelledImages g = make_glyphs(200, 11, {.noise = 0.0});
  std::vector<double> min_area(kGlyphClasses, 1e9), max_area(kGlyphClasses, 0);
  for (int64_t i = 0; i < g.size(); ++i) {
    const real* p = g.images.data() + i * 28 * 28;
    double area = 0;  // lit share, in pixels
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const real v = p[y * 28 + x];
        area += (v + 1) / 2;
        if (y == 0 || x == 0 || y == 27 || x == 27) {
          EXPECT_EQ(v, real(-1)) << i;
        }
      }
    const auto c = static_cast<size_t>(g.labels.data()[i]);
    min_area[c] = std::min(min_area[c], area);
    max_area[c] = std::max(max_area[c], area);
  }
  for (int c = 0; c < kGlyphClasses; ++c) {
    EXPECT_GT(min_area[c], 8.0) << glyph_class_names()[c];
    EXPECT_LT(max_area[c], 28.0 * 28.0 * 0.6) << glyph_class_names()[c];
  }
  // Filled shapes hold more light than their outlines at the same size range.
  EXPECT_GT(max_area[0], max_area[1]);  // circle > ring
  EXPECT_GT(max_area[2], max_area[3]);  // square > frame
}

TEST(Glyphs, NamesAndErrors) {
  EXPECT_EQ(glyph_class_names()[0], "circle");
  EXPECT_EQ(glyph_class_names()[9], "diagonal");
  EXPECT_EQ(std::set<std::string>(glyph_class_names().begin(), glyph_class_names().end()).size(),
            10u);
  EXPECT_ERROR_HAS(make_glyphs(0, 1), "count must be >= 1");
  EXPECT_ERROR_HAS(make_glyphs(5, 1, {.noise = -0.1}), "noise");
}

TEST(GanImages, FallsBackToGlyphsWhereFashionMnistIsAbsent) {
  if (find_fashion_mnist(std::nullopt)) GTEST_SKIP() << "Fashion-MNIST is installed here";
  const GanImages d = load_gan_images(std::nullopt, 50, 20, 5);
  EXPECT_EQ(d.source, "glyphs");
  EXPECT_EQ(d.train.images.shape(), (Shape{50, 1, 28, 28}));
  EXPECT_EQ(d.test.images.shape(), (Shape{20, 1, 28, 28}));
  EXPECT_EQ(d.class_names.size(), 10u);
  EXPECT_NE(d.why.find("not found"), std::string::npos);
}

// Asked for by name, glyphs come whatever is installed: the training set from seed 2 s + 1,
// the test set from 2 s + 2.
TEST(GanImages, GlyphsByNameAreDifferentDrawsOfTheSeed) {
  const GanImages d = load_gan_images(std::nullopt, 30, 30, 5, GanImageSource::glyphs);
  EXPECT_EQ(d.source, "glyphs");
  EXPECT_EQ(d.class_names[4], "triangle");
  EXPECT_NE(d.why.find("as the settings ask"), std::string::npos) << d.why;
  const LabelledImages train = make_glyphs(30, 2 * 5 + 1), test = make_glyphs(30, 2 * 5 + 2);
  EXPECT_TRUE(std::equal(train.images.data(), train.images.data() + train.images.numel(),
                         d.train.images.data()));
  EXPECT_TRUE(std::equal(test.images.data(), test.images.data() + test.images.numel(),
                         d.test.images.data()));
  EXPECT_FALSE(std::equal(train.images.data(), train.images.data() + train.images.numel(),
                          test.images.data()));
}

TEST(GanImages, FashionMnistByNameIsAnErrorWhereAbsent) {
  if (find_fashion_mnist(std::nullopt)) GTEST_SKIP() << "Fashion-MNIST is installed here";
  EXPECT_ERROR_HAS(load_gan_images(std::nullopt, 10, 10, 1, GanImageSource::fashion_mnist),
                   "dataset-fashion-mnist");
}

TEST(GanImages, ReadsFashionMnistWhereInstalled) {
  const auto dir = find_fashion_mnist(std::nullopt);
  if (!dir) GTEST_SKIP() << "Fashion-MNIST is not installed (apt install dataset-fashion-mnist)";
  const GanImages d = load_gan_images(std::nullopt, 40, 10, 1, GanImageSource::fashion_mnist);
  EXPECT_EQ(d.source, "fashion_mnist");
  EXPECT_EQ(load_gan_images(std::nullopt, 5, 5, 1).source, "fashion_mnist");  // automatic
  EXPECT_EQ(d.class_names[9], "Ankle boot");
  ASSERT_EQ(d.train.images.shape(), (Shape{40, 1, 28, 28}));
  ASSERT_EQ(d.test.images.shape(), (Shape{10, 1, 28, 28}));
  // The same pixels as the reader's, mapped from [0, 1] to [-1, 1].
  const FashionMnist fm = load_fashion_mnist(*dir, {40, 10});
  for (int64_t i = 0; i < fm.train.images.numel(); ++i)
    ASSERT_FLOAT_EQ(d.train.images.data()[i], 2 * fm.train.images.data()[i] - 1);
  EXPECT_EQ(d.train.labels.data()[7], fm.train.labels.data()[7]);
}

TEST(GanImages, AGivenDirectoryIsReadOrItsProblemReported) {
  testing::TempDir tmp;  // empty: no Fashion-MNIST files
  EXPECT_ERROR_HAS(load_gan_images(tmp.path.string(), 10, 10, 1), "train-images-idx3-ubyte");
  EXPECT_ERROR_HAS(load_gan_images(std::nullopt, 0, 10, 1), "train_count");
}

TEST(GanImages, FashionRowsBecomePicturesInMinusOneToOne) {
  Tensor rows = Tensor::zeros({2, 784});
  rows.data()[784 + 28 * 3 + 5] = 1;  // picture 1, row 3, column 5
  const Tensor img = fashion_rows_to_images(rows);
  ASSERT_EQ(img.shape(), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(img.data()[0], real(-1));
  EXPECT_EQ(img.data()[784 + 3 * 28 + 5], real(1));
  EXPECT_ERROR_HAS(fashion_rows_to_images(Tensor::zeros({2, 783})), "[N, 784]");
}

}  // namespace
}  // namespace attn::data
