#pragma once
// Module: the base of every layer and model, in LibTorch's manner (without
// its Impl/holder split). A module owns parameters (tensors that training
// changes), buffers (tensors that it saves but does not train) and
// submodules, each under a name, so that
//   model.named_parameters()  ->  {"encoder.weight_ih_l0", ...}
// gives PyTorch's names, and a checkpoint maps onto them one to one.
//
//   struct Net : nn::Module {
//     nn::Linear fc1{nn::LinearOptions(4, 8)}, fc2{nn::LinearOptions(8, 2)};
//     Net() { register_module("fc1", fc1); register_module("fc2", fc2); }
//     Tensor forward(const Tensor& x) { return fc2(fc1(x).relu()); }
//   };
//
// Each module defines its own forward(...) (arguments differ: an LSTM takes
// an optional state) and an operator() that calls it. Modules are neither
// copied nor moved: submodules registered by reference stay valid.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace attn::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;

  // Dotted names, depth-first in registration order, as PyTorch's state_dict.
  NamedTensors named_parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  // Parameters then buffers: what a checkpoint holds.
  NamedTensors state_dict() const;
  std::vector<std::pair<std::string, Module*>> named_children() const;

  // Training mode matters to Dropout (and any layer that behaves differently
  // at evaluation); it is set recursively.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();
  int64_t num_parameters() const;  // total count of trainable numbers
  const std::string& type_name() const { return type_name_; }

 protected:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  // The tensor becomes a leaf with requires_grad; returns the same handle.
  Tensor& register_parameter(const std::string& name, Tensor& t, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor& t);
  // A member submodule (not owned).
  template <typename M>
  M& register_module(const std::string& name, M& m) {
    add_child(name, &m);
    return m;
  }
  // An owned submodule (e.g. a list of layers built at run time).
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m.get());
    owned_.push_back(m);
    return m;
  }

 private:
  void add_child(const std::string& name, Module* m);
  void collect(const std::string& prefix, bool recurse, bool params, NamedTensors& out) const;

  std::string type_name_ = "Module";
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor*>> params_, buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::shared_ptr<Module>> owned_;
};

}  // namespace attn::nn
