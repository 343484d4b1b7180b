// The Fashion-MNIST / IDX reader: small IDX files written by the test (valid,
// truncated, wrong magic, labels out of range, mismatched counts), each error
// message checked, and the real files when they are installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/fashion_mnist.h"
#include "helpers/errors.h"

#ifdef ATTN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace attn::data {
namespace {

namespace fs = std::filesystem;
using attn::testing::error_of;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {  // big-endian, as IDX stores it
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

std::vector<uint8_t> idx_images(uint32_t count, uint32_t rows, uint32_t cols,
                                uint32_t magic = kIdxImagesMagic) {
  std::vector<uint8_t> out;
  put_u32(out, magic);
  put_u32(out, count);
  put_u32(out, rows);
  put_u32(out, cols);
  // Pixel p of image i is (i * 7 + p) % 256: every value is checkable.
  for (uint32_t i = 0; i < count; ++i)
    for (uint32_t p = 0; p < rows * cols; ++p)
      out.push_back(static_cast<uint8_t>((i * 7 + p) % 256));
  return out;
}

std::vector<uint8_t> idx_labels(const std::vector<uint8_t>& labels,
                                uint32_t magic = kIdxLabelsMagic) {
  std::vector<uint8_t> out;
  put_u32(out, magic);
  put_u32(out, static_cast<uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("attn_idx_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    return p;
  }

  // A complete, valid 28x28 dataset: n_train and n_test examples.
  void write_dataset(uint32_t n_train, uint32_t n_test) {
    std::vector<uint8_t> tr, te;
    for (uint32_t i = 0; i < n_train; ++i) tr.push_back(static_cast<uint8_t>(i % 10));
    for (uint32_t i = 0; i < n_test; ++i) te.push_back(static_cast<uint8_t>((i + 3) % 10));
    write("train-images-idx3-ubyte", idx_images(n_train, 28, 28));
    write("train-labels-idx1-ubyte", idx_labels(tr));
    write("t10k-images-idx3-ubyte", idx_images(n_test, 28, 28));
    write("t10k-labels-idx1-ubyte", idx_labels(te));
  }

  fs::path dir_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "message: " << (haystack)

TEST_F(IdxFiles, ReadsImagesScaledToUnitRange) {
  const fs::path p = write("img", idx_images(3, 2, 5));
  const IdxImages im = read_idx_images(p);
  EXPECT_EQ(im.count_in_file, 3);
  EXPECT_EQ(im.rows, 2);
  EXPECT_EQ(im.cols, 5);
  ASSERT_EQ(im.images.shape(), (Shape{3, 10}));
  const std::vector<real> v = im.images.to_vector();
  for (int i = 0; i < 3; ++i)
    for (int q = 0; q < 10; ++q)
      EXPECT_FLOAT_EQ(v[i * 10 + q], static_cast<real>((i * 7 + q) % 256) / real(255))
          << "image " << i << " pixel " << q;
}

TEST_F(IdxFiles, ReadsLabels) {
  const fs::path p = write("lab", idx_labels({0, 9, 4, 4, 1}));
  const IdxLabels l = read_idx_labels(p);
  EXPECT_EQ(l.count_in_file, 5);
  EXPECT_EQ(l.labels.to_vector(), (std::vector<real>{0, 9, 4, 4, 1}));
}

TEST_F(IdxFiles, LimitReadsOnlyTheFirstRecords) {
  const fs::path p = write("img", idx_images(6, 28, 28));
  const IdxImages im = read_idx_images(p, 2);
  EXPECT_EQ(im.count_in_file, 6);
  EXPECT_EQ(im.images.shape(), (Shape{2, 784}));
  EXPECT_FLOAT_EQ(im.images.at({1, 0}), real(7) / real(255));
  const IdxLabels l = read_idx_labels(write("lab", idx_labels({3, 1, 2})), 10, 2);
  EXPECT_EQ(l.labels.to_vector(), (std::vector<real>{3, 1}));
  // A limit beyond the file's count reads the whole file.
  EXPECT_EQ(read_idx_labels(dir_ / "lab", 10, 100).labels.numel(), 3);
}

TEST_F(IdxFiles, WrongMagicNamesBothNumbers) {
  // A label file handed to the image reader.
  const fs::path p = write("swapped", idx_labels({1, 2}));
  const std::string msg = error_of([&] { read_idx_images(p); });
  EXPECT_CONTAINS(msg, p.string());
  EXPECT_CONTAINS(msg, "wrong magic number 0x00000801");
  EXPECT_CONTAINS(msg, "expected 0x00000803 (2051");
  EXPECT_CONTAINS(msg, "label file");

  const fs::path q = write("junk", idx_labels({1}, 0x12345678));
  const std::string msg2 = error_of([&] { read_idx_labels(q); });
  EXPECT_CONTAINS(msg2, "wrong magic number 0x12345678");
  EXPECT_CONTAINS(msg2, "expected 0x00000801 (2049");
}

TEST_F(IdxFiles, TruncatedImagesSayHowMuchIsThere) {
  std::vector<uint8_t> bytes = idx_images(4, 28, 28);
  bytes.resize(16 + 2 * 784 + 100);  // two and a bit images of four
  const fs::path p = write("short", bytes);
  const std::string msg = error_of([&] { read_idx_images(p); });
  EXPECT_CONTAINS(msg, p.string());
  EXPECT_CONTAINS(msg, "truncated");
  EXPECT_CONTAINS(msg, "4 images of 28x28 (3152 bytes)");
  EXPECT_CONTAINS(msg, "ends after 1684 bytes");
  // The first two images are there, so a limit of 2 reads fine.
  EXPECT_EQ(read_idx_images(p, 2).images.shape(), (Shape{2, 784}));
}

TEST_F(IdxFiles, TruncatedHeader) {
  const fs::path p = write("tiny", {0, 0, 8, 3, 0, 0});
  const std::string msg = error_of([&] { read_idx_images(p); });
  EXPECT_CONTAINS(msg, "truncated");
  EXPECT_CONTAINS(msg, "needs 16 bytes, the file holds only 6");
}

TEST_F(IdxFiles, TruncatedLabels) {
  std::vector<uint8_t> bytes = idx_labels({1, 2, 3, 4, 5});
  bytes.pop_back();
  const fs::path p = write("short", bytes);
  const std::string msg = error_of([&] { read_idx_labels(p); });
  EXPECT_CONTAINS(msg, "truncated: the header says 5 labels (13 bytes)");
  EXPECT_CONTAINS(msg, "ends after 12 bytes");
}

TEST_F(IdxFiles, TrailingBytesAreRejected) {
  std::vector<uint8_t> bytes = idx_labels({1, 2});
  bytes.push_back(7);
  const fs::path p = write("long", bytes);
  EXPECT_CONTAINS(error_of([&] { read_idx_labels(p); }), "data after the last record");
}

TEST_F(IdxFiles, LabelOutOfRangeNamesLabelAndIndex) {
  const fs::path p = write("lab", idx_labels({0, 3, 10, 2}));
  const std::string msg = error_of([&] { read_idx_labels(p); });
  EXPECT_CONTAINS(msg, p.string());
  EXPECT_CONTAINS(msg, "label 10 at index 2 is out of range");
  EXPECT_CONTAINS(msg, "0..9");
  // With 11 classes the same file is fine.
  EXPECT_EQ(read_idx_labels(p, 11).labels.numel(), 4);
}

TEST_F(IdxFiles, MissingFile) {
  const std::string msg = error_of([&] { read_idx_images(dir_ / "nope"); });
  EXPECT_CONTAINS(msg, "nope");
  EXPECT_CONTAINS(msg, "no such file");
}

TEST_F(IdxFiles, LoadsAWholeDatasetWithLimits) {
  write_dataset(12, 5);
  const FashionMnist ds = load_fashion_mnist(dir_, {.train_limit = 8, .test_limit = -1});
  EXPECT_EQ(ds.train.size(), 8);
  EXPECT_EQ(ds.test.size(), 5);
  EXPECT_EQ(ds.train.images.shape(), (Shape{8, 784}));
  EXPECT_EQ(ds.test.labels.at({0}), 3);
  EXPECT_EQ(ds.train.labels.at({7}), 7);
}

TEST_F(IdxFiles, CountMismatchIsCaughtEvenUnderALimit) {
  write_dataset(4, 4);
  write("t10k-labels-idx1-ubyte", idx_labels({1, 2, 3}));
  const std::string msg = error_of([&] { load_fashion_mnist(dir_, {.test_limit = 2}); });
  EXPECT_CONTAINS(msg, "holds 4 images but");
  EXPECT_CONTAINS(msg, "holds 3 labels");
}

TEST_F(IdxFiles, WrongImageSizeForFashionMnist) {
  write_dataset(2, 2);
  write("train-images-idx3-ubyte", idx_images(2, 32, 32));
  const std::string msg = error_of([&] { load_fashion_mnist(dir_); });
  EXPECT_CONTAINS(msg, "images are 32x32, expected 28x28");
}

TEST_F(IdxFiles, MissingFileInDatasetDir) {
  write_dataset(2, 2);
  fs::remove(dir_ / "t10k-labels-idx1-ubyte");
  const std::string msg = error_of([&] { load_fashion_mnist(dir_); });
  EXPECT_CONTAINS(msg, "missing t10k-labels-idx1-ubyte");
  EXPECT_CONTAINS(error_of([&] { load_fashion_mnist(dir_ / "absent"); }), "not a directory");
}

TEST_F(IdxFiles, FindPrefersTheGivenDirectory) {
  EXPECT_EQ(find_fashion_mnist(dir_.string()), dir_);
  // Without a directory: the Debian location if installed, else nothing.
  const auto found = find_fashion_mnist(std::nullopt);
  if (fs::exists(fs::path(kFashionMnistDebianDir) / "train-images-idx3-ubyte.gz") ||
      fs::exists(fs::path(kFashionMnistDebianDir) / "train-images-idx3-ubyte")) {
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, fs::path(kFashionMnistDebianDir));
  } else {
    EXPECT_FALSE(found.has_value());
  }
}

#ifdef ATTN_HAVE_ZLIB
TEST_F(IdxFiles, ReadsGzippedFilesAndPrefersThem) {
  write_dataset(3, 2);
  // A gzipped train-labels with different labels: the reader must take it.
  const std::vector<uint8_t> bytes = idx_labels({9, 8, 7});
  gzFile gz = gzopen((dir_ / "train-labels-idx1-ubyte.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(gz);
  const FashionMnist ds = load_fashion_mnist(dir_);
  EXPECT_EQ(ds.train.labels.to_vector(), (std::vector<real>{9, 8, 7}));
}

TEST_F(IdxFiles, TruncatedGzipIsAnError) {
  const std::vector<uint8_t> bytes = idx_images(20, 28, 28);
  const fs::path full = dir_ / "full.gz";
  gzFile gz = gzopen(full.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  // Cut the compressed stream in half.
  std::ifstream in(full, std::ios::binary);
  std::vector<uint8_t> compressed((std::istreambuf_iterator<char>(in)), {});
  compressed.resize(compressed.size() / 2);
  const fs::path cut = write("cut.gz", compressed);
  const std::string msg = error_of([&] { read_idx_images(cut); });
  EXPECT_CONTAINS(msg, cut.string());
  EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
              msg.find("corrupt gzip") != std::string::npos)
      << msg;
}
#endif

TEST(FashionMnistClasses, NamesInLabelOrder) {
  const auto& names = fashion_mnist_class_names();
  EXPECT_EQ(names[0], "T-shirt/top");
  EXPECT_EQ(names[1], "Trouser");
  EXPECT_EQ(names[9], "Ankle boot");
}

TEST(FashionMnistReal, InstalledFilesHaveTheirPublishedShape) {
  const auto dir = find_fashion_mnist(std::nullopt);
  if (!dir) GTEST_SKIP() << "Fashion-MNIST is not installed at " << kFashionMnistDebianDir;
  // Full label files (cheap), a prefix of the images.
  const FashionMnist ds = load_fashion_mnist(*dir, {.train_limit = 1000, .test_limit = 1000});
  EXPECT_EQ(ds.train.images.shape(), (Shape{1000, 784}));
  const IdxLabels train = read_idx_labels(*fashion_mnist_file(*dir, "train-labels-idx1-ubyte"));
  const IdxLabels test = read_idx_labels(*fashion_mnist_file(*dir, "t10k-labels-idx1-ubyte"));
  EXPECT_EQ(train.count_in_file, 60000);
  EXPECT_EQ(test.count_in_file, 10000);
  // The published sets are balanced: 6000 and 1000 of each class.
  std::vector<int> per_class(10, 0);
  for (real l : train.labels.to_vector()) ++per_class[static_cast<int>(l)];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 6000) << "class " << c;
  // Pixels span the whole [0, 1] range.
  real lo = 1, hi = 0;
  for (real v : ds.test.images.to_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 1);
}

}  // namespace
}  // namespace attn::data
