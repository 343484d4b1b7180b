#include "data/gan_images.h"

#include "autograd/error.h"
#include "data/fashion_mnist.h"

namespace attn::data {

Tensor fashion_rows_to_images(const Tensor& rows) {
  constexpr int64_t side = kFashionMnistSide;
  ATTN_CHECK(rows.defined() && rows.dim() == 2 && rows.size(1) == side * side,
             "fashion_rows_to_images: expected rows [N, ", side * side, "], got ",
             rows.defined() ? shape_str(rows.shape()) : std::string("none"));
  const int64_t n = rows.size(0);
  Tensor out = Tensor::uninitialized({n, 1, side, side});
  const real* src = rows.data();
  real* dst = out.data();
  for (int64_t i = 0; i < rows.numel(); ++i) dst[i] = 2 * src[i] - 1;
  return out;
}

GanImages load_gan_images(std::optional<std::string> fashion_dir, int64_t train_count,
                          int64_t test_count, uint64_t seed, GanImageSource source,
                          const GlyphOptions& glyphs) {
  ATTN_CHECK(train_count >= 1 && test_count >= 1,
             "load_gan_images: train_count and test_count must be >= 1, got ", train_count, " and ",
             test_count);
  GanImages d;
  const auto dir =
      source == GanImageSource::glyphs ? std::nullopt : find_fashion_mnist(fashion_dir);
  ATTN_CHECK(dir || source != GanImageSource::fashion_mnist,
             "load_gan_images: Fashion-MNIST was asked for but is not installed in ",
             kFashionMnistDebianDir, " (apt install dataset-fashion-mnist, or --data DIR)");
  if (dir) {
    const FashionMnist fm = load_fashion_mnist(*dir, {train_count, test_count});
    d.train = {fashion_rows_to_images(fm.train.images), fm.train.labels};
    d.test = {fashion_rows_to_images(fm.test.images), fm.test.labels};
    const auto& names = fashion_mnist_class_names();
    d.class_names.assign(names.begin(), names.end());
    d.source = "fashion_mnist";
    d.why = "Fashion-MNIST, read from " + dir->string() + ".";
    return d;
  }
  d.train = make_glyphs(train_count, 2 * seed + 1, glyphs);
  d.test = make_glyphs(test_count, 2 * seed + 2, glyphs);
  const auto& names = glyph_class_names();
  d.class_names.assign(names.begin(), names.end());
  d.source = "glyphs";
  d.why = source == GanImageSource::glyphs
              ? "glyphs made by code (ten shapes), as the settings ask."
              : "glyphs made by code (ten shapes; Fashion-MNIST was not found: apt install "
                "dataset-fashion-mnist, or --data DIR).";
  return d;
}

}  // namespace attn::data
