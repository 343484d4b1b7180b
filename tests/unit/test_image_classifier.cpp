// The small CNN that judges tutorial 06's pictures (models/image_classifier.h), its training
// and the reuse of a saved one (train/loop/fit_classifier.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "autograd/autograd.h"
#include "data/glyphs.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "models/image_classifier.h"
#include "train/io/checkpoint.h"
#include "train/loop/fit_classifier.h"

namespace attn {
namespace {

using models::ImageClassifier;
using models::ImageClassifierOptions;

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.numel(), b.data());
}

TEST(ImageClassifier, ShapesAndBatchedEvaluationAgree) {
  manual_seed(1);
  ImageClassifier net;
  const Tensor x = Tensor::uniform({7, 1, 28, 28}, -1, 1);
  EXPECT_EQ(net(x).shape(), (Shape{7, 10}));
  const Tensor f = net.features(x);
  EXPECT_EQ(f.shape(), (Shape{7, 64}));
  EXPECT_GE(*std::min_element(f.data(), f.data() + f.numel()), real(0));  // after a ReLU
  const Tensor fb = net.features_in_batches(x, 3);                        // 3 + 3 + 1
  ASSERT_EQ(fb.shape(), f.shape());
  for (int64_t i = 0; i < f.numel(); ++i) EXPECT_NEAR(fb.data()[i], f.data()[i], 1e-5);
  EXPECT_FALSE(fb.requires_grad());
  const Tensor lb = net.logits_in_batches(x, 4);
  const Tensor l = net.head(f);
  for (int64_t i = 0; i < l.numel(); ++i) EXPECT_NEAR(lb.data()[i], l.data()[i], 1e-5);
  EXPECT_EQ(net.architecture(),
            "ImageClassifier(in=1 size=28 channels=16,32 features=64 classes=10)");
  // conv0 1*16*9+16, conv1 16*32*9+32, fc 32*49*64+64, out 64*10+10
  EXPECT_EQ(net.num_parameters(), 160 + 4640 + 100416 + 650);
}

TEST(ImageClassifier, OptionsShapeTheLayers) {
  ImageClassifier net(ImageClassifierOptions()
                          .in_channels(3)
                          .image_size(16)
                          .channels({8, 8, 4})
                          .feature_dim(12)
                          .classes(5));
  EXPECT_EQ(net.features(Tensor::zeros({2, 3, 16, 16})).shape(), (Shape{2, 12}));
  EXPECT_EQ(net(Tensor::zeros({2, 3, 16, 16})).shape(), (Shape{2, 5}));
  EXPECT_EQ(net.fc->weight.shape(), (Shape{12, 4 * 2 * 2}));
}

TEST(ImageClassifier, ErrorsSayWhatIsWrong) {
  ImageClassifier net;
  EXPECT_ERROR_HAS(net(Tensor::zeros({2, 1, 27, 28})), "[B, 1, 28, 28]");
  EXPECT_ERROR_HAS(net.features(Tensor::zeros({2, 28, 28})), "[B, 1, 28, 28]");
  EXPECT_ERROR_HAS(net.accuracy(Tensor::zeros({2, 1, 28, 28}), Tensor::zeros({3})),
                   "one label per picture");
  EXPECT_ERROR_HAS(ImageClassifier(ImageClassifierOptions().image_size(30)), "multiple of 4");
  EXPECT_ERROR_HAS(ImageClassifier(ImageClassifierOptions().channels({})), "channels is empty");
  EXPECT_ERROR_HAS(ImageClassifier(ImageClassifierOptions().classes(1)), "classes >= 2");
}

// A few hundred glyphs and 150 steps: far above the 10% of guessing on new glyphs.
TEST(FitClassifier, LearnsGlyphsQuickly) {
  manual_seed(2);
  ImageClassifier net;
  const data::LabelledImages train = data::make_glyphs(600, 1), test = data::make_glyphs(300, 2);
  const train::TrainLog log =
      train::fit_classifier(net, [&](const Tensor& x) { return net(x); }, train.images,
                            train.labels, {.steps = 150, .batch_size = 32, .lr = 2e-3, .seed = 3});
  ASSERT_EQ(log.steps(), 150);
  EXPECT_LT(log.final_loss(), 0.5 * log.losses.front());
  EXPECT_FALSE(net.is_training());
  EXPECT_GT(net.accuracy(test.images, test.labels), 0.7);
}

TEST(FitClassifier, RefusesBadArguments) {
  ImageClassifier net;
  const auto logits = [&](const Tensor& x) { return net(x); };
  EXPECT_ERROR_HAS(
      train::fit_classifier(net, logits, Tensor::zeros({4, 1, 28, 28}), Tensor::zeros({3}), {}),
      "labels [N]");
  EXPECT_ERROR_HAS(train::fit_classifier(net, logits, Tensor::zeros({4, 1, 28, 28}),
                                         Tensor::zeros({4}), {.steps = 0}),
                   "steps >= 1");
}

