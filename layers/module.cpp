#include "layers/module.h"

#include "autograd/error.h"

namespace attn::nn {

namespace {
void check_name(const std::string& owner, const std::string& what, const std::string& name) {
  ATTN_CHECK(!name.empty() && name.find('.') == std::string::npos, owner, ": ", what, " name '",
             name, "' must be non-empty and contain no '.'");
}
}  // namespace

Tensor& Module::register_parameter(const std::string& name, Tensor& t, bool requires_grad) {
  check_name(type_name_, "parameter", name);
  ATTN_CHECK(t.defined(), type_name_, ": parameter '", name, "' is undefined");
  for (auto& [n, _] : params_)
    ATTN_CHECK(n != name, type_name_, ": parameter '", name, "' is registered twice");
  t.requires_grad_(requires_grad);
  params_.emplace_back(name, &t);
  return t;
}

Tensor& Module::register_buffer(const std::string& name, Tensor& t) {
  check_name(type_name_, "buffer", name);
  ATTN_CHECK(t.defined(), type_name_, ": buffer '", name, "' is undefined");
  buffers_.emplace_back(name, &t);
  return t;
}

void Module::add_child(const std::string& name, Module* m) {
  check_name(type_name_, "submodule", name);
  for (auto& [n, _] : children_)
    ATTN_CHECK(n != name, type_name_, ": submodule '", name, "' is registered twice");
  children_.emplace_back(name, m);
}

void Module::collect(const std::string& prefix, bool recurse, bool params,
                     NamedTensors& out) const {
  for (const auto& [name, t] : params ? params_ : buffers_) out.emplace_back(prefix + name, *t);
  if (!recurse) return;
  for (const auto& [name, child] : children_)
    child->collect(prefix + name + ".", true, params, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect("", recurse, true, out);
  return out;
}
NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect("", recurse, false, out);
  return out;
}
std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}
NamedTensors Module::state_dict() const {
  NamedTensors out = named_parameters();
  for (auto& nb : named_buffers()) out.push_back(nb);
  return out;
}
std::vector<std::pair<std::string, Module*>> Module::named_children() const {
  return children_;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& [_, t] : named_parameters()) t.zero_grad();
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [_, t] : named_parameters()) n += t.numel();
  return n;
}

}  // namespace attn::nn
