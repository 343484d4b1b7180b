#pragma once
// Sequential: modules applied one after another, as PyTorch's nn.Sequential.
//   x -> m0(x) -> m1(.) -> ... ; each module maps one Tensor to one Tensor.
//
//   nn::Sequential mlp(std::make_shared<nn::Linear>(nn::LinearOptions(2, 16)),
//                      std::make_shared<nn::ReLU>(),
//                      std::make_shared<nn::Linear>(nn::LinearOptions(16, 3)));
//   Tensor logits = mlp(x);
//   mlp.named_parameters();   // "0.weight", "0.bias", "2.weight", "2.bias"
//
// Modules are registered under their position ("0", "1", ...), so the names
// match PyTorch's and a checkpoint moves between the two.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"

namespace attn::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <typename... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) : Module("Sequential") {
    (push_back(std::move(modules)), ...);
  }

  // Appends a module that has `Tensor forward(const Tensor&)`; it is owned and
  // registered under the next index.
  template <typename M>
  void push_back(std::shared_ptr<M> module) {
    check_not_null(module.get());
    M* raw = module.get();
    modules_.push_back(register_module(std::to_string(modules_.size()), std::move(module)));
    steps_.push_back([raw](const Tensor& x) { return raw->forward(x); });
  }

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  Module& operator[](size_t i) const;  // bounds-checked
  // The i-th module as its own type, or an error if it is another type.
  template <typename M>
  M& at(size_t i) const {
    auto* m = dynamic_cast<M*>(&(*this)[i]);
    if (!m) wrong_type(i);
    return *m;
  }

 private:
  void check_not_null(const Module* m) const;
  [[noreturn]] void wrong_type(size_t i) const;

  std::vector<std::shared_ptr<Module>> modules_;
  std::vector<std::function<Tensor(const Tensor&)>> steps_;
};

}  // namespace attn::nn
