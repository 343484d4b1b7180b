// Tensor's op methods and operators: each forwards to the free function, so
// an op lives in one place (autograd/ops/) however it is called.
#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace attn {

Tensor Tensor::clone() const {
  ATTN_PROFILE_OP("clone");
  check_defined("clone");
  Tensor out = Tensor::uninitialized(shape());
  out.copy_(*this);
  return record("clone", out, {*this}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor Tensor::operator-() const {
  return neg(*this);
}
Tensor Tensor::exp() const {
  return attn::exp(*this);
}
Tensor Tensor::log() const {
  return attn::log(*this);
}
Tensor Tensor::sqrt() const {
  return attn::sqrt(*this);
}
Tensor Tensor::abs() const {
  return attn::abs(*this);
}
Tensor Tensor::pow(real p) const {
  return attn::pow(*this, p);
}
Tensor Tensor::clamp(real lo, real hi) const {
  return attn::clamp(*this, lo, hi);
}
Tensor Tensor::tanh() const {
  return attn::tanh(*this);
}
Tensor Tensor::sigmoid() const {
  return attn::sigmoid(*this);
}
Tensor Tensor::relu() const {
  return attn::relu(*this);
}
Tensor Tensor::leaky_relu(double negative_slope) const {
  return attn::leaky_relu(*this, negative_slope);
}
Tensor Tensor::gelu() const {
  return attn::gelu(*this);
}
Tensor Tensor::sum() const {
  return attn::sum(*this);
}
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const {
  return attn::sum(*this, dims, keepdim);
}
Tensor Tensor::mean() const {
  return attn::mean(*this);
}
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const {
  return attn::mean(*this, dims, keepdim);
}
Tensor Tensor::max(int64_t dim, bool keepdim) const {
  return attn::max(*this, dim, keepdim);
}
Tensor Tensor::argmax(int64_t dim, bool keepdim) const {
  return attn::argmax(*this, dim, keepdim);
}
Tensor Tensor::reshape(const Shape& s) const {
  return attn::reshape(*this, s);
}
Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  return attn::transpose(*this, d0, d1);
}
Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  return attn::permute(*this, dims);
}
Tensor Tensor::unsqueeze(int64_t d) const {
  return attn::unsqueeze(*this, d);
}
Tensor Tensor::squeeze(int64_t d) const {
  return attn::squeeze(*this, d);
}
Tensor Tensor::expand(const Shape& s) const {
  return attn::expand(*this, s);
}
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return attn::slice(*this, dim, start, end, step);
}
Tensor Tensor::softmax(int64_t dim) const {
  return attn::softmax(*this, dim);
}
Tensor Tensor::log_softmax(int64_t dim) const {
  return attn::log_softmax(*this, dim);
}
Tensor Tensor::matmul(const Tensor& other) const {
  return attn::matmul(*this, other);
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator+(const Tensor& a, real s) {
  return add(a, Tensor::scalar(s));
}
Tensor operator-(const Tensor& a, real s) {
  return sub(a, Tensor::scalar(s));
}
Tensor operator*(const Tensor& a, real s) {
  return mul(a, Tensor::scalar(s));
}
Tensor operator/(const Tensor& a, real s) {
  return div(a, Tensor::scalar(s));
}
Tensor operator+(real s, const Tensor& a) {
  return add(Tensor::scalar(s), a);
}
Tensor operator-(real s, const Tensor& a) {
  return sub(Tensor::scalar(s), a);
}
Tensor operator*(real s, const Tensor& a) {
  return mul(Tensor::scalar(s), a);
}
Tensor operator/(real s, const Tensor& a) {
  return div(Tensor::scalar(s), a);
}

}  // namespace attn
