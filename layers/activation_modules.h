#pragma once
// Activations as modules, for Sequential: x [..] -> y [..], no parameters.
//   nn::Sequential mlp(std::make_shared<nn::Linear>(nn::LinearOptions(2, 16)),
//                      std::make_shared<nn::ReLU>(), ...);
// Each forwards to the op in autograd/ops/activations.h, where the derivative lives.
#include "autograd/ops/activations.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) const { return relu(x); }  // max(0, x)
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

// LeakyReLU(0.2): x where x > 0, else 0.2 x (the slope SAGAN's discriminator uses).
class LeakyReLUOptions {
 public:
  ATTN_OPTION(double, negative_slope, 0.01);
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(const LeakyReLUOptions& opts = {}) : Module("LeakyReLU"), options(opts) {}
  explicit LeakyReLU(double negative_slope)
      : LeakyReLU(LeakyReLUOptions().negative_slope(negative_slope)) {}
  Tensor forward(const Tensor& x) const { return leaky_relu(x, options.negative_slope()); }
  Tensor operator()(const Tensor& x) const { return forward(x); }

  LeakyReLUOptions options;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) const { return tanh(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) const { return sigmoid(x); }  // 1 / (1 + e^-x)
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  Tensor forward(const Tensor& x) const { return gelu(x); }  // x Phi(x), the exact form
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

}  // namespace attn::nn
