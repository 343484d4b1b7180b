#pragma once
// A tutorial's hyperparameters, read from the JSON file given with --config.
//
//   const int epochs = opts.config.get("epochs", 10);      // int, default 10
//   const float lr   = opts.config.get("lr", 1e-3f);
//   const auto dims  = opts.config.get("hidden", std::vector<int>{64, 64});
//   opts.config.check_unknown_keys();   // after the last get: catches typos
//
// The type of the default is the type asked for. A value of the wrong type
// throws attn::Error naming the file, the key, what was expected
// and what arrived. Every key read is remembered with the value used (the
// file's or the default), so effective() records the whole configuration of
// a run, e.g. into metrics.json.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace attn::train {

class Config {
 public:
  // No file: every get returns its default.
  Config() = default;
  // `values` must be a JSON object; `source` names it in error messages.
  Config(nlohmann::json values, std::string source);
  // Reads a JSON object from a file. Throws attn::Error naming the
  // path: unreadable, a syntax error (with line and column), or not an object.
  static Config load(const std::filesystem::path& path);

  // Supported types: bool, integers, float, double, std::string, and
  // std::vector of those.
  template <class T>
  T get(const std::string& key, T fallback) const;
  std::string get(const std::string& key, const char* fallback) const {
    return get<std::string>(key, std::string(fallback));
  }

  bool contains(const std::string& key) const { return values_.contains(key); }

  // Throws attn::Error if the file has keys that no get() asked
  // for, listing them (with the nearest known key as a suggestion) and every
  // key the tutorial reads.
  void check_unknown_keys() const;

  // Every key read so far with the value used: {"epochs": 10, "lr": 0.001}.
  const nlohmann::json& effective() const { return used_; }
  // The file's contents as given.
  const nlohmann::json& values() const { return values_; }
  const std::string& source() const { return source_; }

 private:
  template <class T>
  T convert(const std::string& key, const nlohmann::json& v) const;
  [[noreturn]] void type_error(const std::string& key, const std::string& expected,
                               const nlohmann::json& got) const;

  nlohmann::json values_ = nlohmann::json::object();
  std::string source_ = "(no config file)";
  mutable nlohmann::json used_ = nlohmann::json::object();
};

template <class T>
T Config::get(const std::string& key, T fallback) const {
  auto it = values_.find(key);
  T result = it == values_.end() ? std::move(fallback) : convert<T>(key, *it);
  used_[key] = result;
  return result;
}

template <class T>
T Config::convert(const std::string& key, const nlohmann::json& v) const {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) type_error(key, "true or false", v);
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    // 3 and 3.0 are both fine; 3.5 and 1e30 are not.
    if (!v.is_number()) type_error(key, "a whole number", v);
    const double d = v.get<double>();
    if (std::trunc(d) != d) type_error(key, "a whole number", v);
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      const auto i = v.get<std::int64_t>();
      if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (i > 0 && static_cast<std::uint64_t>(i) >
                        static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
        type_error(key,
                   "a whole number in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                       std::to_string(std::numeric_limits<T>::max()) + "]",
                   v);
      }
      return static_cast<T>(i);
    }
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        type_error(key, "a whole number up to " + std::to_string(std::numeric_limits<T>::max()), v);
      }
      return static_cast<T>(u);
    }
    if (d < static_cast<double>(std::numeric_limits<T>::min()) ||
        d > static_cast<double>(std::numeric_limits<T>::max())) {
      type_error(key, "a whole number in range", v);
    }
    return static_cast<T>(d);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) type_error(key, "a number", v);
    return v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) type_error(key, "a string", v);
    return v.get<std::string>();
  } else if constexpr (requires { typename T::value_type; } &&
                       std::is_same_v<T, std::vector<typename T::value_type>>) {
    if (!v.is_array()) type_error(key, "a list [...]", v);
    T out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      out.push_back(convert<typename T::value_type>(key + "[" + std::to_string(i) + "]", v[i]));
    }
    return out;
  } else {
    static_assert(sizeof(T) == 0, "Config::get: unsupported type");
  }
}

}  // namespace attn::train
