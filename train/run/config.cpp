#include "train/run/config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autograd/error.h"
#include "train/io/strict_json.h"

namespace attn::train {

namespace {

// Edit distance, for "did you mean" on a misspelt key.
std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string describe(const nlohmann::json& v) {
  const char* kind = v.is_boolean()          ? "true/false"
                     : v.is_number_integer() ? "a whole number"
                     : v.is_number()         ? "a number"
                     : v.is_string()         ? "a string"
                     : v.is_array()          ? "a list"
                     : v.is_object()         ? "an object"
                                             : "null";
  return brief_json(v) + " (" + kind + ")";
}

// The largest value a config may give a key the tutorials read. Sizes are
// bounded so that one of them at its limit, the others at their defaults,
// still fits in a few GB of memory (an LSTM of hidden_size 2048 holds 2 x 4 x
// 2048^2 weights, ~130 MB, and the optimizer three copies more; attention
// over 512 positions keeps batch x heads x 512^2 weights per layer); counts
// of steps are bounded so a run ends within days. A key not listed here has
// no limit beyond its type's.
struct KeyLimit {
  const char* key;
  double max;
};
constexpr KeyLimit kKeyLimits[] = {
    // how long
    {"epochs", 1e5},
    {"steps", 1e7},
    {"alignment_epochs", 1e5},
    {"fashion_epochs", 1e5},
    {"gan_steps", 1e7},
    {"gan_seeds", 100},
    {"classifier_steps", 1e7},
    {"long_range_steps", 1e7},
    {"long_range_seeds", 100},
    // how much data
    {"batch_size", 4096},
    {"gan_batch_size", 4096},
    {"gan_train_images", 1e6},
    {"gan_test_images", 1e5},
    {"gan_samples", 1e5},
    {"test_per_distance", 1e5},
    {"train_pairs", 1e6},
    {"train_size", 1e6},
    {"alignment_train_pairs", 1e6},
    {"data_max_pairs", 1e7},
    {"train_limit", 1e7},
    {"test_limit", 1e7},
    {"test_per_length", 1e5},
    {"beam_per_length", 1e5},
    {"train_scenes", 1e6},
    {"test_scenes", 1e5},
    {"fashion_train_scenes", 1e6},
    {"beam_images", 1e5},
    {"data_max_images", 1e7},
    // how long a sequence
    {"min_len", 512},
    {"max_len", 512},
    {"test_max_len", 512},
    {"data_max_len", 512},
    // how wide a model
    {"alphabet", 10000},
    {"hidden", 2048},
    {"hidden_size", 2048},
    {"embedding_dim", 2048},
    {"attention_dim", 2048},
    {"d_model", 2048},
    {"d_k", 2048},
    {"head_hidden", 2048},
    {"dim_feedforward", 8192},
    {"heads", 64},
    {"layers", 64},
    {"beam_width", 64},
    {"channels", 2048},
    {"gan_channels", 1024},
    {"cnn_channels", 2048},
    {"gan_z_dim", 4096},
    {"head_channels", 2048},
    {"mark_image_size", 1024},
    // how large a picture, how many things in it
    {"canvas", 1024},
    {"grid", 64},
    {"max_objects", 64},
    {"test_objects", 64},
    {"data_image_size", 1024},
    // how many pictures
    {"heatmaps", 100},
    {"attention_images", 100},
    {"overlay_images", 100},
    {"alignment_examples", 100},
    {"strips", 100},
    {"failures", 100},
    {"explorer_images", 100},
    {"toy2d_classes", 1000},
};

}  // namespace

double Config::upper_limit(const std::string& key) {
  const std::string base = key.substr(0, key.find('['));  // "hidden[2]" -> "hidden"
  for (const KeyLimit& limit : kKeyLimits) {
    if (base == limit.key) return limit.max;
  }
  return std::numeric_limits<double>::infinity();
}

void Config::check_limit(const std::string& key, double value) const {
  const double max = upper_limit(key);
  if (value <= max) return;
  std::ostringstream os;
  os << "config " << source_ << ": key \"" << key << "\" is " << value << ", above its limit of "
     << max << " (a run that large would not fit in memory or end in reasonable time)";
  throw Error(os.str());
}
Config::Config(nlohmann::json values, std::string source)
    : values_(std::move(values)), source_(std::move(source)) {
  if (!values_.is_object()) {
    throw Error("config " + source_ + ": expected a JSON object such as " +
                "{\"epochs\": 10, \"lr\": 0.001}, got " + describe(values_));
  }
}

Config Config::load(const std::filesystem::path& path) {
  const std::string name = std::string("'").append(path.string()).append("'");
  if (path.empty()) throw Error("--config expects a JSON file, got ''");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error("--config " + name + ": is a directory; expected a JSON file");
  }
  if (!std::filesystem::exists(path, ec)) throw Error("--config " + name + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("--config " + name + ": not a regular file; expected a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("--config " + name + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), name);
}

Config Config::parse(std::string_view text, const std::string& source) {
  return Config(parse_strict_json(text, "--config " + source), source);
}

void Config::type_error(const std::string& key, const std::string& expected,
                        const nlohmann::json& got) const {
  throw Error("config " + source_ + ": key \"" + key + "\" expects " + expected + ", got " +
              describe(got));
}

void Config::check_unknown_keys() const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : values_.items()) {
    if (!used_.contains(key)) unknown.push_back(key);
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& [key, value] : used_.items()) known += (known.empty() ? "" : ", ") + key;
  std::string msg = "config " + source_ + ": unknown key";
  msg += unknown.size() > 1 ? "s " : " ";
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    msg += (i ? ", \"" : "\"") + unknown[i] + "\"";
    // Suggest the nearest known key when it is a plausible typo.
    std::string best;
    std::size_t best_d = 3;
    for (const auto& [key, value] : used_.items()) {
      const std::size_t d = levenshtein(unknown[i], key);
      if (d < best_d) best_d = d, best = key;
    }
    if (!best.empty()) msg += " (did you mean \"" + best + "\"?)";
  }
  msg += ". The keys this tutorial reads are: " + (known.empty() ? "(none)" : known);
  throw Error(msg);
}

}  // namespace attn::train
