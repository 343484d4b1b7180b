#pragma once
// Dropout (Srivastava et al. 2014), inverted as PyTorch's nn.Dropout:
//   x [..] -> y [..];  in training y = x * m / (1 - p) with m_i ~ Bernoulli(1 - p),
//   in eval() y = x.
// Dividing by 1 - p at training time keeps E[y] = x, so evaluation needs no
// rescaling and the same weights serve both modes.
//
//   nn::Dropout drop(nn::DropoutOptions(0.1));
//   Tensor h = drop(x);          // random zeros while training
//   model.eval();                // ... and the identity from here on
#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class DropoutOptions {
 public:
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, as LibTorch's
  ATTN_OPTION(double, p, 0.5);
};

// The function behind the layer: p must lie in [0, 1]; p = 1 zeroes everything.
// The mask is drawn from attn::global_generator().
Tensor dropout(const Tensor& x, double p, bool training);

class Dropout : public Module {
 public:
  explicit Dropout(const DropoutOptions& options = {});
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  DropoutOptions options;
};

}  // namespace attn::nn
