// Tutorial 01's settings (the keys are listed in autograd_tutorial.h), read before any work
// so that a typo in the config file stops the run at once.
#include <iostream>

#include "autograd/error.h"
#include "autograd_tutorial.h"
#include "data/fashion_mnist.h"

namespace fs = std::filesystem;

Settings read_settings(const attn::train::RunOptions& opts) {
  const attn::train::Config& cfg = opts.config;
  Settings s;
  s.dataset_choice = cfg.get("dataset", "auto");
  const std::string& choice = s.dataset_choice;
  if (choice != "auto" && choice != "fashion_mnist" && choice != "toy2d") {
    attn::fail("config: dataset is \"", choice, "\", expected \"auto\", \"fashion_mnist\" or ",
               "\"toy2d\"");
  }
  if (choice != "toy2d") {
    s.fashion_mnist_dir = attn::data::find_fashion_mnist(
        opts.data_path.empty() ? std::nullopt
                               : std::optional<std::string>(opts.data_path.string()));
    if (!s.fashion_mnist_dir && choice == "fashion_mnist") {
      attn::fail("dataset \"fashion_mnist\": not found at ", attn::data::kFashionMnistDebianDir,
                 "; install Debian's dataset-fashion-mnist or pass --data DIR");
    }
  } else if (!opts.data_path.empty()) {
    std::cout << "note: dataset is \"toy2d\", so --data " << opts.data_path << " is not used\n";
  }
  const bool toy = !s.fashion_mnist_dir;
  const bool q = opts.quick;
  s.hidden = cfg.get<int64_t>("hidden", toy ? 64 : (q ? 64 : 128));
  s.lr = cfg.get("lr", toy ? 0.3 : 0.1);
  s.epochs = cfg.get<int64_t>("epochs", toy ? (q ? 100 : 200) : (q ? 3 : 10));
  s.batch_size = cfg.get<int64_t>("batch_size", toy ? 32 : 64);
  s.train_limit = cfg.get<int64_t>("train_limit", toy ? (q ? 600 : 1500) : (q ? 20000 : -1));
  s.test_limit = cfg.get<int64_t>("test_limit", toy ? (q ? 300 : 600) : (q ? 2000 : -1));
  s.spirals.classes = cfg.get("toy2d_classes", 3);
  s.spirals.turns = cfg.get("toy2d_turns", 1.0);
  s.spirals.noise = cfg.get("toy2d_noise", 0.2);
  cfg.check_unknown_keys();
  ATTN_CHECK(s.hidden >= 1 && s.epochs >= 1 && s.batch_size >= 1 && s.lr > 0,
             "config: hidden, epochs and batch_size must be >= 1 and lr > 0; got hidden ", s.hidden,
             ", epochs ", s.epochs, ", batch_size ", s.batch_size, ", lr ", s.lr);
  if (toy) {
    ATTN_CHECK(s.train_limit >= 2 * s.spirals.classes && s.test_limit >= 2 * s.spirals.classes,
               "config: toy2d needs train_limit and test_limit of at least 2 per class, got ",
               s.train_limit, " and ", s.test_limit);
  }
  return s;
}
