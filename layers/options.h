#pragma once
// ATTN_OPTION(type, name, default): one option of a layer's options class in one line, in
// the style of LibTorch's options: the member name_ (starting at `default`), the chained
// setter name(value), which returns the options object, and the getter name().
//
//   class LinearOptions {
//    public:
//     LinearOptions(int64_t in_features, int64_t out_features)
//         : in_features_(in_features), out_features_(out_features) {}
//     ATTN_OPTION(int64_t, in_features, 0);
//     ATTN_OPTION(int64_t, out_features, 0);
//     ATTN_OPTION(bool, bias, true);
//   };
//   LinearOptions(64, 10).bias(false).bias();   // false
//
// The sizes a constructor takes are options too (with a setter, as in LibTorch); their
// default is overwritten by the constructor. The default may contain commas (a braced
// list): everything after the name is the default.
#include <utility>

#define ATTN_OPTION(T, name, ...) \
 public:                          \
  auto& name(T value) {           \
    name##_ = std::move(value);   \
    return *this;                 \
  }                               \
  T name() const {                \
    return name##_;               \
  }                               \
                                  \
 private:                         \
  T name##_ = __VA_ARGS__;        \
                                  \
 public:                          \
  static_assert(true, "ATTN_OPTION(...) is followed by a semicolon")
