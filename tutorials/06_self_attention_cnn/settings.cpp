// Tutorial 06's settings: the one place its defaults live (the keys are listed in
// self_attention_cnn.h), read before any work so that a typo in the config stops the run at once.
#include "autograd/error.h"
#include "self_attention_cnn.h"
#include "train/run/memory_estimate.h"

namespace {

LongRangeSettings read_long_range(const attn::train::Config& cfg, bool q) {
  LongRangeSettings s;
  s.marks.image_size = cfg.get("mark_image_size", 24);
  s.marks.mark_size = cfg.get("mark_size", 3);
  s.marks.colours = cfg.get("mark_colours", 4);
  s.marks.noise = cfg.get("mark_noise", 0.1);
  s.marks.speckles = cfg.get("mark_speckles", 6);
  s.marks.min_distance = cfg.get("min_distance", 4);
  s.marks.max_distance = cfg.get("max_distance", 20);
  s.bucket_width = cfg.get("bucket_width", 4);
  s.test_per_distance = cfg.get<int64_t>("test_per_distance", q ? 60 : 200);
  s.channels = cfg.get("cnn_channels", std::vector<int64_t>{8, 32});
  s.head_channels = cfg.get<int64_t>("head_channels", 32);
  s.steps = cfg.get<int64_t>("long_range_steps", q ? 1200 : 2000);
  s.lr = cfg.get("long_range_lr", 0.006);
  s.seeds = cfg.get<int64_t>("long_range_seeds", q ? 1 : 3);
  s.overlay_images = cfg.get<int64_t>("overlay_images", q ? 3 : 4);
  return s;
}

GenerationSettings read_generation(const attn::train::Config& cfg, bool q) {
  GenerationSettings s;
  s.dataset = cfg.get("dataset", "auto");
  s.channels = cfg.get<int64_t>("gan_channels", 16);
  s.z_dim = cfg.get<int64_t>("gan_z_dim", 64);
  s.batch_size = cfg.get<int64_t>("gan_batch_size", 32);
  s.steps = cfg.get<int64_t>("gan_steps", q ? 80 : 1200);
  s.seeds = cfg.get<int64_t>("gan_seeds", q ? 1 : 3);
  s.train_images = cfg.get<int64_t>("gan_train_images", q ? 5000 : 20000);
  s.test_images = cfg.get<int64_t>("gan_test_images", q ? 1000 : 2000);
  s.samples = cfg.get<int64_t>("gan_samples", q ? 500 : 2000);
  s.classifier_steps = cfg.get<int64_t>("classifier_steps", q ? 300 : 3000);
  s.attention_images = cfg.get<int64_t>("attention_images", q ? 3 : 4);
  return s;
}

void check_generation(const GenerationSettings& s) {
  ATTN_CHECK(s.dataset == "auto" || s.dataset == "fashion_mnist" || s.dataset == "glyphs",
             "config: dataset is \"", s.dataset,
             "\"; expected \"auto\", \"fashion_mnist\" or \"glyphs\"");
  ATTN_CHECK(s.channels >= 8, "config: gan_channels is ", s.channels,
             "; the attention layer needs at least 8 (its f and g have C / 8 channels)");
  ATTN_CHECK(s.z_dim >= 1 && s.batch_size >= 2 && s.steps >= 1 && s.seeds >= 1,
             "config: gan_z_dim, gan_steps and gan_seeds must be >= 1 and gan_batch_size >= 2");
  ATTN_CHECK(s.train_images >= s.batch_size && s.test_images >= 2 && s.samples >= 2,
             "config: gan_train_images must be >= gan_batch_size, gan_test_images and "
             "gan_samples >= 2 (a covariance needs two pictures)");
  ATTN_CHECK(s.classifier_steps >= 1 && s.attention_images >= 0,
             "config: classifier_steps must be >= 1 and attention_images >= 0");
}

// What a GAN step holds, roughly (train/run/memory_estimate.h): G's and D's feature maps at
// 7 x 7, 14 x 14 and 28 x 28 for the real and the generated batch, and the two N x N
// attention maps (N = 196); then the judge scoring the samples 500 at a time.
void check_generation_memory(const GenerationSettings& s) {
  const double B = double(s.batch_size), c = double(s.channels);
  attn::train::MemoryEstimate m;
  m.add("G's and D's feature maps", {"gan_batch_size", "gan_channels"},
        3 * B * c * (4 * 49 * 3 + 2 * 196 * 6 + 784 * 6));
  m.add("the attention maps", {"gan_batch_size"}, 3 * B * 196.0 * 196.0 * 4);
  m.add("the pictures in memory", {"gan_train_images", "gan_test_images", "gan_samples"},
        784.0 * double(s.train_images + s.test_images + s.samples));
  m.check();
}

void check_long_range(const LongRangeSettings& s) {
  attn::data::check_mark_pair_options(s.marks);  // says which option is wrong
  ATTN_CHECK(s.bucket_width >= 1 && s.test_per_distance >= 2,
             "config: bucket_width must be >= 1 and test_per_distance >= 2, got ", s.bucket_width,
             " and ", s.test_per_distance);
  ATTN_CHECK(!s.channels.empty(), "config: cnn_channels is empty; give one entry per conv block, "
             "e.g. [16, 32]");
  for (const int64_t c : s.channels)
    ATTN_CHECK(c >= 1, "config: every entry of cnn_channels must be >= 1, got ", c);
  ATTN_CHECK(s.channels.back() >= 8, "config: the last entry of cnn_channels is ",
             s.channels.back(), "; the attention layer needs at least 8 (its f and g have C / 8 "
             "channels)");
  const int f = 1 << s.channels.size();
  ATTN_CHECK(s.marks.image_size % f == 0, "config: mark_image_size ", s.marks.image_size,
             " must be divisible by 2^blocks = ", f, " (", s.channels.size(),
             " entries in cnn_channels, each halves the map)");
  ATTN_CHECK(s.head_channels >= 1 && s.steps >= 1 && s.lr > 0 && s.seeds >= 1 &&
                 s.overlay_images >= 0,
             "config: head_channels, long_range_steps and long_range_seeds must be >= 1, "
             "long_range_lr > 0 and overlay_images >= 0");
}

}  // namespace

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  Settings s;
  s.batch_size = cfg.get<int64_t>("batch_size", 32);
  s.generation = read_generation(cfg, opts.quick);
  s.long_range = read_long_range(cfg, opts.quick);
  cfg.check_unknown_keys();
  check_generation(s.generation);
  check_generation_memory(s.generation);
  ATTN_CHECK(s.batch_size >= 2, "config: batch_size must be >= 2, got ", s.batch_size);
  check_long_range(s.long_range);
  return s;
}
