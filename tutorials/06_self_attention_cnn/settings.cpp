// Tutorial 06's settings: the one place its defaults live (the keys are listed in
// self_attention_cnn.h), read before any work so that a typo in the config stops the run at once.
#include "autograd/error.h"
#include "self_attention_cnn.h"

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
  s.long_range = read_long_range(cfg, opts.quick);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.batch_size >= 2, "config: batch_size must be >= 2, got ", s.batch_size);
  check_long_range(s.long_range);
  return s;
}
