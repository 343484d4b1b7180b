#include "data/image_io.h"

#include "autograd/error.h"

// The one translation unit of the project that compiles stb's implementations.
// Only stb's PNG decoder is compiled: its other decoders (in the stb_image of
// Debian 12) have known memory-safety bugs on crafted files (16-bit PNM with a
// channel conversion, JPEG Huffman tables), and images come from users'
// folders. JPEG goes to libjpeg-turbo instead, where it is available.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace attn::data {
namespace {
// The most one allocation of stb_image may take. stb's inflate doubles its output buffer for
// as long as the compressed stream goes on, whatever the header declared, so a crafted PNG of
// 164 bytes asked for 2 GiB (found by tests/fuzz/fuzz_image.cpp). decode_png sets the cap
// from the header's size while it decodes; past it an allocation fails, and stb reports
// "outofmem" as a decode error.
thread_local std::size_t stbi_allocation_cap = SIZE_MAX;
void* stbi_capped_malloc(std::size_t n) { return n > stbi_allocation_cap ? nullptr : std::malloc(n); }
void* stbi_capped_realloc(void* p, std::size_t n) {
  return n > stbi_allocation_cap ? nullptr : std::realloc(p, n);
}
}  // namespace
}  // namespace attn::data
#define STBI_MALLOC(n) attn::data::stbi_capped_malloc(n)
#define STBI_REALLOC(p, n) attn::data::stbi_capped_realloc(p, n)
#define STBI_FREE(p) std::free(p)
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "data/atomic_file.h"

#ifdef ATTN_HAVE_JPEG
#include <jpeglib.h>
#endif

namespace attn::data {

namespace {

void check_image(const Image& image, const char* op) {
  const bool sizes_ok =
      image.width > 0 && image.height > 0 && image.channels >= 1 && image.channels <= 4;
  if (!sizes_ok) {
    throw Error(std::string(op) + ": image is " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " with " + std::to_string(image.channels) +
                " channels; expected width, height >= 1 and 1..4 channels");
  }
  const std::size_t expected =
      static_cast<std::size_t>(image.width) * image.height * image.channels;
  if (image.pixels.size() != expected) {
    throw Error(std::string(op) + ": image " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + "x" + std::to_string(image.channels) + " needs " +
                std::to_string(expected) + " bytes, pixels holds " +
                std::to_string(image.pixels.size()));
  }
}

std::uint8_t to_byte(double v) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
}

}  // namespace

Image make_image(int width, int height, int channels) {
  Image image{width, height, channels, {}};
  if (width > 0 && height > 0) {
    image.pixels.assign(static_cast<std::size_t>(width) * height * std::max(channels, 0), 0);
  }
  check_image(image, "make_image");
  return image;
}

