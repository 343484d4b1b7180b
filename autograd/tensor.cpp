#include "autograd/tensor.h"

#include <algorithm>
#include <iomanip>
#include <limits>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/parallel.h"
#include "autograd/random.h"

#ifndef ATTN_POISON_UNINITIALIZED
#define ATTN_POISON_UNINITIALIZED 0
#endif

namespace attn {

namespace {
// p[0, n) = value; a big buffer on several threads (a zeroed gradient of a feature map is
// megabytes).
void fill_elements(real* p, int64_t n, real value) {
  parallel_elements(n, [=](int64_t begin, int64_t end) { std::fill(p + begin, p + end, value); });
}

std::shared_ptr<TensorImpl> new_impl(const Shape& shape, bool requires_grad, bool zeroed) {
  for (int64_t d : shape)
    ATTN_CHECK(d >= 0, "Tensor: shape ", shape_str(shape), " has a negative size");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->storage = std::make_shared<Storage>();
  impl->storage->data.resize(static_cast<size_t>(attn::numel(shape)));  // not zeroed
  auto& d = impl->storage->data;
  if (zeroed) {
    fill_elements(d.data(), static_cast<int64_t>(d.size()), real(0));
  } else if (ATTN_POISON_UNINITIALIZED) {
    // The sanitizer build: an element read before it is written is NaN, and the NaN
    // spreads into whatever a test compares, instead of yesterday's values passing.
    fill_elements(d.data(), static_cast<int64_t>(d.size()), std::numeric_limits<real>::quiet_NaN());
  }
  impl->requires_grad = requires_grad;
  return impl;
}
}  // namespace

// ---- factories --------------------------------------------------------------
Tensor Tensor::empty(const Shape& shape, bool requires_grad) {
  return Tensor(new_impl(shape, requires_grad, /*zeroed=*/true));
}
Tensor Tensor::uninitialized(const Shape& shape) {
  return Tensor(new_impl(shape, false, /*zeroed=*/false));
}
Tensor Tensor::zeros(const Shape& shape, bool requires_grad) {
  return full(shape, real(0), requires_grad);
}
Tensor Tensor::ones(const Shape& shape, bool requires_grad) {
  return full(shape, real(1), requires_grad);
}
Tensor Tensor::full(const Shape& shape, real value, bool requires_grad) {
  Tensor t(new_impl(shape, requires_grad, /*zeroed=*/false));
  t.fill_(value);
  return t;
}
Tensor Tensor::scalar(real value, bool requires_grad) {
  return full({}, value, requires_grad);
}
Tensor Tensor::randn(const Shape& shape, bool requires_grad) {
  Tensor t(new_impl(shape, requires_grad, /*zeroed=*/false));
  auto& g = global_generator();
  for (real& v : t.impl_->storage->data) v = static_cast<real>(g.normal());
  return t;
}
Tensor Tensor::rand(const Shape& shape, bool requires_grad) {
  return uniform(shape, real(0), real(1), requires_grad);
}
Tensor Tensor::uniform(const Shape& shape, real lo, real hi, bool requires_grad) {
  ATTN_CHECK(lo <= hi, "Tensor::uniform: lo ", lo, " is greater than hi ", hi);
  Tensor t(new_impl(shape, requires_grad, /*zeroed=*/false));
  auto& g = global_generator();
  for (real& v : t.impl_->storage->data) v = static_cast<real>(lo + (hi - lo) * g.uniform());
  return t;
}
Tensor Tensor::arange(int64_t n) {
  ATTN_CHECK(n >= 0, "Tensor::arange: n must be >= 0, got ", n);
  Tensor t = uninitialized({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = static_cast<real>(i);
  return t;
}
Tensor Tensor::from_vector(const std::vector<real>& values, const Shape& shape,
                           bool requires_grad) {
  Tensor t(new_impl(shape, requires_grad, /*zeroed=*/false));
  ATTN_CHECK(static_cast<int64_t>(values.size()) == t.numel(),
             "Tensor::from_vector: ", values.size(), " values given for shape ", shape_str(shape),
             " which holds ", t.numel());
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// ---- shape and data ---------------------------------------------------------
void Tensor::check_defined(const char* what) const {
  ATTN_CHECK(impl_ != nullptr, "Tensor::", what, ": the tensor is undefined (default-constructed)");
}
const Shape& Tensor::shape() const {
  check_defined("shape");
  return impl_->shape;
}
int64_t Tensor::size(int64_t d) const {
  return shape()[normalize_dim(d, dim(), "Tensor::size")];
}
int64_t Tensor::numel() const {
  return attn::numel(shape());
}
real* Tensor::data() {
  check_defined("data");
  return impl_->storage->data.data();
}
const real* Tensor::data() const {
  check_defined("data");
  return impl_->storage->data.data();
}
real Tensor::item() const {
  ATTN_CHECK(numel() == 1, "Tensor::item: needs a tensor with one element, got shape ",
             shape_str(shape()));
  return data()[0];
}
namespace {
int64_t flat_index(const Shape& shape, std::initializer_list<int64_t> index) {
  ATTN_CHECK(index.size() == shape.size(), "Tensor::at: ", index.size(),
             " indices given for a tensor of shape ", shape_str(shape));
  int64_t flat = 0, d = 0;
  for (int64_t i : index) {
    ATTN_CHECK(i >= 0 && i < shape[d], "Tensor::at: index ", i, " is out of range for dimension ",
               d, " of size ", shape[d], " (shape ", shape_str(shape), ")");
    flat = flat * shape[d] + i;
    ++d;
  }
  return flat;
}
}  // namespace
real& Tensor::at(std::initializer_list<int64_t> index) {
  return data()[flat_index(shape(), index)];
}
real Tensor::at(std::initializer_list<int64_t> index) const {
  return data()[flat_index(shape(), index)];
}
std::vector<real> Tensor::to_vector() const {
  return {data(), data() + numel()};
}
void Tensor::fill_(real value) {
  check_defined("fill_");
  fill_elements(data(), numel(), value);
}
void Tensor::copy_(const Tensor& src) {
  ATTN_CHECK(src.numel() == numel(), "Tensor::copy_: source of shape ", shape_str(src.shape()),
             " has ", src.numel(), " elements, the destination of shape ", shape_str(shape()),
             " has ", numel());
  std::copy(src.data(), src.data() + numel(), data());
}

// ---- autograd ---------------------------------------------------------------
bool Tensor::requires_grad() const {
  return impl_ && impl_->requires_grad;
}
Tensor& Tensor::requires_grad_(bool on) {
  check_defined("requires_grad_");
  ATTN_CHECK(is_leaf() || on,
             "Tensor::requires_grad_: only a leaf can be switched off; use "
             "detach() for a copy outside the graph");
  impl_->requires_grad = on;
  return *this;
}
bool Tensor::is_leaf() const {
  return !impl_ || impl_->grad_fn == nullptr;
}
Tensor Tensor::grad() const {
  check_defined("grad");
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}
void Tensor::zero_grad() {
  check_defined("zero_grad");
  impl_->grad.reset();
}
void Tensor::set_grad(const Tensor& g) {
  check_defined("set_grad");
  if (g.defined())
    ATTN_CHECK(g.shape() == shape(), "Tensor::set_grad: gradient of shape ", shape_str(g.shape()),
               " for a tensor of shape ", shape_str(shape()));
  impl_->grad = g.impl_ptr();
}
void Tensor::retain_grad() {
  check_defined("retain_grad");
  impl_->retains_grad = true;
}
Node* Tensor::grad_fn() const {
  return impl_ ? impl_->grad_fn.get() : nullptr;
}
int Tensor::output_nr() const {
  return impl_ ? impl_->output_nr : 0;
}
Tensor Tensor::detach() const {
  check_defined("detach");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = impl_->shape;
  impl->storage = impl_->storage;  // shared: a view of the same numbers
  impl->name = impl_->name;
  return Tensor(impl);
}
Tensor& Tensor::set_name(std::string name) {
  check_defined("set_name");
  impl_->name = std::move(name);
  return *this;
}
const std::string& Tensor::name() const {
  check_defined("name");
  return impl_->name;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "Tensor(undefined)";
  os << "Tensor" << shape_str(t.shape()) << " {";
  const int64_t n = t.numel(), show = std::min<int64_t>(n, 24);
  for (int64_t i = 0; i < show; ++i) os << (i ? ", " : "") << std::setprecision(5) << t.data()[i];
  if (show < n) os << ", ... (" << n << " values)";
  os << '}';
  if (t.requires_grad()) os << " requires_grad";
  return os;
}

}  // namespace attn
