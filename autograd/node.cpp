#include "autograd/node.h"

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/profiler.h"

namespace attn {

Node::Node(std::string op, std::vector<Tensor> inputs, std::vector<Shape> output_shapes,
           BackwardFn backward)
    : op_(std::move(op)),
      inputs_(std::move(inputs)),
      output_shapes_(std::move(output_shapes)),
      backward_(std::move(backward)) {}

// An unrolled RNN makes a chain of 10^5 nodes. Freeing it the natural way
// (node -> input tensor -> its node -> ...) recurses once per link and
// overflows the stack, so nodes that would die with this one are collected
// and freed one by one from an explicit list instead.
Node::~Node() {
  std::vector<std::shared_ptr<Node>> doomed;
  auto take_inputs = [&doomed](Node& n) {
    n.backward_ = nullptr;  // drops the saved tensors the closure held
    n.grad_outputs_.clear();
    for (Tensor& t : n.inputs_) {
      const auto& impl = t.impl_ptr();
      if (impl && impl.use_count() == 1 && impl->grad_fn && impl->grad_fn.use_count() == 1)
        doomed.push_back(std::move(impl->grad_fn));
      // Drop this handle now: an op that read the same tensor twice (x * x)
      // holds two, and only the last one sees use_count() == 1.
      t = Tensor();
    }
    n.inputs_.clear();
  };
  take_inputs(*this);
  while (!doomed.empty()) {
    std::shared_ptr<Node> n = std::move(doomed.back());
    doomed.pop_back();
    take_inputs(*n);
  }  // n dies here with no inputs left: no recursion
}

namespace {
bool any_requires_grad(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}
}  // namespace

std::vector<Tensor> record_multi(const char* op, std::vector<Tensor> outs,
                                 std::vector<Tensor> inputs, BackwardFn backward) {
  profiler::note_record(op);  // with the profiler on: did this op open its scope?
  if (!grad_enabled() || !any_requires_grad(inputs)) return outs;
  std::vector<Shape> shapes;
  for (const Tensor& o : outs) shapes.push_back(o.shape());
  auto node = std::make_shared<Node>(op, std::move(inputs), std::move(shapes), std::move(backward));
  for (size_t i = 0; i < outs.size(); ++i) {
    TensorImpl* impl = outs[i].impl();
    ATTN_CHECK(impl->grad_fn == nullptr, op, ": output ", i, " already belongs to another op");
    impl->grad_fn = node;
    impl->output_nr = static_cast<int>(i);
    impl->requires_grad = true;
  }
  return outs;
}

Tensor or_zeros(const Tensor& g, const Shape& shape) {
  return g.defined() ? g : Tensor::zeros(shape);
}

Tensor record(const char* op, Tensor out, std::vector<Tensor> inputs, UnaryBackwardFn backward) {
  auto outs =
      record_multi(op, {std::move(out)}, std::move(inputs),
                   [bw = std::move(backward)](const std::vector<Tensor>& g) { return bw(g[0]); });
  return outs[0];
}

}  // namespace attn