namespace {

enum class ImageFormat { kPng, kJpeg, kOther };

// The format the first bytes announce, and a name for the formats refused.
ImageFormat sniff(std::span<const std::uint8_t> b, std::string& name) {
  auto starts = [&](std::string_view magic) {
    return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin(),
                                                  [](char m, std::uint8_t x) {
                                                    return static_cast<std::uint8_t>(m) == x;
                                                  });
  };
  if (starts("\x89PNG\r\n\x1a\n")) return ImageFormat::kPng;
  if (starts("\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (starts("BM")) name = "a BMP image";
  else if (starts("GIF8")) name = "a GIF image";
  else if (starts("8BPS")) name = "a Photoshop (PSD) image";
  else if (starts("#?RADIANCE") || starts("#?RGBE")) name = "an HDR image";
  else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') name = "a PNM (PBM/PGM/PPM) image";
  else if (starts("RIFF")) name = "a RIFF (WebP?) file";
  else if (starts("II*") || starts("MM")) name = "a TIFF image";
  else name = "not a PNG or JPEG image (a TGA, or not an image at all?)";
  return ImageFormat::kOther;
}

void check_pixels(long long w, long long h, const std::string& where) {
  if (w < 1 || h < 1 || w * h > kMaxImagePixels) {
    throw Error(where + "the image is " + std::to_string(w) + "x" + std::to_string(h) +
                " pixels; attnlab reads images of 1 to " + std::to_string(kMaxImagePixels) +
                " pixels (scale it down first)");
  }
}

// Pixels of `from` channels (1 grey, 3 RGB) as `to` channels (1..4).
std::vector<std::uint8_t> convert_channels(const std::vector<std::uint8_t>& px, int from, int to) {
  if (from == to) return px;
  const std::size_t n = px.size() / static_cast<std::size_t>(from);
  std::vector<std::uint8_t> out(n * static_cast<std::size_t>(to));
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* s = &px[i * from];
    std::uint8_t* d = &out[i * to];
    // Luma with the weights stb_image uses (77, 150, 29 out of 256).
    const std::uint8_t grey =
        from == 1 ? s[0] : static_cast<std::uint8_t>((s[0] * 77 + s[1] * 150 + s[2] * 29) >> 8);
    if (to <= 2) {
      d[0] = grey;
    } else {
      for (int c = 0; c < 3; ++c) d[c] = from == 1 ? s[0] : s[c];
    }
    if (to == 2 || to == 4) d[to - 1] = 255;  // opaque
  }
  return out;
}

// The PNG without the empty IDAT chunks that come before the first one with
// data: stb_image copies such a chunk with memcpy(nullptr, ..., 0), undefined
// behaviour (found by tests/fuzz/fuzz_image.cpp). An empty chunk carries no
// pixels, so leaving it out changes nothing. Returns the bytes unchanged (as
// an empty vector) when there is no such chunk.
std::vector<std::uint8_t> without_leading_empty_idat(std::span<const std::uint8_t> b) {
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
  };
  std::vector<std::pair<std::size_t, std::size_t>> drop;  // [begin, end) of each chunk
  bool seen_data = false;
  // A chunk's length and type are 8 bytes; stb reads an empty IDAT's (absent) data as soon as
  // it has those, even when the file ends before the chunk's CRC.
  for (std::size_t at = 8; at + 8 <= b.size() && !seen_data;) {
    const std::uint64_t end = at + 12 + std::uint64_t{be32(at)};
    const bool idat = std::equal(b.begin() + at + 4, b.begin() + at + 8, "IDAT");
    if (idat && be32(at) == 0)
      drop.emplace_back(at, static_cast<std::size_t>(std::min<std::uint64_t>(end, b.size())));
    if (idat && be32(at) > 0) seen_data = true;
    if (end > b.size()) break;
    at = static_cast<std::size_t>(end);
  }
  std::vector<std::uint8_t> out;
  if (drop.empty()) return out;
  std::size_t from = 0;
  for (const auto& [begin, end] : drop) {
    out.insert(out.end(), b.begin() + from, b.begin() + begin);
    from = end;
  }
  out.insert(out.end(), b.begin() + from, b.end());
  return out;
}

Image decode_png(std::span<const std::uint8_t> bytes, int desired_channels,
                 const std::string& where) {
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw Error(where + "the file is too large");
  const std::vector<std::uint8_t> cleaned = without_leading_empty_idat(bytes);
  if (!cleaned.empty()) bytes = cleaned;
  const auto* data = bytes.data();
  const int size = static_cast<int>(bytes.size());
  int w = 0, h = 0, stored = 0;
  // The header first: a few bytes can declare billions of pixels.
  if (stbi_info_from_memory(data, size, &w, &h, &stored) == 0) {
    // (stb's own reason is overwritten by "unknown image type" here.)
    throw Error(where + "cannot decode the PNG: its header is damaged, or declares more " +
                "pixels than stb_image decodes (2^30 bytes)");
  }
  check_pixels(w, h, where);
  // No buffer of a PNG this size needs more than a few times its rows at 16 bits a sample,
  // 4 samples a pixel, plus a filter byte a row (interlacing adds a little per pass).
  struct CapAllocations {
    explicit CapAllocations(std::size_t cap) { stbi_allocation_cap = cap; }
    ~CapAllocations() { stbi_allocation_cap = SIZE_MAX; }
  } cap(4 * (static_cast<std::size_t>(h) * (1 + static_cast<std::size_t>(w) * 8)) + (1 << 20));
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, size, &w, &h, &stored, desired_channels), stbi_image_free);
  if (!pixels) {
    const char* why = stbi_failure_reason();
    throw Error(where + "cannot decode the PNG: " + (why != nullptr ? why : "unknown reason"));
  }
  Image image;
  image.width = w;
  image.height = h;
  image.channels = desired_channels != 0 ? desired_channels : stored;
  image.pixels.assign(pixels.get(),
                      pixels.get() + static_cast<std::size_t>(w) * h * image.channels);
  return image;
}

#ifdef ATTN_HAVE_JPEG
// libjpeg reports a fatal error by calling error_exit, which must not return:
// it jumps back to decode_jpeg with the message.
struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fatal(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}
void jpeg_quiet(j_common_ptr, int) {}  // warnings (e.g. a truncated file) are not printed

