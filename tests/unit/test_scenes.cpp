// The captioned scenes: determinism, the held-out split, captions that say the truth
// about the picture, token-to-object links, and boxes that hold the object's pixels.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/scenes.h"

namespace attn::data {
namespace {

CaptionScenesOptions small() {
  CaptionScenesOptions o;
  o.train = 60, o.val = 10, o.novel = 20, o.crowded = 10;
  return o;
}

bool is_held(const SceneObject& ob, const CaptionScenesOptions& o) {
  for (const auto& [c, s] : o.held_out)
    if (scene_colours()[size_t(ob.colour)] == c && scene_shapes()[size_t(ob.shape)] == s)
      return true;
  return false;
}

TEST(CaptionScenes, SameSeedSameScenesOtherSeedOthers) {
  const CaptionScenes a = make_caption_scenes(small(), 7), b = make_caption_scenes(small(), 7);
  const CaptionScenes c = make_caption_scenes(small(), 8);
  EXPECT_EQ(a.train.images.to_vector(), b.train.images.to_vector());
  EXPECT_EQ(a.crowded.scenes[3].captions[0].tokens, b.crowded.scenes[3].captions[0].tokens);
  EXPECT_NE(a.train.images.to_vector(), c.train.images.to_vector());
}

TEST(CaptionScenes, ShapesRangesAndObjectCounts) {
  const CaptionScenesOptions o = small();
  const CaptionScenes d = make_caption_scenes(o, 1);
  EXPECT_EQ(d.train.images.shape(), (Shape{60, 3, 48, 48}));
  EXPECT_EQ(d.crowded.images.shape(), (Shape{10, 3, 48, 48}));
  for (real v : d.train.images.to_vector()) {
    ASSERT_GE(v, -1.0f);
    ASSERT_LE(v, 1.0f);
  }
  std::set<size_t> counts;
  for (const Scene& s : d.train.scenes) counts.insert(s.objects.size());
  EXPECT_EQ(counts, (std::set<size_t>{2, 3}));
  for (const Scene& s : d.crowded.scenes) EXPECT_EQ(s.objects.size(), 4u);
}

TEST(CaptionScenes, HeldOutCombinationsOnlyInTheNovelSplit) {
  const CaptionScenesOptions o = small();
  const CaptionScenes d = make_caption_scenes(o, 2);
  for (const SceneSplit* split : {&d.train, &d.val, &d.crowded})
    for (const Scene& s : split->scenes)
      for (const SceneObject& ob : s.objects) ASSERT_FALSE(is_held(ob, o));
  for (const Scene& s : d.novel.scenes) {
    bool any = false;
    for (const SceneObject& ob : s.objects) any = any || is_held(ob, o);
    EXPECT_TRUE(any);
  }
  // The words themselves are all seen in training: only the combination is new.
  std::set<std::string> train_words;
  for (const Scene& s : d.train.scenes)
    for (const auto& c : s.captions) train_words.insert(c.tokens.begin(), c.tokens.end());
  for (const char* w : {"red", "triangle", "blue", "circle"})
    EXPECT_TRUE(train_words.count(w)) << w;
}

// Every caption is "[there is] a A rel a B" with the relation true of the grid cells,
// and its tokens point at the objects they name.
TEST(CaptionScenes, CaptionsAreTrueAndGrounded) {
  const CaptionScenes d = make_caption_scenes(small(), 3);
  int checked = 0;
  for (const Scene& s : d.train.scenes) {
    ASSERT_GE(s.captions.size(), 2u);
    std::set<std::vector<std::string>> distinct;
    for (const SceneCaption& c : s.captions) {
      distinct.insert(c.tokens);
      ASSERT_EQ(c.tokens.size(), c.object.size());
      std::vector<int> named;  // objects in order of appearance
      for (size_t t = 0; t < c.tokens.size(); ++t) {
        if (c.object[t] < 0) continue;
        if (named.empty() || named.back() != c.object[t]) named.push_back(c.object[t]);
      }
      ASSERT_EQ(named.size(), 2u);
      const SceneObject &A = s.objects[size_t(named[0])], &B = s.objects[size_t(named[1])];
      // The three words linked to an object are its size, colour and shape.
      std::vector<std::string> phrase_a, phrase_b;
      for (size_t t = 0; t < c.tokens.size(); ++t) {
        if (c.object[t] == named[0]) phrase_a.push_back(c.tokens[t]);
        if (c.object[t] == named[1]) phrase_b.push_back(c.tokens[t]);
      }
      EXPECT_EQ(phrase_a, object_phrase(A));
      EXPECT_EQ(phrase_b, object_phrase(B));
      const std::string joined = [&] {
        std::string j;
        for (const auto& w : c.tokens) j += w + " ";
        return j;
      }();
      const auto says = [&joined](const char* w) { return joined.find(w) != std::string::npos; };
      EXPECT_TRUE(!says("left of") || A.col < B.col) << joined;
      EXPECT_TRUE(!says("right of") || A.col > B.col) << joined;
      EXPECT_TRUE(!says("above") || A.row < B.row) << joined;
      EXPECT_TRUE(!says("below") || A.row > B.row) << joined;
      EXPECT_EQ(int(says("left of")) + says("right of") + says("above") + says("below"), 1);
      ++checked;
    }
    EXPECT_EQ(distinct.size(), s.captions.size());
  }
  EXPECT_GT(checked, 200);
}

// The box is tight around the object's colour, and inside its grid cell.
TEST(CaptionScenes, BoxesHoldTheObjectsPixels) {
  CaptionScenesOptions o = small();
  o.noise = 0;  // exact colours
  const CaptionScenes d = make_caption_scenes(o, 4);
  const int64_t H = 48, W = 48, cell = 16;
  for (int64_t i = 0; i < 20; ++i) {
    const real* img = d.train.images.data() + i * 3 * H * W;
    for (const SceneObject& ob : d.train.scenes[size_t(i)].objects) {
      const PixelRect& b = ob.box;
      ASSERT_GT(b.area(), 0);
      EXPECT_GE(b.x0, ob.col * cell);
      EXPECT_LE(b.x1, (ob.col + 1) * cell);
      EXPECT_GE(b.y0, ob.row * cell);
      EXPECT_LE(b.y1, (ob.row + 1) * cell);
      // The background is dark in every channel; an object is bright in at least one.
      int object_pixels = 0, outside_cell_bright = 0;
      for (int y = b.y0; y < b.y1; ++y)
        for (int x = b.x0; x < b.x1; ++x) {
          real m = -1;
          for (int c = 0; c < 3; ++c) m = std::max(m, img[(c * H + y) * W + x]);
          object_pixels += m > 0.5f;
        }
      for (int y = ob.row * int(cell); y < (ob.row + 1) * int(cell); ++y)
        for (int x = ob.col * int(cell); x < (ob.col + 1) * int(cell); ++x) {
          if (x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1) continue;
          real m = -1;
          for (int c = 0; c < 3; ++c) m = std::max(m, img[(c * H + y) * W + x]);
          outside_cell_bright += m > 0.5f;
        }
      EXPECT_GE(object_pixels, b.area() / 2);
      EXPECT_EQ(outside_cell_bright, 0);
      // Large objects are larger.
      EXPECT_EQ(ob.size == 1, b.x1 - b.x0 > 10) << b.x1 - b.x0;
    }
  }
}

// Grounding a written caption gives back the links of the references, and -1 for a phrase
// about an object the scene does not hold.
TEST(CaptionScenes, GroundCaptionRecoversTheReferencesLinks) {
  const CaptionScenes d = make_caption_scenes(small(), 5);
  for (const SceneSplit* split : {&d.train, &d.crowded})
    for (const Scene& s : split->scenes)
      for (const SceneCaption& c : s.captions) ASSERT_EQ(ground_caption(s, c.tokens), c.object);
  Scene s;
  SceneObject a, b;
  a.shape = 0, a.colour = 0, a.size = 0;  // small red circle
  b.shape = 0, b.colour = 2, b.size = 1;  // large blue circle
  s.objects = {a, b};
  const std::vector<std::string> words{"a",     "blue",  "circle", "above", "a",
                                       "small", "green", "circle", "and",   "circle"};
  // "blue circle" fits one object; no small green circle; "circle" alone fits two.
  EXPECT_EQ(ground_caption(s, words), (std::vector<int>{-1, 1, 1, -1, -1, -1, -1, -1, -1, -1}));
}

// The words travel with the scenes, and grounding takes any dataset's words: here a made-up
// one whose objects are fruit.
TEST(CaptionScenes, WordsTravelWithTheScenesAndGroundAnyVocabulary) {
  const CaptionScenes d = make_caption_scenes(small(), 5);
  EXPECT_EQ(d.words.shapes, scene_shapes());
  EXPECT_EQ(d.words.colours, scene_colours());
  EXPECT_EQ(d.words.sizes, scene_sizes());
  for (const Scene& s : d.novel.scenes)
    for (const SceneCaption& c : s.captions) ASSERT_EQ(ground_caption(d.words, s, c.tokens), c.object);

  const SceneWords fruit{{"apple", "pear"}, {"ripe", "green"}, {"tiny", "huge"}};
  Scene s;
  SceneObject a, b;
  a.shape = 1, a.colour = 0, a.size = 1;  // huge ripe pear
  b.shape = 0, b.colour = 1, b.size = 0;  // tiny green apple
  s.objects = {a, b};
  EXPECT_EQ(object_phrase(fruit, a), (std::vector<std::string>{"huge", "ripe", "pear"}));
  const std::vector<std::string> words{"a", "huge", "ripe", "pear", "above", "a", "apple",
                                       "not", "a", "circle"};
  EXPECT_EQ(ground_caption(fruit, s, words),
            (std::vector<int>{-1, 0, 0, 0, -1, -1, 1, -1, -1, -1}));
  // In the generated scenes' words there are no pears, but "circle" names shape 0.
  EXPECT_EQ(ground_caption(s, words),
            (std::vector<int>{-1, -1, -1, -1, -1, -1, -1, -1, -1, 1}));
  SceneObject c = a;
  c.shape = 2;  // fruit has two shapes only
  try {
    object_phrase(fruit, c);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shape id 2"), std::string::npos) << e.what();
  }
}

TEST(CaptionScenes, ErrorsNameTheProblem) {
  CaptionScenesOptions o = small();
  o.held_out = {{"purple", "circle"}};
  try {
    make_caption_scenes(o, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("purple"), std::string::npos) << e.what();
  }
  o = small();
  o.test_objects = 10;
  EXPECT_THROW(make_caption_scenes(o, 1), Error);
  o = small();
  o.canvas = 30;
  EXPECT_THROW(make_caption_scenes(o, 1), Error);
}

}  // namespace
}  // namespace attn::data
