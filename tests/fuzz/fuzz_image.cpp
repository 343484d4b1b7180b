// Fuzzes image decoding (PNG through stb_image, JPEG through libjpeg-turbo,
// everything else refused). The first byte picks the channels asked for.
#include "data/image_io.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int channels = data[0] % 5;
  attn::fuzz::expect_clean([&] {
    const attn::data::Image im = attn::data::decode_image({data + 1, size - 1}, "fuzz", channels);
    if (im.pixels.size() !=
        static_cast<std::size_t>(im.width) * im.height * static_cast<std::size_t>(im.channels)) {
      std::abort();  // an image whose size and pixels disagree
    }
  });
  return 0;
}
