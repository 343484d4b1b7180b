// Fuzzes the IDX reader (Fashion-MNIST's format), plain and gzipped. The first
// byte chooses: images or labels; the file as given, or gzipped by the
// harness (so the IDX parser behind zlib is reached), or as given but named
// .gz (so zlib's handling of corrupt gzip data is reached); and a record limit.
#include <string>

#include "data/fashion_mnist.h"
#include "fuzz/fuzz_target.h"

#ifdef ATTN_HAVE_ZLIB
#include <zlib.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned mode = data[0];
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  const bool labels = mode & 1;
  const unsigned packing = (mode >> 1) % 3;  // 0 plain, 1 gzip it, 2 raw bytes as .gz
  const std::int64_t limit = (mode & 0x80) ? static_cast<std::int64_t>((mode >> 3) & 7) : -1;
  std::filesystem::path path;
  if (packing == 0) {
    path = attn::fuzz::as_file(rest, "fuzz-ubyte");
  } else {
#ifdef ATTN_HAVE_ZLIB
    if (packing == 1) {
      uLongf bound = compressBound(static_cast<uLong>(rest.size())) + 32;
      std::vector<std::uint8_t> gz(bound);
      // windowBits 15 + 16: a gzip wrapper, as .gz files have.
      z_stream z{};
      deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
      z.next_in = const_cast<Bytef*>(rest.data());
      z.avail_in = static_cast<uInt>(rest.size());
      z.next_out = gz.data();
      z.avail_out = static_cast<uInt>(gz.size());
      deflate(&z, Z_FINISH);
      gz.resize(z.total_out);
      deflateEnd(&z);
      path = attn::fuzz::as_file(gz, "fuzz-ubyte.gz");
    } else {
      path = attn::fuzz::as_file(rest, "fuzz-ubyte.gz");
    }
#else
    path = attn::fuzz::as_file(rest, "fuzz-ubyte.gz");
#endif
  }
  attn::fuzz::expect_clean([&] {
    if (labels) {
      (void)attn::data::read_idx_labels(path, 10, limit);
    } else {
      (void)attn::data::read_idx_images(path, limit);
    }
  });
  return 0;
}
