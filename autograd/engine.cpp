// backward(): reverse-mode automatic differentiation.
//
// 1. Order the nodes reachable from the output so that every node comes
//    before the nodes of its inputs (a reversed post-order of a depth-first
//    walk, done with an explicit stack: graphs of 10^5 nodes are common).
// 2. Seed dL/d(output) (1 for a scalar loss) and visit the nodes in that
//    order. Each node's gradients are complete when it is visited, because
//    every node that uses its outputs came earlier. Its backward maps
//    dL/d(outputs) to dL/d(inputs), which are summed into the input's node
//    (or, for a leaf, into leaf.grad) — summed, because a tensor used twice
//    receives a gradient from each use.
// 3. Unless retain_graph, a visited node lets go of its saved tensors.
// With the profiler on, each backward function is timed under its node's name, and the rest
// (ordering, summing gradients) as "backward_engine".
#include <algorithm>
#include <unordered_set>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/vector_kernels.h"

namespace attn {

struct Engine {
  static std::vector<Node*> topological_order(Node* root) {
    std::vector<Node*> post;
    std::unordered_set<Node*> seen{root};
    std::vector<std::pair<Node*, size_t>> stack{{root, 0}};  // (node, next input to visit)
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs_.size()) {
        Node* child = node->inputs_[next++].grad_fn();
        if (child && seen.insert(child).second) stack.push_back({child, 0});
      } else {
        post.push_back(node);
        stack.pop_back();
      }
    }
    return {post.rbegin(), post.rend()};
  }

  // dst[0, n) += src[0, n), on as many threads as the size pays for.
  static void add_into(real* dst, const real* src, int64_t n) {
    parallel_elements(n, [=](int64_t begin, int64_t end) {
      simd::add(dst + begin, src + begin, dst + begin, end - begin);
    });
  }

  // Adds g into a leaf's .grad. The first gradient is copied, not aliased:
  // a backward may hand the same tensor to two inputs.
  static void accumulate_leaf(TensorImpl* impl, const Tensor& g) {
    if (!impl->grad) {
      auto copy = std::make_shared<TensorImpl>();
      copy->shape = g.shape();
      copy->storage = std::make_shared<Storage>(*g.impl()->storage);
      impl->grad = std::move(copy);
      return;
    }
    add_into(impl->grad->storage->data.data(), g.data(), g.numel());
  }

  static void run(const Tensor& root, const Tensor& seed, bool retain_graph) {
    NoGradGuard no_grad;  // the backward pass builds no graph of its own
    profiler::Scope profile("backward_engine", /*backward=*/true);
    if (root.is_leaf()) {
      accumulate_leaf(root.impl(), seed);
      return;
    }
    Node* root_node = root.grad_fn();
    const auto order = topological_order(root_node);
    root_node->grad_outputs_.resize(root_node->output_shapes_.size());
    root_node->grad_outputs_[root.output_nr()] = seed;

    for (Node* node : order) {
      ATTN_CHECK(node->backward_, "backward: the graph through '", node->op_,
                 "' was already freed by an earlier backward(); call backward(true) "
                 "(retain_graph) the first time to walk it twice");
      auto& gouts = node->grad_outputs_;
      gouts.resize(node->output_shapes_.size());
      // An output nobody used keeps an undefined gradient: the backward reads it as zero
      // (or_zeros in node.h) and need not fill it (an attention op's unused weights are
      // B T S values).
      const bool any = std::any_of(gouts.begin(), gouts.end(),
                                   [](const Tensor& g) { return g.defined(); });
      if (!any) {  // no gradient reaches it (its outputs were not used by the loss)
        gouts.clear();
        if (!retain_graph) node->backward_ = nullptr;
        continue;
      }
      std::vector<Tensor> gins;
      {
        profiler::Scope profile(node->op_.c_str(), /*backward=*/true);
        gins = node->backward_(gouts);
      }
      ATTN_CHECK(gins.size() == node->inputs_.size(), "backward of '", node->op_, "' returned ",
                 gins.size(), " gradients for ", node->inputs_.size(), " inputs");
      for (size_t i = 0; i < gins.size(); ++i) {
        const Tensor& in = node->inputs_[i];
        const Tensor& g = gins[i];
        if (!in.requires_grad() || !g.defined()) continue;
        ATTN_CHECK(g.shape() == in.shape(), "backward of '", node->op_, "' returned a gradient of ",
                   "shape ", shape_str(g.shape()), " for input ", i, " of shape ",
                   shape_str(in.shape()));
        if (in.impl()->retains_grad || in.is_leaf()) accumulate_leaf(in.impl(), g);
        if (Node* producer = in.grad_fn()) {
          auto& slot = producer->grad_outputs_;
          slot.resize(producer->output_shapes_.size());
          Tensor& acc = slot[in.output_nr()];
          if (!acc.defined())
            acc = g;  // not copied: g may be shared, so the first sum below is out of place
          else if (acc.impl_ptr().use_count() == 1 && acc.impl()->storage.use_count() == 1)
            add_into(acc.data(), g.data(), acc.numel());  // only the slot sees it
          else
            acc = add(acc, g);
        }
      }
      gouts.clear();
      if (!retain_graph) node->backward_ = nullptr;  // frees what backward saved
    }
  }
};

void Tensor::backward(bool retain_graph) {
  check_defined("backward");
  ATTN_CHECK(requires_grad(), "backward: this tensor does not require grad (no input of the ",
             "computation had requires_grad=true, or it ran under NoGradGuard)");
  ATTN_CHECK(numel() == 1, "backward: the output has shape ", shape_str(shape()),
             "; backward() without a gradient needs a scalar (one element). Reduce it first "
             "(e.g. .sum()) or pass dL/d(output) to backward(grad)");
  Engine::run(*this, Tensor::ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& grad, bool retain_graph) {
  check_defined("backward");
  ATTN_CHECK(requires_grad(), "backward: this tensor does not require grad");
  ATTN_CHECK(grad.defined() && grad.shape() == shape(), "backward: gradient of shape ",
             grad.defined() ? shape_str(grad.shape()) : "undefined", " for an output of shape ",
             shape_str(shape()), "; they must match");
  Engine::run(*this, grad.detach(), retain_graph);
}

}  // namespace attn