Image decode_jpeg(std::span<const std::uint8_t> bytes, int desired_channels,
                  const std::string& where) {
  // Everything that must survive the longjmp lives outside the setjmp scope and
  // has no destructor to skip; the pixels are copied out after the decode.
  jpeg_decompress_struct cinfo{};
  JpegErrors errors{};
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = jpeg_fatal;
  errors.mgr.emit_message = jpeg_quiet;
  unsigned char* volatile rows = nullptr;  // malloc'd, freed on both paths (volatile: set after setjmp)
  std::string refused;            // a limit this function enforces (no jump taken)
  long long width = 0, height = 0;
  int components = 0;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    std::free(rows);
    throw Error(where + "cannot decode the JPEG: " + errors.message);
  }
  jpeg_create_decompress(&cinfo);
  // A cap on libjpeg's working memory (progressive files keep every coefficient).
  cinfo.mem->max_memory_to_use = 1L << 30;
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  width = cinfo.image_width;
  height = cinfo.image_height;
  if (width < 1 || height < 1 || width * height > kMaxImagePixels) {
    refused = "size";
  } else if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    refused = "CMYK";
  } else {
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    components = cinfo.output_components;
    const std::size_t stride = static_cast<std::size_t>(cinfo.output_width) * components;
    rows = static_cast<unsigned char*>(std::malloc(stride * cinfo.output_height));
    if (rows == nullptr) {
      refused = "memory";
    } else {
      while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char* row = rows + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
      }
      jpeg_finish_decompress(&cinfo);
    }
    width = cinfo.output_width;
    height = cinfo.output_height;
  }
  jpeg_destroy_decompress(&cinfo);
  if (refused == "size") {
    check_pixels(width, height, where);
  } else if (!refused.empty()) {
    std::free(rows);
    throw Error(where + (refused == "CMYK"
                             ? "the JPEG is in CMYK colours; save it as RGB (or as PNG)"
                             : "not enough memory to decode the JPEG"));
  }
  std::vector<std::uint8_t> px(rows, rows + static_cast<std::size_t>(width * height) * components);
  std::free(rows);
  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.channels = desired_channels != 0 ? desired_channels : components;
  image.pixels = convert_channels(px, components, image.channels);
  return image;
}
#endif

}  // namespace

Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                   int desired_channels) {
  const std::string where = "load_image: '" + name + "': ";
  if (desired_channels < 0 || desired_channels > 4) {
    throw Error(where + "desired_channels is " + std::to_string(desired_channels) +
                "; expected 0 (as stored) to 4");
  }
  std::string format;
  switch (sniff(bytes, format)) {
    case ImageFormat::kPng:
      return decode_png(bytes, desired_channels, where);
    case ImageFormat::kJpeg:
#ifdef ATTN_HAVE_JPEG
      return decode_jpeg(bytes, desired_channels, where);
#else
      throw Error(where + "is a JPEG, but attnlab was built without libjpeg; convert it to PNG " +
                  "or install libjpeg-turbo (Debian: libjpeg62-turbo-dev) and rebuild");
#endif
    case ImageFormat::kOther:
      break;
  }
  throw Error(where + "cannot decode: " + format +
              "; attnlab reads PNG and JPEG only (convert it, e.g. with ImageMagick: " +
              "convert in.bmp out.png)");
}

Image load_image(const std::filesystem::path& path, int desired_channels) {
  if (desired_channels < 0 || desired_channels > 4) {
    throw Error("load_image: desired_channels is " + std::to_string(desired_channels) +
                "; expected 0 (as stored) to 4");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("load_image: cannot read '" + path.string() +
                "': no such file (or not a regular file)");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxImageFileBytes) {
    throw Error("load_image: '" + path.string() + "': " +
                (ec ? "cannot tell the file's size (" + ec.message() + ")"
                    : "the file has " + std::to_string(size) + " bytes, more than the " +
                          std::to_string(kMaxImageFileBytes) + " an image may have"));
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    throw Error("load_image: cannot read '" + path.string() + "'");
  }
  return decode_image(bytes, path.string(), desired_channels);
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  check_image(image, "encode_png");
  std::vector<std::uint8_t> bytes;
  auto append = [](void* ctx, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
    const auto* p = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), p, p + size);
  };
  const int ok = stbi_write_png_to_func(append, &bytes, image.width, image.height, image.channels,
                                        image.pixels.data(), image.width * image.channels);
  if (ok == 0) {
    throw Error("encode_png: stb_image_write failed for a " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " image");
  }
  return bytes;
}

void save_png(const std::filesystem::path& path, const Image& image) {
  write_file_atomic(path, std::span<const std::uint8_t>(encode_png(image)));
}

