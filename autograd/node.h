#pragma once
// A node of the graph: one recorded op. It holds the tensors the op read
// (the edges backward() walks) and the op's backward function, which maps
// dL/d(outputs) to dL/d(inputs).
//
// Writing an op (see autograd/ops/*.cpp for many examples):
//
//   Tensor tanh(const Tensor& x) {
//     ATTN_PROFILE_OP("tanh");   // autograd/profiler.h: times the op under its node's name
//     Tensor y = Tensor::empty(x.shape());
//     ... y = tanh(x) elementwise ...
//     return record("tanh", y, {x}, [y = y.detach()](const Tensor& gy) {
//       return std::vector<Tensor>{gy * (1 - y * y)};   // d tanh = 1 - tanh^2
//     });
//   }
//
// Rules: the backward returns one gradient per input, each of that input's
// shape (or an undefined Tensor for "no gradient"); it runs with grad mode
// off. Capture inputs freely, but capture an op's own output only through
// detach() — the output owns the node, so holding it would make a cycle.
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attn {

using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;
using UnaryBackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

class Node {
 public:
  Node(std::string op, std::vector<Tensor> inputs, std::vector<Shape> output_shapes,
       BackwardFn backward);
  ~Node();  // iterative, so a chain of 10^5 nodes is freed without deep recursion
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& op() const { return op_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  const std::vector<Shape>& output_shapes() const { return output_shapes_; }
  bool released() const { return !backward_; }

 private:
  friend struct Engine;
  std::string op_;
  std::vector<Tensor> inputs_;
  std::vector<Shape> output_shapes_;
  BackwardFn backward_;
  std::vector<Tensor> grad_outputs_;  // summed here while backward() runs
};

// Connects the result of an op to the graph when grad mode is on and some
// input requires grad; otherwise returns `out` untouched. Returns `out`.
Tensor record(const char* op, Tensor out, std::vector<Tensor> inputs, UnaryBackwardFn backward);
// The same for an op with several outputs (e.g. a fused LSTM cell: h and c). Its backward
// gets one gradient per output; an output that nothing used gets an undefined tensor, which
// means zero (or_zeros gives it as a tensor; a backward may instead skip what it would add).
std::vector<Tensor> record_multi(const char* op, std::vector<Tensor> outs,
                                 std::vector<Tensor> inputs, BackwardFn backward);
// g, or zeros of `shape` where g is undefined (an unused output's gradient in record_multi).
Tensor or_zeros(const Tensor& g, const Shape& shape);

}  // namespace attn
