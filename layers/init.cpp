#include "layers/init.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/random.h"

namespace attn::nn::init {

std::pair<int64_t, int64_t> fans(const Shape& shape) {
  ATTN_CHECK(shape.size() >= 2, "init::fans: a weight of shape ", shape_str(shape),
             " has fewer than 2 dimensions; fan in and fan out need [out, in, ...]");
  int64_t receptive = 1;  // the kernel taps of a conv weight; 1 for a matrix
  for (size_t d = 2; d < shape.size(); ++d) receptive *= shape[d];
  return {shape[1] * receptive, shape[0] * receptive};
}

void uniform_(Tensor& t, double lo, double hi) {
  ATTN_CHECK(lo <= hi, "init::uniform_: lo ", lo, " is greater than hi ", hi);
  auto& g = global_generator();
  real* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    p[i] = static_cast<real>(lo + (hi - lo) * g.uniform());
}

void normal_(Tensor& t, double mean, double std) {
  ATTN_CHECK(std >= 0, "init::normal_: std must be >= 0, got ", std);
  auto& g = global_generator();
  real* p = t.data();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<real>(mean + std * g.normal());
}

void constant_(Tensor& t, double value) {
  t.fill_(static_cast<real>(value));
}
void zeros_(Tensor& t) {
  t.fill_(real(0));
}
void ones_(Tensor& t) {
  t.fill_(real(1));
}

void kaiming_uniform_(Tensor& w, double a) {
  const auto [fan_in, fan_out] = fans(w.shape());
  ATTN_CHECK(fan_in > 0, "init::kaiming_uniform_: fan_in is 0 for shape ", shape_str(w.shape()));
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / double(fan_in));
  uniform_(w, -bound, bound);
}

void xavier_uniform_(Tensor& w, double gain) {
  const auto [fan_in, fan_out] = fans(w.shape());
  ATTN_CHECK(fan_in + fan_out > 0, "init::xavier_uniform_: fans are 0 for shape ",
             shape_str(w.shape()));
  const double bound = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  uniform_(w, -bound, bound);
}

void xavier_normal_(Tensor& w, double gain) {
  const auto [fan_in, fan_out] = fans(w.shape());
  ATTN_CHECK(fan_in + fan_out > 0, "init::xavier_normal_: fans are 0 for shape ",
             shape_str(w.shape()));
  normal_(w, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)));
}

void bias_uniform_(Tensor& b, int64_t fan_in) {
  if (fan_in <= 0) return zeros_(b);  // PyTorch's bound is 0 then
  const double bound = 1.0 / std::sqrt(double(fan_in));
  uniform_(b, -bound, bound);
}

}  // namespace attn::nn::init