TEST(ContentFingerprint, ChangesWithOnePixelOrTheShape) {
  Tensor a = Tensor::zeros({2, 3});
  const std::string h = train::content_fingerprint({a});
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h, train::content_fingerprint({Tensor::zeros({2, 3})}));
  EXPECT_NE(h, train::content_fingerprint({Tensor::zeros({3, 2})}));
  a.data()[4] = real(0.5);
  EXPECT_NE(h, train::content_fingerprint({a}));
}

// Trained once and saved; the same call again loads it (no step); a change of data,
// training settings or layers trains again; a broken file too, with the reason.
TEST(FitClassifier, ReusesASavedClassifierOnlyWhenEverythingMatches) {
  testing::TempDir tmp;
  const auto path = tmp.path / "runs" / "classifier.safetensors";
  const data::LabelledImages d = data::make_glyphs(60, 4);
  const train::ClassifierFitOptions fit{.steps = 3, .batch_size = 16, .seed = 1};
  manual_seed(5);
  ImageClassifier first;
  const auto first_logits = [&](const Tensor& x) { return first(x); };
  const train::ClassifierFit a = train::fit_or_reuse_classifier(
      first, first_logits, d.images, d.labels, fit, path, {{"architecture", first.architecture()}});
  EXPECT_FALSE(a.reused);
  EXPECT_EQ(a.log.steps(), 3);
  EXPECT_NE(a.note.find("no checkpoint"), std::string::npos) << a.note;
  ASSERT_TRUE(std::filesystem::exists(path));

  manual_seed(6);  // other initial weights: a reuse must replace them all
  ImageClassifier second;
  const auto second_logits = [&](const Tensor& x) { return second(x); };
  const train::ClassifierFit b =
      train::fit_or_reuse_classifier(second, second_logits, d.images, d.labels, fit, path,
                                     {{"architecture", second.architecture()}});
  EXPECT_TRUE(b.reused) << b.note;
  EXPECT_EQ(b.log.steps(), 0);
  EXPECT_FALSE(second.is_training());
  const Tensor x = d.images.slice(0, 0, 5);
  EXPECT_TRUE(same_values(first.logits_in_batches(x), second.logits_in_batches(x)));

  // Other training settings: trained again, and the note says why.
  train::ClassifierFitOptions longer = fit;
  longer.steps = 4;
  const auto c = train::fit_or_reuse_classifier(second, second_logits, d.images, d.labels, longer,
                                                path, {{"architecture", second.architecture()}});
  EXPECT_FALSE(c.reused);
  EXPECT_NE(c.note.find("training"), std::string::npos) << c.note;

  // Other data.
  const data::LabelledImages other = data::make_glyphs(60, 5);
  const auto e =
      train::fit_or_reuse_classifier(second, second_logits, other.images, other.labels, longer,
                                     path, {{"architecture", second.architecture()}});
  EXPECT_FALSE(e.reused);
  EXPECT_NE(e.note.find("data"), std::string::npos) << e.note;

  // Other layers: the architecture entry differs, so the file is not even opened for weights.
  ImageClassifier wide(ImageClassifierOptions().feature_dim(32));
  const auto wide_logits = [&](const Tensor& x) { return wide(x); };
  const auto f =
      train::fit_or_reuse_classifier(wide, wide_logits, other.images, other.labels, longer, path,
                                     {{"architecture", wide.architecture()}});
  EXPECT_FALSE(f.reused);
  EXPECT_NE(f.note.find("features=64"), std::string::npos) << f.note;

  // Without an identity entry for the layers, the strict loader still refuses other shapes.
  ImageClassifier narrow(ImageClassifierOptions().feature_dim(16));
  const auto why = train::load_checkpoint_if_same(narrow, path, {});
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("does not fit this model"), std::string::npos) << *why;

  // A broken file: trained again, never garbage.
  tmp.write("runs/classifier.safetensors", "not a safetensors file");
  const auto g =
      train::fit_or_reuse_classifier(wide, wide_logits, other.images, other.labels, longer, path,
                                     {{"architecture", wide.architecture()}});
  EXPECT_FALSE(g.reused);
  // ... and saved again: the next call reuses it.
  const auto h =
      train::fit_or_reuse_classifier(wide, wide_logits, other.images, other.labels, longer, path,
                                     {{"architecture", wide.architecture()}});
  EXPECT_TRUE(h.reused) << h.note;
}

}  // namespace
}  // namespace attn
