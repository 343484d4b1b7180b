#pragma once
// Spectral normalisation (Miyato et al. 2018), as PyTorch 1.13's
// torch.nn.utils.spectral_norm(module) with its defaults (n_power_iterations = 1,
// eps = 1e-12, dim = 0). The layer keeps its raw weight W (weight_orig) and uses
//   weight = W / sigma(W),   sigma(W) = the largest singular value of W_mat,
// W_mat = W seen as a matrix [h, w]: h = W's first dimension (out_channels or
// out_features), w = the product of the rest. Each layer then stretches its input by at most
// 1 (in the 2-norm), which keeps a GAN's discriminator Lipschitz and its training stable.
//
// sigma is estimated by power iteration, one step per training forward, carried over from
// step to step in two vectors u [h] and v [w] (buffers: saved, not trained):
//   v <- normalize(W_mat^T u),   u <- normalize(W_mat v),   normalize(a) = a / max(|a|, eps)
//   sigma = u^T W_mat v
// u and v take no gradient (the update runs outside the graph); sigma does, through W_mat:
// d sigma / dW_mat = u v^T. In eval mode there is no step: the stored u and v give sigma.
// u and v start as normalize(N(0, I)) draws, as PyTorch's.
//
// State names exactly PyTorch's: weight_orig, bias (parameters), weight_u, weight_v (buffers),
// so a checkpoint of spectral_norm(nn.Conv2d(...)) loads here and back.
//
//   nn::SNConv2d conv(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1));
//   nn::SNLinear fc(nn::LinearOptions(128, 1));
//   Tensor y = conv(x);        // training: one power-iteration step, then conv2d with W / sigma
//   conv.sigma();              // sigma of that forward
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/module.h"

namespace attn::nn {

// weight_orig [h, ...] -> weight_orig / sigma, with u [h] and v [w] as above. With `update`,
// first one power-iteration step, writing u and v in place (outside the graph). The result
// is differentiable with respect to weight_orig (through sigma too); u and v are constants.
// If `sigma` is given, it receives sigma's value.
Tensor spectral_normalize(const Tensor& weight_orig, Tensor& u, Tensor& v, bool update,
                          double* sigma = nullptr);

// Draws u [h] and v [w] for weight_orig as PyTorch's spectral_norm does: normalize(N(0, I)),
// u first (from attn::global_generator()).
void spectral_norm_init(const Tensor& weight_orig, Tensor& u, Tensor& v);

// Conv2d with a spectrally normalised weight: x [B, C_in, H, W] -> [B, C_out, H_out, W_out].
class SNConv2d : public Module {
 public:
  explicit SNConv2d(const Conv2dOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  double sigma() const { return sigma_; }  // of the last forward (0 before the first)

  Conv2dOptions options;
  Tensor weight_orig;  // [C_out, C_in, kh, kw], initialised as Conv2d's weight
  Tensor bias;         // [C_out], undefined when options.bias() is false
  Tensor weight_u;     // [C_out]
  Tensor weight_v;     // [C_in kh kw]

 private:
  mutable double sigma_ = 0;
};

// Linear with a spectrally normalised weight: x [.., in] -> [.., out].
class SNLinear : public Module {
 public:
  explicit SNLinear(const LinearOptions& options);
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  double sigma() const { return sigma_; }  // of the last forward (0 before the first)

  LinearOptions options;
  Tensor weight_orig;  // [out, in], initialised as Linear's weight
  Tensor bias;         // [out], undefined when options.bias() is false
  Tensor weight_u;     // [out]
  Tensor weight_v;     // [in]

 private:
  mutable double sigma_ = 0;
};

}  // namespace attn::nn