Image image_from_chw(std::span<const float> chw, int channels, int height, int width, float lo,
                     float hi) {
  if (channels != 1 && channels != 3) {
    throw Error("image_from_chw: channels is " + std::to_string(channels) +
                "; expected 1 (grey) or 3 (RGB)");
  }
  if (!(hi > lo)) {
    throw Error("image_from_chw: value range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "] is empty; expected lo < hi");
  }
  Image image = make_image(width, height, channels);
  if (chw.size() != image.pixels.size()) {
    throw Error("image_from_chw: " + std::to_string(chw.size()) + " values for [C,H,W] = [" +
                std::to_string(channels) + "," + std::to_string(height) + "," +
                std::to_string(width) + "]; expected " + std::to_string(image.pixels.size()));
  }
  const double scale = 255.0 / (static_cast<double>(hi) - lo);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const float v = chw[(static_cast<std::size_t>(c) * height + y) * width + x];
        image.at(y, x, c) = std::isnan(v) ? 0 : to_byte((v - lo) * scale);
      }
  return image;
}

Image upscale_nearest(const Image& image, int factor) {
  check_image(image, "upscale_nearest");
  if (factor < 1) {
    throw Error("upscale_nearest: factor is " + std::to_string(factor) + "; expected >= 1");
  }
  Image out = make_image(image.width * factor, image.height * factor, image.channels);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < image.channels; ++c)
        out.at(y, x, c) = image.at(y / factor, x / factor, c);
  return out;
}

Image overlay_heatmap(const Image& image, std::span<const float> weights, int grid_h, int grid_w,
                      float alpha, ColorMap map) {
  check_image(image, "overlay_heatmap");
  if (grid_h < 1 || grid_w < 1 ||
      weights.size() != static_cast<std::size_t>(grid_h) * static_cast<std::size_t>(grid_w)) {
    throw Error("overlay_heatmap: " + std::to_string(weights.size()) + " weights for a " +
                std::to_string(grid_h) + "x" + std::to_string(grid_w) +
                " grid; expected grid_h * grid_w >= 1");
  }
  if (!(alpha >= 0.0f && alpha <= 1.0f)) {
    throw Error("overlay_heatmap: alpha is " + std::to_string(alpha) +
                "; expected a value in [0, 1]");
  }
  float top = 0.0f;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0.0f) {
      throw Error("overlay_heatmap: weight " + std::to_string(i) + " is " +
                  std::to_string(weights[i]) + "; expected finite, non-negative attention weights");
    }
    top = std::max(top, weights[i]);
  }
  const double inv_top = top > 0.0f ? 1.0 / top : 0.0;

  // Bilinear sampling with cell centres at (i + 0.5) * H / grid_h: pixel y sits
  // at grid coordinate (y + 0.5) * grid_h / H - 0.5, clamped at the borders.
  auto grid_coord = [](int p, int pixels, int cells, int& i0, int& i1, double& f) {
    double g = (p + 0.5) * cells / pixels - 0.5;
    g = std::clamp(g, 0.0, static_cast<double>(cells - 1));
    i0 = static_cast<int>(g);
    i1 = std::min(i0 + 1, cells - 1);
    f = g - i0;
  };

  Image out = make_image(image.width, image.height, 3);
  for (int y = 0; y < image.height; ++y) {
    int r0, r1;
    double fy;
    grid_coord(y, image.height, grid_h, r0, r1, fy);
    for (int x = 0; x < image.width; ++x) {
      int c0, c1;
      double fx;
      grid_coord(x, image.width, grid_w, c0, c1, fx);
      auto w = [&](int r, int c) { return static_cast<double>(weights[r * grid_w + c]); };
      const double top_row = w(r0, c0) * (1 - fx) + w(r0, c1) * fx;
      const double bottom_row = w(r1, c0) * (1 - fx) + w(r1, c1) * fx;
      const Rgb colour = colormap(map, (top_row * (1 - fy) + bottom_row * fy) * inv_top);
      const std::uint8_t src[3] = {
          image.at(y, x, 0), image.at(y, x, image.channels >= 3 ? 1 : 0),
          image.at(y, x, image.channels >= 3 ? 2 : 0)};  // grey (+alpha): one value thrice
      const std::uint8_t paint[3] = {colour.r, colour.g, colour.b};
      for (int c = 0; c < 3; ++c) {
        out.at(y, x, c) = to_byte((1.0 - alpha) * src[c] + alpha * paint[c]);
      }
    }
  }
  return out;
}

}  // namespace attn::data
