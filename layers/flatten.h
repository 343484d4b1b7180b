#pragma once
// Flatten, as PyTorch's nn.Flatten: merges dims start_dim..end_dim into one.
//   x [B, C, H, W] -> [B, C*H*W] with the defaults start_dim = 1, end_dim = -1
//   (the batch dimension is kept, unlike the function attn::flatten's start 0).
//
//   nn::Flatten flat;                                   // before a classifier head
//   nn::Flatten flat2(nn::FlattenOptions().start_dim(2));
#include <cstdint>

#include "autograd/ops/shape_ops.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class FlattenOptions {
 public:
  ATTN_OPTION(int64_t, start_dim, 1);
  ATTN_OPTION(int64_t, end_dim, -1);
};

class Flatten : public Module {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : Module("Flatten"), options(options) {}
  Tensor forward(const Tensor& x) const {
    return flatten(x, options.start_dim(), options.end_dim());
  }
  Tensor operator()(const Tensor& x) const { return forward(x); }

  FlattenOptions options;
};

}  // namespace attn::nn
