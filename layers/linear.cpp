// Linear: x [.., in] -> y [.., out];  y = x W^T + b,  W [out, in], b [out].
//
// One node, not matmul + transpose + add: every leading dimension of x is a row of one
// GEMM that reads W transposed in place, with the bias as the GEMM's starting C. The
// backward, beside it, is three products of the same kind:
//   dx = dy W           [N, out] x [out, in]
//   dW = dy^T x         [out, N] x [N, in]    (summed over every leading position)
//   db = sum_n dy[n, :]                       (the column sums of dy)
// Decoders call their Linear layers at every step, so the nodes and copies this saves
// add up (docs/benchmarks.md).
#include "layers/linear.h"

#include <cmath>
#include <cstring>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"
#include "layers/init.h"

namespace attn::nn {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ATTN_PROFILE_OP("linear");
  ATTN_CHECK(x.defined() && weight.defined(), "linear: an input is undefined");
  ATTN_CHECK(weight.dim() == 2, "linear: weight of shape ", shape_str(weight.shape()),
             " must be 2-D [out_features, in_features]");
  const int64_t out = weight.size(0), in = weight.size(1);
  ATTN_CHECK(x.dim() >= 1 && x.size(-1) == in, "linear: input of shape ", shape_str(x.shape()),
             " does not end in in_features = ", in, " (weight ", shape_str(weight.shape()), ")");
  if (bias.defined())
    ATTN_CHECK(bias.shape() == Shape{out}, "linear: bias of shape ", shape_str(bias.shape()),
               " does not match out_features = ", out, " (expected [", out, "])");
  Shape y_shape = x.shape();
  y_shape.back() = out;
  int64_t rows = 1;  // N: every leading position is a row
  for (int64_t d = 0; d + 1 < x.dim(); ++d) rows *= x.size(d);

  Tensor y = Tensor::uninitialized(y_shape);
  if (rows * out > 0) {
    real* py = y.data();
    if (bias.defined())
      for (int64_t n = 0; n < rows; ++n) std::memcpy(py + n * out, bias.data(), sizeof(real) * out);
    // y = x W^T (+ y, holding the bias): W [out, in] read as [in, out].
    simd::gemm<real>(false, true, rows, out, in, real(1), x.data(), in, weight.data(), in,
                     bias.defined() ? real(1) : real(0), py, out);
  }

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record("linear", y, std::move(inputs), [x, weight, bias, rows, in, out](const Tensor& gy) {
    const real* pg = gy.data();
    Tensor gx, gw, gb;
    if (x.requires_grad()) {  // dx = dy W: [N, out] x [out, in]
      gx = out == 0 ? Tensor::zeros(x.shape()) : Tensor::uninitialized(x.shape());
      if (rows * in > 0 && out > 0)
        simd::gemm<real>(false, false, rows, in, out, real(1), pg, out, weight.data(), in,
                         real(0), gx.data(), in);
    }
    if (weight.requires_grad()) {  // dW = dy^T x: [out, N] x [N, in]
      gw = rows == 0 ? Tensor::zeros(weight.shape()) : Tensor::uninitialized(weight.shape());
      if (out * in > 0 && rows > 0)
        simd::gemm<real>(true, false, out, in, rows, real(1), pg, out, x.data(), in, real(0),
                         gw.data(), in);
    }
    if (bias.defined() && bias.requires_grad()) {  // db = the column sums of dy
      gb = Tensor::zeros({out});
      for (int64_t n = 0; n < rows; ++n) simd::add(gb.data(), pg + n * out, gb.data(), out);
    }
    std::vector<Tensor> grads{gx, gw};
    if (bias.defined()) grads.push_back(gb);
    return grads;
  });
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
