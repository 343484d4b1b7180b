#pragma once
// Tensor: a shape plus a shared, contiguous, row-major buffer of `real`, and
// the autograd bookkeeping (requires_grad, grad, grad_fn).
//
//   Tensor x = Tensor::randn({B, T, D}, /*requires_grad=*/true);
//   Tensor y = (matmul(x, W) + b).tanh();
//   y.sum().backward();            // x.grad() now holds dL/dx
//
// Copying a Tensor copies a handle: both see the same data (like LibTorch).
// Use clone() for a deep copy and detach() for a handle outside the graph.
// Integer data (token ids, class labels, argmax) is stored as exact whole
// numbers in `real`; float represents every integer up to 2^24 exactly.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "autograd/scalar.h"
#include "autograd/shape.h"
#include "autograd/storage.h"

namespace attn {

class Node;

struct TensorImpl {
  Shape shape;
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;
  bool retains_grad = false;         // a non-leaf that keeps its .grad (retain_grad())
  std::shared_ptr<TensorImpl> grad;  // dL/d(this), accumulated by backward()
  std::shared_ptr<Node> grad_fn;     // the op that made this tensor; null for leaves
  int output_nr = 0;                 // which output of grad_fn this is
  std::string name;                  // optional: shown by the DOT export
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (defined() == false)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- factories -----------------------------------------------------------
  static Tensor empty(const Shape& shape, bool requires_grad = false);  // zeroed
  // Like torch.empty: the contents are whatever the memory held. Only for code that
  // writes every element before anything reads it (an op's output, a scratch buffer).
  static Tensor uninitialized(const Shape& shape);
  static Tensor zeros(const Shape& shape, bool requires_grad = false);
  static Tensor ones(const Shape& shape, bool requires_grad = false);
  static Tensor full(const Shape& shape, real value, bool requires_grad = false);
  static Tensor scalar(real value, bool requires_grad = false);         // shape []
  static Tensor randn(const Shape& shape, bool requires_grad = false);  // N(0,1)
  static Tensor rand(const Shape& shape, bool requires_grad = false);   // U[0,1)
  static Tensor uniform(const Shape& shape, real lo, real hi, bool requires_grad = false);
  static Tensor arange(int64_t n);  // 0, 1, ..., n-1
  static Tensor from_vector(const std::vector<real>& values, const Shape& shape,
                            bool requires_grad = false);
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
  static Tensor ones_like(const Tensor& t) { return ones(t.shape()); }

  // ---- shape and data ------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const;
  real* data();
  const real* data() const;
  real item() const;                               // the value of a one-element tensor
  real& at(std::initializer_list<int64_t> index);  // bounds-checked element access
  real at(std::initializer_list<int64_t> index) const;
  std::vector<real> to_vector() const;
  void fill_(real value);
  void copy_(const Tensor& src);  // same numel; writes the data in place, outside the graph

  // ---- autograd ------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // only on leaves
  bool is_leaf() const;
  Tensor grad() const;  // undefined until backward() reaches this tensor
  void zero_grad();     // drops the accumulated gradient
  void set_grad(const Tensor& g);
  void retain_grad();  // keep .grad on a non-leaf too
  Node* grad_fn() const;
  int output_nr() const;
  // dL/d(leaves) for a scalar L; for a non-scalar output pass dL/d(this).
  // The graph is freed as it is walked unless retain_graph.
  void backward(bool retain_graph = false);
  void backward(const Tensor& grad, bool retain_graph = false);
  Tensor detach() const;  // same data, no history
  Tensor clone() const;   // a copy of the data, differentiable
  Tensor& set_name(std::string name);
  const std::string& name() const;

  // ---- ops as methods (each forwards to the free function in autograd/ops/) -
  Tensor operator-() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(real exponent) const;
  Tensor clamp(real lo, real hi) const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor leaky_relu(double negative_slope = 0.01) const;
  Tensor gelu() const;
  Tensor sum() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor max(int64_t dim, bool keepdim = false) const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor matmul(const Tensor& other) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  void check_defined(const char* what) const;
  std::shared_ptr<TensorImpl> impl_;
};

// Arithmetic with broadcasting; scalars on either side.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, real s);
Tensor operator-(const Tensor& a, real s);
Tensor operator*(const Tensor& a, real s);
Tensor operator/(const Tensor& a, real s);
Tensor operator+(real s, const Tensor& a);
Tensor operator-(real s, const Tensor& a);
Tensor operator*(real s, const Tensor& a);
Tensor operator/(real s, const Tensor& a);

// Prints the shape and (up to a few dozen) values.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace attn
