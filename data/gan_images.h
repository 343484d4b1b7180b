#pragma once
// The pictures tutorial 06's GAN learns to draw and its classifier learns to name: the real
// Fashion-MNIST where it is installed, else glyphs made by code (data/glyphs.h). Either way
// 28x28 greyscale in [-1, 1] (the range a tanh generator produces), channels first.
//
//   data::GanImages d = data::load_gan_images(opts.data_dir, 20000, 2000, seed);
//   d.source;              // "fashion_mnist" or "glyphs"
//   d.train.images;        // [20000, 1, 28, 28] in [-1, 1];  d.train.labels [20000], 0..9
//   d.test.images;         // [2000, 1, 28, 28]: held out (Fashion-MNIST's t10k files)
//   d.class_names[3];      // "Dress" or "frame"
//
// Fashion-MNIST takes the first train_count training and test_count test pictures (all of
// them when fewer are in the files, so size() can be smaller than asked) and ignores the
// seed. Glyphs draw the training set from seed 2 seed + 1 and the test set from 2 seed + 2,
// so the test pictures are new pictures.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/glyphs.h"

namespace attn::data {

struct GanImages {
  LabelledImages train, test;
  std::vector<std::string> class_names;  // 10 names
  std::string source;  // "fashion_mnist" or "glyphs": what a report and a cache key name
  std::string why;     // one sentence for the report: where the pictures came from and why
};

// Which pictures: automatic (Fashion-MNIST when found, else glyphs), or one of the two by
// name (a config's "dataset": "glyphs" shows the glyph run where Fashion-MNIST is installed).
enum class GanImageSource { automatic, fashion_mnist, glyphs };

// fashion_dir: a --data flag. Given, Fashion-MNIST is read from there (a missing or broken
// file is an attn::Error naming it, never a silent switch to glyphs); absent, from Debian's
// dataset-fashion-mnist when installed, else glyphs. Throws attn::Error for counts < 1, and
// for source fashion_mnist when it is not found.
GanImages load_gan_images(std::optional<std::string> fashion_dir, int64_t train_count,
                          int64_t test_count, uint64_t seed,
                          GanImageSource source = GanImageSource::automatic,
                          const GlyphOptions& glyphs = {});

// Fashion-MNIST's rows [N, 784] in [0, 1] as pictures [N, 1, 28, 28] in [-1, 1] (2 v - 1).
Tensor fashion_rows_to_images(const Tensor& rows);

}  // namespace attn::data
