#include "data/fashion_mnist.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "autograd/error.h"

#ifdef ATTN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace attn::data {

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

bool is_gz(const std::filesystem::path& path) {
  return path.extension() == ".gz";
}

// A file read front to back, transparently gunzipped for *.gz: the reader
// only ever asks for "the next n bytes", so both kinds look the same.
class ByteSource {
 public:
  explicit ByteSource(const std::filesystem::path& path) : path_(path) {
    if (!std::filesystem::exists(path)) fail("fashion_mnist: ", path.string(), ": no such file");
    if (is_gz(path)) {
#ifdef ATTN_HAVE_ZLIB
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) fail("fashion_mnist: ", path.string(), ": cannot open for reading");
#else
      fail("fashion_mnist: ", path.string(),
           ": is gzipped, but attnlab was built without zlib; decompress it (gunzip -k ",
           path.string(), ") or install zlib and rebuild");
#endif
    } else {
      in_.open(path, std::ios::binary);
      if (!in_) fail("fashion_mnist: ", path.string(), ": cannot open for reading");
    }
  }
  ~ByteSource() {
#ifdef ATTN_HAVE_ZLIB
    if (gz_) gzclose(gz_);
#endif
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to n bytes into out; returns how many arrived (< n only at the end).
  size_t read(uint8_t* out, size_t n) {
    size_t got = 0;
#ifdef ATTN_HAVE_ZLIB
    if (gz_) {
      while (got < n) {
        // gzread takes an unsigned count: feed it at most 1 GiB at a time.
        const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
        const int r = gzread(gz_, out + got, chunk);
        if (r < 0) {
          int errnum = 0;
          const char* msg = gzerror(gz_, &errnum);
          fail("fashion_mnist: ", path_.string(), ": corrupt gzip data (", msg, ")");
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
      }
      total_ += got;
      return got;
    }
#endif
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    got = static_cast<size_t>(in_.gcount());
    total_ += got;
    return got;
  }

  // True when no byte is left (used to reject trailing data).
  bool at_end() {
    uint8_t b;
    const size_t before = total_;
    const bool end = read(&b, 1) == 0;
    total_ = before;
    return end;
  }

  // Bytes delivered so far (decompressed bytes for .gz).
  size_t total() const {
    return total_;
  }
  const std::filesystem::path& path() const {
    return path_;
  }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
#ifdef ATTN_HAVE_ZLIB
  gzFile gz_ = nullptr;
#endif
  size_t total_ = 0;
};

void check_magic(const ByteSource& src, uint32_t got, uint32_t expected, const char* kind) {
  if (got == expected) return;
  std::string hint;
  if (got == kIdxImagesMagic) hint = " (this is an image file)";
  if (got == kIdxLabelsMagic) hint = " (this is a label file)";
  if ((got >> 16) == 0x1F8B) hint = " (this is gzip data: name the file *.gz)";
  fail("fashion_mnist: ", src.path().string(), ": wrong magic number ", hex32(got), hint,
       ", expected ", hex32(expected), " (", expected, ", an ", kind, " file)");
}

// Reads the header's uint32 words and checks the first, the magic number,
// before anything else: a file of the wrong kind is named as such, not as
// "truncated".
std::vector<uint32_t> read_header(ByteSource& src, size_t words, uint32_t magic, const char* kind) {
  std::vector<uint8_t> raw(words * 4);
  const size_t got = src.read(raw.data(), raw.size());
  std::vector<uint32_t> out(words);
  for (size_t i = 0; i < words && 4 * i + 4 <= got; ++i) {
    // IDX stores integers big-endian (most significant byte first).
    out[i] = (uint32_t{raw[4 * i]} << 24) | (uint32_t{raw[4 * i + 1]} << 16) |
             (uint32_t{raw[4 * i + 2]} << 8) | uint32_t{raw[4 * i + 3]};
  }
  if (got >= 4) check_magic(src, out[0], magic, kind);
  if (got < raw.size()) {
    fail("fashion_mnist: ", src.path().string(), ": truncated: the ", kind, " header needs ",
         raw.size(), " bytes, the file holds only ", got);
  }
  return out;
}

// Reads up to n bytes, growing the buffer as data arrives: a corrupt header
// that promises terabytes ends in a "truncated" error, not a failed allocation.
std::vector<uint8_t> read_exact(ByteSource& src, size_t n) {
  constexpr size_t kChunk = size_t{1} << 22;
  std::vector<uint8_t> out;
  while (out.size() < n) {
    const size_t step = std::min(kChunk, n - out.size());
    const size_t old = out.size();
    out.resize(old + step);
    const size_t got = src.read(out.data() + old, step);
    if (got < step) {
      out.resize(old + got);
      break;
    }
  }
  return out;
}

// How many records to read, given the header's count and the caller's limit.
int64_t records_to_read(int64_t count, int64_t limit) {
  return limit < 0 ? count : std::min(count, limit);
}

void check_no_trailing_bytes(ByteSource& src, int64_t expected_bytes) {
  if (!src.at_end()) {
    fail("fashion_mnist: ", src.path().string(), ": has data after the last record (the header ",
         "promises ", expected_bytes, " bytes in all); is this really an IDX file?");
  }
}

}  // namespace

