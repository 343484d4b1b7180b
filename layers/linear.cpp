// Linear: x [.., in] -> y [.., out];  y = x W^T + b,  W [out, in], b [out].
//
// Backward (from the ops it is built of): dx = dy W, dW = dy^T x (summed over
// every leading position), db = sum of dy over the leading positions.
#include "layers/linear.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"

namespace attn::nn {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ATTN_CHECK(x.defined() && weight.defined(), "linear: an input is undefined");
  ATTN_CHECK(weight.dim() == 2, "linear: weight of shape ", shape_str(weight.shape()),
             " must be 2-D [out_features, in_features]");
  const int64_t out = weight.size(0), in = weight.size(1);
  ATTN_CHECK(x.dim() >= 1 && x.size(-1) == in, "linear: input of shape ", shape_str(x.shape()),
             " does not end in in_features = ", in, " (weight ", shape_str(weight.shape()), ")");
  if (bias.defined())
    ATTN_CHECK(bias.shape() == Shape{out}, "linear: bias of shape ", shape_str(bias.shape()),
               " does not match out_features = ", out, " (expected [", out, "])");
  // Every leading dimension is a batch of rows: [.., in] -> [N, in], one GEMM.
  Shape y_shape = x.shape();
  y_shape.back() = out;
  Tensor x2 = x.dim() == 2 ? x : reshape(x, {-1, in});
  Tensor y = matmul(x2, transpose(weight, 0, 1));  // [N, in] x [in, out]
  if (bias.defined()) y = y + bias;                // [N, out] + [out]
  return x.dim() == 2 ? y : reshape(y, y_shape);
}

Linear::Linear(const LinearOptions& opts) : Module("Linear"), options(opts) {
  ATTN_CHECK(opts.in_features() >= 0 && opts.out_features() >= 0,
             "Linear: sizes must be >= 0, got in_features = ", opts.in_features(),
             ", out_features = ", opts.out_features());
  weight = Tensor::empty({opts.out_features(), opts.in_features()});
  register_parameter("weight", weight);
  if (opts.bias()) {
    bias = Tensor::empty({opts.out_features()});
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void Linear::reset_parameters() {
  if (options.in_features() > 0)
    init::kaiming_uniform_(weight, std::sqrt(5.0));
  else
    init::zeros_(weight);
  if (bias.defined()) init::bias_uniform_(bias, options.in_features());
}

Tensor Linear::forward(const Tensor& x) const {
  return linear(x, weight, bias);
}

}  // namespace attn::nn
