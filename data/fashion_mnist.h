#pragma once
// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 70,000 greyscale 28x28 pictures
// of clothes in 10 classes, a drop-in replacement for the MNIST digits that a
// linear model does not solve. The files use LeCun's IDX format:
//
//   images (idx3): magic 0x00000803 (2051), count N, rows R, cols C  (4 x uint32,
//                  big-endian), then N*R*C bytes, one per pixel, 0 = background
//   labels (idx1): magic 0x00000801 (2049), count N, then N bytes in 0..9
//
// Debian's dataset-fashion-mnist package installs them gzipped under
// /usr/share/datasets/fashion-mnist/; the reader takes the .gz files (when
// built with zlib) or the decompressed ones, whichever is there.
//
//   auto dir = attn::data::find_fashion_mnist(opts.data_dir);   // optional
//   if (dir) {
//     auto ds = attn::data::load_fashion_mnist(*dir, {.train_limit = 5000});
//     ds.train.images;  // [5000, 784], pixels scaled to [0, 1]
//     ds.train.labels;  // [5000], class ids 0..9 as whole numbers
//   }
//
// Every problem (missing file, wrong magic number, truncated file, a label out
// of range, image and label counts that differ) throws attn::Error naming the
// file and what was wrong.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "autograd/tensor.h"

namespace attn::data {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // 2051: unsigned bytes, 3 dims
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // 2049: unsigned bytes, 1 dim
inline constexpr int kFashionMnistClasses = 10;
inline constexpr int kFashionMnistSide = 28;

// Where Debian's dataset-fashion-mnist puts the files.
inline constexpr const char* kFashionMnistDebianDir = "/usr/share/datasets/fashion-mnist";

// "T-shirt/top", "Trouser", ..., "Ankle boot": the names of classes 0..9.
const std::array<std::string, kFashionMnistClasses>& fashion_mnist_class_names();

// The contents of one IDX image file: count x rows x cols pixels.
struct IdxImages {
  int64_t count_in_file = 0;  // what the header says
  int64_t rows = 0, cols = 0;
  Tensor images;  // [n, rows*cols] for the n images read, pixel / 255, so in [0, 1]
};

// The contents of one IDX label file.
struct IdxLabels {
  int64_t count_in_file = 0;  // what the header says
  Tensor labels;              // [n] for the n labels read, whole numbers stored as real
};

// Reads an idx3 image file (gzipped when the name ends in .gz). `limit` >= 0
// keeps only the first `limit` images (and reads no further); -1 reads all and
// also rejects trailing bytes after the last image.
IdxImages read_idx_images(const std::filesystem::path& path, int64_t limit = -1);

// Reads an idx1 label file; every label read must be in [0, num_classes).
IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes = kFashionMnistClasses,
                          int64_t limit = -1);

struct FashionMnistSplit {
  Tensor images;  // [N, 784] in [0, 1]
  Tensor labels;  // [N], 0..9
  int64_t size() const { return labels.defined() ? labels.numel() : 0; }
};

struct FashionMnist {
  FashionMnistSplit train;  // up to 60,000
  FashionMnistSplit test;   // up to 10,000 (the t10k files)
  std::filesystem::path dir;
};

struct FashionMnistOptions {
  int64_t train_limit = -1;  // first N training examples; -1: all
  int64_t test_limit = -1;   // first N test examples; -1: all
};

// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from dir and checks
// that each split has 28x28 images and as many labels as images (by the
// headers, so a mismatch is caught under a limit too).
FashionMnist load_fashion_mnist(const std::filesystem::path& dir,
                                const FashionMnistOptions& options = {});

// The path of one of the four files in dir: "<base>.gz" if that exists (and
// zlib is built in), else "<base>" if it exists, else nullopt.
std::optional<std::filesystem::path> fashion_mnist_file(const std::filesystem::path& dir,
                                                        const std::string& base);

// Where to read Fashion-MNIST from: `dir` when given (a --data flag: the
// loader will then say precisely what is missing there), else the Debian
// install location when its training images are present, else nullopt (the
// caller falls back to a dataset made by code).
std::optional<std::filesystem::path> find_fashion_mnist(std::optional<std::string> dir);

}  // namespace attn::data
