// Views: ops that change only the shape. The result shares x's buffer, since
// a contiguous row-major buffer reads the same under any shape of equal numel.
//   reshape   x [..] -> shape (one size may be -1: inferred)
//   flatten   [a, b, c, d] (start 1, end 2) -> [a, b*c, d]
//   squeeze   removes a size-1 dim; unsqueeze inserts one
// Backward of every view: reshape the gradient back to x's shape.
#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops/shape_ops.h"
#include "autograd/profiler.h"

namespace attn {

namespace {
Shape infer_shape(const Shape& from, Shape to, const char* op) {
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < to.size(); ++i) {
    if (to[i] == -1) {
      ATTN_CHECK(infer_at < 0, op, ": only one size may be -1, got ", shape_str(to));
      infer_at = static_cast<int64_t>(i);
    } else {
      ATTN_CHECK(to[i] >= 0, op, ": invalid size ", to[i], " in ", shape_str(to));
      known *= to[i];
    }
  }
  const int64_t n = numel(from);
  if (infer_at >= 0) {
    ATTN_CHECK(known != 0 && n % known == 0, op, ": cannot reshape ", shape_str(from), " (", n,
               " elements) to ", shape_str(to));
    to[infer_at] = n / known;
  }
  ATTN_CHECK(numel(to) == n, op, ": cannot reshape ", shape_str(from), " (", n, " elements) to ",
             shape_str(to), " (", numel(to), " elements)");
  return to;
}

Tensor view_as(const char* op, const Tensor& x, const Shape& shape) {
  ATTN_PROFILE_OP(op);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->storage = x.impl()->storage;
  Tensor out(impl);
  return record(op, out, {x},
                [xs = x.shape()](const Tensor& g) { return std::vector<Tensor>{reshape(g, xs)}; });
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  ATTN_CHECK(x.defined(), "reshape: the input is undefined");
  return view_as("reshape", x, infer_shape(x.shape(), shape, "reshape"));
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  ATTN_CHECK(x.defined(), "flatten: the input is undefined");
  const Shape& s = x.shape();
  if (s.empty()) return view_as("flatten", x, {1});
  const int64_t nd = static_cast<int64_t>(s.size());
  const int64_t a = normalize_dim(start_dim, nd, "flatten"),
                b = normalize_dim(end_dim, nd, "flatten");
  ATTN_CHECK(a <= b, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape out(s.begin(), s.begin() + a);
  int64_t merged = 1;
  for (int64_t d = a; d <= b; ++d) merged *= s[d];
  out.push_back(merged);
  out.insert(out.end(), s.begin() + b + 1, s.end());
  return view_as("flatten", x, out);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  ATTN_CHECK(x.defined(), "squeeze: the input is undefined");
  Shape s = x.shape();
  const int64_t d = normalize_dim(dim, static_cast<int64_t>(s.size()), "squeeze");
  ATTN_CHECK(s[d] == 1, "squeeze: dimension ", dim, " of shape ", shape_str(s), " has size ", s[d],
             ", expected 1");
  s.erase(s.begin() + d);
  return view_as("squeeze", x, s);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  ATTN_CHECK(x.defined(), "unsqueeze: the input is undefined");
  Shape s = x.shape();
  const int64_t d = normalize_dim(dim, static_cast<int64_t>(s.size()) + 1, "unsqueeze");
  s.insert(s.begin() + d, 1);
  return view_as("unsqueeze", x, s);
}

}  // namespace attn
