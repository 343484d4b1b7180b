#include "data/image_io.h"

#include "autograd/error.h"

// The one translation unit of the project that compiles stb's implementations.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "data/atomic_file.h"

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
  int w = 0, h = 0, stored = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load(path.string().c_str(), &w, &h, &stored, desired_channels), stbi_image_free);
  if (!data) {
    const char* why = stbi_failure_reason();
    throw Error("load_image: cannot decode '" + path.string() +
                "': " + (why != nullptr ? why : "unknown reason"));
  }
  Image image;
  image.width = w;
  image.height = h;
  image.channels = desired_channels != 0 ? desired_channels : stored;
  image.pixels.assign(data.get(), data.get() + static_cast<std::size_t>(w) * h * image.channels);
  return image;
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
