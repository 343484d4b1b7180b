#include "layers/sequential.h"

#include "autograd/error.h"

namespace attn::nn {

Tensor Sequential::forward(const Tensor& x) const {
  Tensor h = x;
  for (const auto& step : steps_) h = step(h);
  return h;
}

Module& Sequential::operator[](size_t i) const {
  ATTN_CHECK(i < modules_.size(), "Sequential: index ", i, " is out of range for ", modules_.size(),
             " modules");
  return *modules_[i];
}

void Sequential::check_not_null(const Module* m) const {
  ATTN_CHECK(m != nullptr, "Sequential::push_back: module ", modules_.size(), " is null");
}

void Sequential::wrong_type(size_t i) const {
  fail("Sequential::at: module ", i, " is a ", modules_[i]->type_name(),
       ", not the type asked for");
}

}  // namespace attn::nn
