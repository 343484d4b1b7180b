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
// and what arrived. So does a number above the key's limit in the table of
// config.cpp (batch_size, max_len, hidden sizes...): a value that could not
// fit in memory stops the run before any work, not minutes into it. Keys that are each within
// their limits but too big together are caught by the tutorial's MemoryEstimate
// (memory_estimate.h). Every key read is remembered with the value used (the
// file's or the default), so effective() records the whole configuration of
// a run, e.g. into metrics.json.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
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
  // path: unreadable, a directory, a syntax error (with line and column), a
  // key given twice, nesting deeper than 64 levels, or not an object.
  static Config load(const std::filesystem::path& path);
  // The same from text already in memory; `source` names it in messages.
  static Config parse(std::string_view text, const std::string& source);

  // The largest value a config may give `key` (a whole-number or real key;
  // "hidden[2]" is checked as "hidden"), or +infinity for a key with no limit.
  static double upper_limit(const std::string& key);

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
  template <class T>
  T convert_number(const std::string& key, const nlohmann::json& v) const;
  [[noreturn]] void type_error(const std::string& key, const std::string& expected,
                               const nlohmann::json& got) const;
  void check_limit(const std::string& key, double value) const;

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
  } else if constexpr (std::is_arithmetic_v<T>) {
    const T x = convert_number<T>(key, v);
    check_limit(key, static_cast<double>(x));
    return x;
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

template <class T>
T Config::convert_number(const std::string& key, const nlohmann::json& v) const {
  if constexpr (std::is_integral_v<T>) {
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
    // 2^digits is the first whole number past max(), and exact in a double;
    // comparing with double(max()) would round up to it for int64 and let
    // 2^63 through into an out-of-range (undefined) conversion.
    const double past_max = std::ldexp(1.0, std::numeric_limits<T>::digits);
    const double min = std::is_signed_v<T> ? -past_max : 0.0;
    if (!(d >= min && d < past_max)) {
      type_error(key,
                 "a whole number in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                     std::to_string(std::numeric_limits<T>::max()) + "]",
                 v);
    }
    return static_cast<T>(d);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) type_error(key, "a number", v);
    const double d = v.get<double>();
    if (std::is_same_v<T, float> && std::abs(d) > std::numeric_limits<float>::max()) {
      type_error(key, "a number of at most 3.4e38 in size (a float)", v);
    }
    return static_cast<T>(d);
  }
}

}  // namespace attn::train
