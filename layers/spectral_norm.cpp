// Spectral normalisation: weight = W / sigma,  sigma = u^T W_mat v,  W_mat = W as [h, w].
//
// The power-iteration step (training only) runs on the raw numbers, outside the graph:
//   v <- normalize(W_mat^T u),   u <- normalize(W_mat v)
// Repeated, u and v turn towards the top left and right singular vectors of W_mat, and
// u^T W_mat v towards the top singular value; one step per forward is enough because W moves
// little between two optimiser steps, so u and v stay close to converged.
//
// sigma is then composed from graph ops (reshape, matmul, divide), so its gradient comes from
// theirs: with u, v constant, d sigma / dW_mat = u v^T, and for weight = W / sigma
//   dL/dW = (dL/dweight) / sigma - (sum(dL/dweight * W) / sigma^2) u v^T
// The graph keeps copies of u and v: a later forward (the discriminator runs on real and on
// fake images before one backward) updates the buffers in place, and the first graph's
// backward must still see the u and v its sigma was computed with (PyTorch clones them too).
#include "layers/spectral_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "layers/init.h"

namespace attn::nn {

namespace {

constexpr double kEps = 1e-12;  // PyTorch's default: normalize(a) = a / max(|a|, eps)

// W_mat's sizes: h = the first dimension, w = the product of the others.
std::pair<int64_t, int64_t> matrix_sizes(const char* op, const Tensor& weight_orig) {
  ATTN_CHECK(weight_orig.defined(), op, ": the weight is undefined");
  ATTN_CHECK(weight_orig.dim() >= 2, op, ": weight of shape ", shape_str(weight_orig.shape()),
             " must have at least 2 dimensions (it is seen as a matrix [h, w])");
  const int64_t h = weight_orig.size(0);
  const int64_t w = weight_orig.numel() / std::max<int64_t>(h, 1);
  ATTN_CHECK(h > 0 && w > 0, op, ": weight of shape ", shape_str(weight_orig.shape()), " is empty");
  return {h, w};
}

// a <- a / max(|a|, eps), the norm summed in double.
void normalize_(real* a, int64_t n) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += double(a[i]) * a[i];
  const double scale = 1.0 / std::max(std::sqrt(ss), kEps);
  for (int64_t i = 0; i < n; ++i) a[i] = static_cast<real>(a[i] * scale);
}

}  // namespace

void spectral_norm_init(const Tensor& weight_orig, Tensor& u, Tensor& v) {
  const auto [h, w] = matrix_sizes("spectral_norm_init", weight_orig);
  u = Tensor::empty({h});
  v = Tensor::empty({w});
  init::normal_(u, 0.0, 1.0);
  init::normal_(v, 0.0, 1.0);
  normalize_(u.data(), h);
  normalize_(v.data(), w);
}

Tensor spectral_normalize(const Tensor& weight_orig, Tensor& u, Tensor& v, bool update,
                          double* sigma) {
  const auto [h, w] = matrix_sizes("spectral_normalize", weight_orig);
  ATTN_CHECK(u.defined() && u.shape() == Shape{h}, "spectral_normalize: u must have shape [", h,
             "] (the weight's first dimension), got ",
             u.defined() ? shape_str(u.shape()) : std::string("undefined"));
  ATTN_CHECK(v.defined() && v.shape() == Shape{w}, "spectral_normalize: v must have shape [", w,
             "] (the product of the weight's other dimensions), got ",
             v.defined() ? shape_str(v.shape()) : std::string("undefined"));
  if (update) {  // one power-iteration step, in place, outside the graph
    NoGradGuard no_grad;
    const real* W = weight_orig.data();  // W_mat[i, j] = W[i w + j]
    real* pu = u.data();
    real* pv = v.data();
    std::vector<double> acc(w);
    for (int64_t i = 0; i < h; ++i)  // v = W_mat^T u
      for (int64_t j = 0; j < w; ++j) acc[j] += double(W[i * w + j]) * pu[i];
    for (int64_t j = 0; j < w; ++j) pv[j] = static_cast<real>(acc[j]);
    normalize_(pv, w);
    for (int64_t i = 0; i < h; ++i) {  // u = W_mat v
      double s = 0;
      for (int64_t j = 0; j < w; ++j) s += double(W[i * w + j]) * pv[j];
      pu[i] = static_cast<real>(s);
    }
    normalize_(pu, h);
  }
  // sigma = u^T W_mat v, with W_mat in the graph and copies of u, v as constants.
  const Tensor u_row = u.detach().clone().reshape({1, h});
  const Tensor v_col = v.detach().clone().reshape({w, 1});
  const Tensor s = matmul(matmul(u_row, weight_orig.reshape({h, w})), v_col).reshape({});
  if (sigma) *sigma = static_cast<double>(s.item());
  return weight_orig / s;
}

// ---- SNConv2d -------------------------------------------------------------------------------

SNConv2d::SNConv2d(const Conv2dOptions& opts) : Module("SNConv2d"), options(opts) {
  // The weights drawn as Conv2d's (same checks, same draws, in the same order), then u, v.
  Conv2d conv(opts);
  weight_orig = conv.weight.detach();
  if (opts.bias()) bias = conv.bias.detach();
  spectral_norm_init(weight_orig, weight_u, weight_v);
  // PyTorch's order: spectral_norm re-registers the weight after the bias.
  if (opts.bias()) register_parameter("bias", bias);
  register_parameter("weight_orig", weight_orig);
  register_buffer("weight_u", weight_u);
  register_buffer("weight_v", weight_v);
}

Tensor SNConv2d::forward(const Tensor& x) const {
  Tensor u = weight_u, v = weight_v;  // handles: the step writes the buffers themselves
  const Tensor weight = spectral_normalize(weight_orig, u, v, is_training(), &sigma_);
  return conv2d(x, weight, bias, options.stride(), options.padding());
}

// ---- SNLinear -------------------------------------------------------------------------------

SNLinear::SNLinear(const LinearOptions& opts) : Module("SNLinear"), options(opts) {
  Linear fc(opts);
  weight_orig = fc.weight.detach();
  if (opts.bias()) bias = fc.bias.detach();
  spectral_norm_init(weight_orig, weight_u, weight_v);
  if (opts.bias()) register_parameter("bias", bias);
  register_parameter("weight_orig", weight_orig);
  register_buffer("weight_u", weight_u);
  register_buffer("weight_v", weight_v);
}

Tensor SNLinear::forward(const Tensor& x) const {
  Tensor u = weight_u, v = weight_v;
  const Tensor weight = spectral_normalize(weight_orig, u, v, is_training(), &sigma_);
  return linear(x, weight, bias);
}

}  // namespace attn::nn