const std::array<std::string, kFashionMnistClasses>& fashion_mnist_class_names() {
  static const std::array<std::string, kFashionMnistClasses> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

IdxImages read_idx_images(const std::filesystem::path& path, int64_t limit) {
  ByteSource src(path);
  const auto h = read_header(src, 4, kIdxImagesMagic, "idx3 image");
  IdxImages out;
  out.count_in_file = h[1];
  out.rows = h[2];
  out.cols = h[3];
  // The upper bound keeps count * rows * cols inside int64 for any header.
  // Each side is bounded first: rows * cols of two 32-bit sizes can pass 2^63.
  ATTN_CHECK(out.rows > 0 && out.cols > 0 && out.rows <= (int64_t{1} << 24) &&
                 out.cols <= (int64_t{1} << 24) && out.rows * out.cols <= (int64_t{1} << 24),
             "fashion_mnist: ", path.string(), ": the header says images of ", out.rows, "x",
             out.cols, ", expected between 1x1 and 2^24 pixels");
  const int64_t pixels = out.rows * out.cols;
  const int64_t n = records_to_read(out.count_in_file, limit);
  const int64_t want = 16 + out.count_in_file * pixels;

  const std::vector<uint8_t> raw = read_exact(src, static_cast<size_t>(n * pixels));
  if (static_cast<int64_t>(raw.size()) < n * pixels) {
    fail("fashion_mnist: ", path.string(), ": truncated: the header says ", out.count_in_file,
         " images of ", out.rows, "x", out.cols, " (", want, " bytes), but the file ends after ",
         src.total(), " bytes");
  }
  if (n == out.count_in_file) check_no_trailing_bytes(src, want);

  out.images = Tensor::empty({n, pixels});
  real* dst = out.images.data();
  // Pixels are 0..255 with 0 the background; networks learn best on [0, 1].
  for (size_t i = 0; i < raw.size(); ++i) dst[i] = static_cast<real>(raw[i]) / real(255);
  return out;
}

IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes, int64_t limit) {
  ByteSource src(path);
  const auto h = read_header(src, 2, kIdxLabelsMagic, "idx1 label");
  IdxLabels out;
  out.count_in_file = h[1];
  const int64_t n = records_to_read(out.count_in_file, limit);
  const int64_t want = 8 + out.count_in_file;

  const std::vector<uint8_t> raw = read_exact(src, static_cast<size_t>(n));
  if (static_cast<int64_t>(raw.size()) < n) {
    fail("fashion_mnist: ", path.string(), ": truncated: the header says ", out.count_in_file,
         " labels (", want, " bytes), but the file ends after ", src.total(), " bytes");
  }
  if (n == out.count_in_file) check_no_trailing_bytes(src, want);

  out.labels = Tensor::empty({n});
  real* dst = out.labels.data();
  for (int64_t i = 0; i < n; ++i) {
    if (raw[i] >= num_classes) {
      fail("fashion_mnist: ", path.string(), ": label ", int{raw[i]}, " at index ", i,
           " is out of range: expected a class id in 0..", num_classes - 1);
    }
    dst[i] = static_cast<real>(raw[i]);
  }
  return out;
}

std::optional<std::filesystem::path> fashion_mnist_file(const std::filesystem::path& dir,
                                                        const std::string& base) {
#ifdef ATTN_HAVE_ZLIB
  if (std::filesystem::exists(dir / (base + ".gz"))) return dir / (base + ".gz");
#endif
  if (std::filesystem::exists(dir / base)) return dir / base;
#ifndef ATTN_HAVE_ZLIB
  // Name the .gz file anyway, so the reader explains that zlib is missing.
  if (std::filesystem::exists(dir / (base + ".gz"))) return dir / (base + ".gz");
#endif
  return std::nullopt;
}

namespace {

FashionMnistSplit load_split(const std::filesystem::path& dir, const std::string& prefix,
                             int64_t limit) {
  const std::string image_base = prefix + "-images-idx3-ubyte";
  const std::string label_base = prefix + "-labels-idx1-ubyte";
  const auto image_path = fashion_mnist_file(dir, image_base);
  const auto label_path = fashion_mnist_file(dir, label_base);
  if (!image_path || !label_path) {
    fail("fashion_mnist: ", dir.string(), ": missing ", !image_path ? image_base : label_base,
         " (or .gz); expected the four files {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
         " as published by Zalando Research or installed by Debian's dataset-fashion-mnist");
  }
  IdxImages images = read_idx_images(*image_path, limit);
  if (images.rows != kFashionMnistSide || images.cols != kFashionMnistSide) {
    fail("fashion_mnist: ", image_path->string(), ": images are ", images.rows, "x", images.cols,
         ", expected ", kFashionMnistSide, "x", kFashionMnistSide);
  }
  IdxLabels labels = read_idx_labels(*label_path, kFashionMnistClasses, limit);
  if (labels.count_in_file != images.count_in_file) {
    fail("fashion_mnist: ", image_path->string(), " holds ", images.count_in_file, " images but ",
         label_path->string(), " holds ", labels.count_in_file,
         " labels; expected one label per image");
  }
  return {images.images, labels.labels};
}

}  // namespace

FashionMnist load_fashion_mnist(const std::filesystem::path& dir,
                                const FashionMnistOptions& options) {
  if (!std::filesystem::is_directory(dir)) {
    fail("fashion_mnist: ", dir.string(), ": not a directory; expected the folder holding ",
         "train-images-idx3-ubyte[.gz] and its three siblings");
  }
  FashionMnist ds;
  ds.dir = dir;
  ds.train = load_split(dir, "train", options.train_limit);
  ds.test = load_split(dir, "t10k", options.test_limit);
  return ds;
}

std::optional<std::filesystem::path> find_fashion_mnist(std::optional<std::string> dir) {
  if (dir && !dir->empty()) return std::filesystem::path(*dir);
  const std::filesystem::path debian = kFashionMnistDebianDir;
  if (fashion_mnist_file(debian, "train-images-idx3-ubyte")) return debian;
  return std::nullopt;
}

}  // namespace attn::data
