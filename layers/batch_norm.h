#pragma once
// BatchNorm2d (Ioffe & Szegedy 2015), as PyTorch's nn.BatchNorm2d: each channel is
// normalised with statistics over the batch and both spatial dims, then scaled and shifted.
//   x [B, C, H, W] -> y [B, C, H, W];  weight gamma, bias beta [C]
//   y = (x - mu_c) / sqrt(var_c + eps) * gamma_c + beta_c
// Training: mu_c, var_c are the batch's mean and biased (population) variance over the
// n = B H W values of channel c, and the running statistics move towards them:
//   running_mean = (1 - momentum) running_mean + momentum mu_c
//   running_var  = (1 - momentum) running_var  + momentum var_c n / (n - 1)   (unbiased)
//   num_batches_tracked += 1
// Evaluation: mu_c, var_c are running_mean, running_var (nothing is updated), so y
// depends on x elementwise.
// Names as PyTorch's state dict: weight, bias (parameters), running_mean, running_var,
// num_batches_tracked (buffers, saved by state_dict(); num_batches_tracked is a
// scalar stored as a real, where PyTorch holds an int64).
//
//   nn::BatchNorm2d bn(nn::BatchNorm2dOptions(32).momentum(0.1).eps(1e-5));
//   Tensor y = bn(x);        // x [B, 32, H, W]; bn.eval() switches to the running statistics
//
// Two implementations on purpose: batch_norm2d is one fused op with a hand-written backward
// (what the layer runs), batch_norm2d_composed is built from primitive ops (mean, sub, mul,
// sqrt, ...) and is the reference the tests hold it equal to. Both update the running
// statistics the same way.
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"

namespace attn::nn {

class BatchNorm2dOptions {
 public:
  BatchNorm2dOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT
  BatchNorm2dOptions& eps(double value) {
    eps_ = value;
    return *this;
  }
  BatchNorm2dOptions& momentum(double value) {
    momentum_ = value;
    return *this;
  }
  BatchNorm2dOptions& affine(bool on) {
    affine_ = on;
    return *this;
  }
  int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  double momentum() const { return momentum_; }
  bool affine() const { return affine_; }

 private:
  int64_t num_features_;
  double eps_ = 1e-5;
  double momentum_ = 0.1;
  bool affine_ = true;
};

// The function behind the layer (torch.nn.functional.batch_norm on 4-D input):
// x [B, C, H, W]; weight, bias [C] or undefined; running_mean, running_var [C], updated in
// place (outside the graph) when training, required when not; undefined when training
// means "do not track".
Tensor batch_norm2d(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                    const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                    bool training = true, double momentum = 0.1, double eps = 1e-5);
// The same from primitive ops: autograd derives its backward.
Tensor batch_norm2d_composed(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                             const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                             bool training = true, double momentum = 0.1, double eps = 1e-5);

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(const BatchNorm2dOptions& options);
  // Updates the running statistics (a side effect on the buffers) when training.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  void reset_running_stats();  // mean 0, var 1, num_batches_tracked 0
  void reset_parameters();     // the running stats, and weight = 1, bias = 0

  BatchNorm2dOptions options;
  Tensor weight, bias;               // gamma, beta [C]; undefined without affine
  Tensor running_mean, running_var;  // [C]
  Tensor num_batches_tracked;        // [] (a count)
};

}  // namespace attn::nn
