#pragma once
// Linear: y = x W^T + b, PyTorch's nn.Linear.
//   x [.., in] -> y [.., out]; weight W [out, in], bias b [out].
//
//   nn::Linear fc(nn::LinearOptions(784, 128).bias(true));
//   Tensor y = fc(x);                       // x [B, 784] -> [B, 128]
//
// W is stored [out, in] (PyTorch's layout, so weights move both ways); each
// output unit is one row of W. Default init as PyTorch: W ~ U(-1/sqrt(in), 1/sqrt(in))
// (kaiming_uniform with a = sqrt 5), b likewise.
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class LinearOptions {
 public:
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  ATTN_OPTION(int64_t, in_features, 0);
  ATTN_OPTION(int64_t, out_features, 0);
  ATTN_OPTION(bool, bias, true);
};

// The function behind the layer (torch.nn.functional.linear): y = x W^T + b,
// x [.., in], W [out, in], b [out] or undefined -> [.., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

class Linear : public Module {
 public:
  explicit Linear(const LinearOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  // Draws the weights again as the constructor did (PyTorch's reset_parameters).
  void reset_parameters();

  LinearOptions options;
  Tensor weight;  // [out, in]
  Tensor bias;    // [out], undefined when options.bias() is false
};

}  // namespace attn::nn
