// Tutorial 05's settings: the one place its defaults live (the keys are listed in
// captioning.h), read before any work so that a typo in the config stops the run at once.
#include <algorithm>

#include "autograd/error.h"
#include "train/run/memory_estimate.h"
#include "captioning.h"

namespace {

// What one training step of the largest model holds, roughly (train/run/memory_estimate.h):
// each conv block's input columns (im2col), output, BatchNorm, ReLU and pooling at its
// resolution, and the decoder's states and attention over the grid at every word.
void check_memory(const Settings& s, bool real_data) {
  const double B = double(s.batch_size);
  double side = double(real_data ? s.data_image_size : s.canvas), c_in = 3, conv = 0, cols = 0;
  for (const int64_t c : s.channels) {
    cols = std::max(cols, B * c_in * 9 * side * side);
    conv += 5 * B * double(c) * side * side;
    c_in = double(c), side = std::max(1.0, side / 2);
  }
  const double L = double(s.grid) * double(s.grid), T = double(s.max_len) + 2;
  attn::train::MemoryEstimate m;
  m.add("the CNN's feature maps", {"batch_size", "canvas", "channels"}, conv);
  m.add("the convolutions' im2col columns", {"batch_size", "canvas", "channels"}, cols);
  m.add("the decoder's states", {"batch_size", "max_len", "hidden_size"},
        B * T * (double(s.embedding_dim) + 12 * double(s.hidden_size)));
  m.add("attention over the grid", {"batch_size", "max_len", "grid", "attention_dim"},
        3 * B * T * L * (double(s.attention_dim) + 1));
  m.add("beam search", {"beam_width", "max_len", "grid", "hidden_size"},
        double(s.beam_width) * T * (L * double(c_in) + 4 * double(s.hidden_size)));
  m.check();
}

}  // namespace

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  const bool q = opts.quick;
  Settings s;
  s.canvas = cfg.get("canvas", 48);
  s.grid = cfg.get("grid", 3);
  s.max_objects = cfg.get("max_objects", 3);
  s.test_objects = cfg.get("test_objects", 4);
  s.train_scenes = cfg.get<int64_t>("train_scenes", q ? 600 : 2000);
  s.test_scenes = cfg.get<int64_t>("test_scenes", q ? 100 : 300);
  s.epochs = cfg.get<int64_t>("epochs", q ? 4 : 10);
  s.batch_size = cfg.get<int64_t>("batch_size", 32);
  s.lr = cfg.get("lr", 0.004);
  s.clip = cfg.get("clip", 5.0);
  s.channels = cfg.get("channels", std::vector<int64_t>{16, 32, 32});
  s.embedding_dim = cfg.get<int64_t>("embedding_dim", 32);
  s.hidden_size = cfg.get<int64_t>("hidden_size", 64);
  s.attention_dim = cfg.get<int64_t>("attention_dim", 32);
  s.doubly_stochastic = cfg.get("doubly_stochastic", 0.01);
  s.compare_lambda_zero = cfg.get("compare_lambda_zero", true);
  s.max_len = cfg.get<int64_t>("max_len", 16);
  s.beam_width = cfg.get<int64_t>("beam_width", 3);
  s.beam_alpha = cfg.get("beam_alpha", 0.6);
  s.beam_images = cfg.get<int64_t>("beam_images", q ? 30 : 100);
  s.strips = cfg.get<int64_t>("strips", q ? 2 : 4);
  s.failures = cfg.get<int64_t>("failures", q ? 4 : 6);
  s.explorer_images = cfg.get<int64_t>("explorer_images", q ? 4 : 8);
  s.fashion = cfg.get("fashion", !q);
  s.fashion_train_scenes = cfg.get<int64_t>("fashion_train_scenes", q ? 200 : 1000);
  s.fashion_epochs = cfg.get<int64_t>("fashion_epochs", q ? 3 : 6);
  s.data_image_size = cfg.get("data_image_size", 64);
  s.data_min_count = cfg.get<int64_t>("data_min_count", 2);
  s.data_max_images = cfg.get<int64_t>("data_max_images", q ? 500 : 0);
  s.data_val_share = cfg.get("data_val_share", 0.1);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.max_objects >= 2 && s.test_objects >= 2,
             "config: max_objects and test_objects must be >= 2 (a caption relates two objects); "
             "got ", s.max_objects, " and ", s.test_objects);
  ATTN_CHECK(s.train_scenes >= 1 && s.test_scenes >= 1 && s.epochs >= 1 && s.batch_size >= 1 &&
                 s.lr > 0 && s.clip >= 0,
             "config: train_scenes, test_scenes, epochs and batch_size must be >= 1, lr > 0 and "
             "clip >= 0; got ", s.train_scenes, ", ", s.test_scenes, ", ", s.epochs, ", ",
             s.batch_size, ", ", s.lr, ", ", s.clip);
  ATTN_CHECK(!s.channels.empty(), "config: channels is empty; give one entry per conv block, "
             "e.g. [16, 32, 32]");
  for (const int64_t c : s.channels)
    ATTN_CHECK(c >= 1, "config: every entry of channels must be >= 1, got ", c);
  ATTN_CHECK(s.embedding_dim >= 1 && s.hidden_size >= 1 && s.attention_dim >= 1,
             "config: embedding_dim, hidden_size and attention_dim must be >= 1");
  ATTN_CHECK(s.doubly_stochastic >= 0, "config: doubly_stochastic (lambda) must be >= 0, got ",
             s.doubly_stochastic);
  ATTN_CHECK(s.max_len >= 1 && s.beam_width >= 1 && s.beam_alpha >= 0 && s.beam_images >= 0,
             "config: max_len and beam_width must be >= 1, beam_alpha and beam_images >= 0");
  ATTN_CHECK(s.strips >= 0 && s.failures >= 0 && s.explorer_images >= 0,
             "config: strips, failures and explorer_images must be >= 0");
  ATTN_CHECK(s.fashion_train_scenes >= 1 && s.fashion_epochs >= 1,
             "config: fashion_train_scenes and fashion_epochs must be >= 1");
  ATTN_CHECK(s.data_image_size >= 8 && s.data_min_count >= 1 && s.data_max_images >= 0 &&
                 s.data_val_share > 0 && s.data_val_share < 1,
             "config: data_image_size must be >= 8, data_min_count >= 1, data_max_images >= 0 "
             "and data_val_share in (0, 1)");
  check_memory(s, !opts.data_path.empty());
  return s;
}
