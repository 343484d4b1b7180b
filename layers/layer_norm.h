#pragma once
// LayerNorm (Ba, Kiros, Hinton 2016), as PyTorch's nn.LayerNorm: each position
// is normalised over its last dimensions (normalized_shape), then scaled and shifted.
//   x [.., *normalized_shape] -> y of x's shape;  weight gamma, bias beta [*normalized_shape]
//   y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta,
//   mu, sigma^2 = mean and (population) variance over the normalised dimensions.
//
//   nn::LayerNorm ln(nn::LayerNormOptions({512}).eps(1e-5).elementwise_affine(true));
//   Tensor y = ln(x);                       // x [B, T, 512]
//
// Two implementations on purpose: layer_norm() is one fused op with a
// hand-written backward (what the layer runs), layer_norm_composed() is built
// from primitive ops (mean, sub, mul, sqrt, ...) and is the reference the
// tests hold it equal to.
#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class LayerNormOptions {
 public:
  LayerNormOptions(Shape normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  ATTN_OPTION(Shape, normalized_shape, {});
  ATTN_OPTION(double, eps, 1e-5);
  ATTN_OPTION(bool, elementwise_affine, true);
};

// Fused, with the hand-derived backward. weight and bias may be undefined (no affine).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// The same function composed from primitive ops: autograd derives its backward.
Tensor layer_norm_composed(const Tensor& x, const Shape& normalized_shape,
                           const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                           double eps = 1e-5);

class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  void reset_parameters();  // weight = 1, bias = 0

  LayerNormOptions options;
  Tensor weight;  // gamma [*normalized_shape], undefined without elementwise_affine
  Tensor bias;    // beta  [*normalized_shape], likewise
};

}  // namespace attn::nn
