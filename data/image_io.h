#pragma once
// Images in and out: PNG loading with stb_image, JPEG loading with
// libjpeg-turbo, PNG writing with stb_image_write, and the attention overlay of the captioning tutorial (a
// coarse grid of attention weights, upsampled and painted over the picture).
//
// Pixels are 8-bit, row-major, channels interleaved:
//   pixels[(y * width + x) * channels + c],  channels = 1 (grey), 2 (grey+alpha),
//   3 (RGB) or 4 (RGBA).
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "data/colormap.h"

namespace attn::data {

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  std::uint8_t& at(int y, int x, int c) {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
  std::uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
};

// A black image of the given size; throws attn::Error on a size < 1
// or channels outside 1..4.
Image make_image(int width, int height, int channels);

// The largest image load_image decodes (e.g. 8192 x 4096): a header of a few
// bytes can declare billions of pixels, so the size is checked before decoding.
inline constexpr long long kMaxImagePixels = 1LL << 25;
inline constexpr std::uintmax_t kMaxImageFileBytes = std::uintmax_t{1} << 28;  // 256 MB

// Loads a PNG (with stb_image) or a JPEG (with libjpeg-turbo, when attnlab
// was built with it). Other formats are refused with a message naming the
// format: stb's decoders for them are not safe on crafted files.
// desired_channels = 0 keeps the file's channels; 1..4 converts.
// Throws attn::Error with the path and the reason (the decoder's, a pixel
// count over kMaxImagePixels, a format not read).
Image load_image(const std::filesystem::path& path, int desired_channels = 0);
// The same from bytes in memory; `name` stands for the file in messages.
Image decode_image(std::span<const std::uint8_t> bytes, const std::string& name,
                   int desired_channels = 0);

// Encodes as PNG in memory / writes a PNG file atomically (see atomic_file.h).
// Throws attn::Error for an inconsistent Image or on I/O failure.
std::vector<std::uint8_t> encode_png(const Image& image);
void save_png(const std::filesystem::path& path, const Image& image);

// A float image stored channels-first, as tensors hold it (C x H x W), mapped
// from [lo, hi] to [0, 255] (values outside are clamped). C must be 1 or 3.
Image image_from_chw(std::span<const float> chw, int channels, int height, int width,
                     float lo = 0.0f, float hi = 1.0f);

// Each pixel becomes a factor x factor block: makes a 28x28 digit visible in a report.
Image upscale_nearest(const Image& image, int factor);

// Paints an attention grid over an image.
//   image:   H x W, any channel count (grey is expanded, alpha is dropped)
//   weights: grid_h x grid_w, row-major, finite and >= 0 (e.g. the softmax
//            weights over a CNN's 7x7 feature map for one word)
// The grid is upsampled bilinearly to H x W (cell centres at the centres of
// the image regions they stand for), scaled so the largest weight reaches the
// top of the ramp, and blended: out = (1 - alpha) * pixel + alpha * colour.
// Returns an RGB image of the same size. alpha must be in [0, 1].
Image overlay_heatmap(const Image& image, std::span<const float> weights, int grid_h, int grid_w,
                      float alpha, ColorMap map = ColorMap::kMagma);
inline Image overlay_heatmap(const Image& image, const std::vector<float>& weights, int grid_h,
                             int grid_w, float alpha, ColorMap map = ColorMap::kMagma) {
  return overlay_heatmap(image, std::span<const float>(weights), grid_h, grid_w, alpha, map);
}

}  // namespace attn::data
