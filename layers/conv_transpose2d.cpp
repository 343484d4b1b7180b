// ConvTranspose2d: x [B, C_in, H, W] -> y [B, C_out, H_out, W_out];  weight W [C_in, C_out,
// kh, kw], bias b [C_out].
//
// A transposed convolution is a Conv2d run backwards. Take the Conv2d that maps an image of
// y's size [C_out, H_out, W_out] to one of x's size [C_in, H, W] with the same kernel, stride
// and padding; its weight would be [C_in, C_out, kh, kw], which is exactly our W. Its
// backward sends dy' to dcol = W^T dy' and then col2im(dcol). This op is that map applied
// to x, so for each image b:
//   col_b [C_out kh kw, H W] = W^T x_b        W seen as [C_in, C_out kh kw]: one GEMM
//   y_b = col2im(col_b) + b                   each stamp added where it lands
// (all of it in layers/im2col.h's terms, where that Conv2d's input is our output y). With a
// 1x1 kernel, stride 1 and no padding, col_b already is y_b.
//
// Backward: the forward is linear in x and in W, and its adjoint is that Conv2d's forward:
//   col'_b = im2col(dy_b)                     [C_out kh kw, H W]
//   dx_b   = W col'_b                         [C_in, C_out kh kw] x [C_out kh kw, H W]
//   dW    += x_b col'_b^T                     [C_in, H W] x [H W, C_out kh kw]
//   db[o]  = sum over images and positions of dy[b, o, :, :]
//
// Threads as Conv2d: with several threads and images, each thread takes whole images
// (its own column buffer, its own partial dW, summed at the end). The backward uses the
// forward's thread count.
#include "layers/conv_transpose2d.h"

#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"
#include "layers/im2col.h"
#include "layers/init.h"

namespace attn::nn {

using namespace detail;  // ConvGeometry, im2col, col2im, for_each_image (layers/im2col.h)

namespace {

// The sizes of one transposed convolution, checked, as the geometry of the Conv2d it is the
// adjoint of: that Conv2d's input is our y [B, C_out, H_out, W_out] (g.C, g.H, g.W), its
// output our x [B, C_in, H, W] (g.O, g.Ho, g.Wo).
ConvGeometry check_conv_transpose2d(const char* op, bool layer, const Tensor& x,
                                    const Tensor& weight, const Tensor& bias, Size2 stride,
                                    Size2 padding, Size2 output_padding) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  ATTN_CHECK(weight.defined(), op, ": the weight is undefined");
  ATTN_CHECK(weight.dim() == 4, op, ": weight of shape ", shape_str(weight.shape()),
             " must be 4-D [in_channels, out_channels, kh, kw]");
  ATTN_CHECK(x.dim() == 4, op, ": input of shape ", shape_str(x.shape()), " has ", x.dim(),
             " dimensions; expected 4: [batch, channels, height, width]");
  const int64_t C_in = x.size(1);
  if (layer)
    ATTN_CHECK(C_in == weight.size(0), op, ": input ", shape_str(x.shape()), " has ", C_in,
               " channels, the layer expects ", weight.size(0));
  else
    ATTN_CHECK(C_in == weight.size(0), op, ": input ", shape_str(x.shape()), " has ", C_in,
               " channels, the weight ", shape_str(weight.shape()), " expects ", weight.size(0),
               " (a transposed convolution's weight is [in_channels, out_channels, kh, kw])");
  ATTN_CHECK(stride.h > 0 && stride.w > 0, op, ": stride ", size2_str(stride),
             " must be positive in both dimensions");
  ATTN_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding ", size2_str(padding),
             " must be >= 0 in both dimensions");
  ATTN_CHECK(output_padding.h >= 0 && output_padding.w >= 0 && output_padding.h < stride.h &&
                 output_padding.w < stride.w,
             op, ": output_padding ", size2_str(output_padding),
             " must be >= 0 and smaller than the stride ", size2_str(stride),
             " in both dimensions");
  ConvGeometry g{};
  g.B = x.size(0), g.O = C_in, g.Ho = x.size(2), g.Wo = x.size(3);
  g.C = weight.size(1), g.kh = weight.size(2), g.kw = weight.size(3);
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w;
  g.H = (g.Ho - 1) * g.sh - 2 * g.ph + g.kh + output_padding.h;
  g.W = (g.Wo - 1) * g.sw - 2 * g.pw + g.kw + output_padding.w;
  ATTN_CHECK(g.H > 0 && g.W > 0, op, ": input ", shape_str(x.shape()), " with kernel ", g.kh, "x",
             g.kw, ", stride ", size2_str(stride), " and padding ", size2_str(padding),
             " gives an empty output (", g.H, "x", g.W, "); use less padding");
  if (bias.defined())
    ATTN_CHECK(bias.shape() == Shape{g.C}, op, ": bias of shape ", shape_str(bias.shape()),
               " does not match out_channels = ", g.C, " (expected [", g.C, "])");
  return g;
}

Tensor conv_transpose2d_impl(const char* op, bool layer, const Tensor& x, const Tensor& weight,
                             const Tensor& bias, Size2 stride, Size2 padding,
                             Size2 output_padding) {
  ATTN_PROFILE_OP("conv_transpose2d");
  const ConvGeometry g =
      check_conv_transpose2d(op, layer, x, weight, bias, stride, padding, output_padding);
  const int64_t K = g.K(), N = g.N(), C_in = g.O, HWo = g.H * g.W;
  const bool pointwise = g.pointwise();
  // col2im, or the pointwise GEMM, writes all of y.
  Tensor y = Tensor::uninitialized({g.B, g.C, g.H, g.W});
  const int nt = batch_threads(g);
  std::vector<ColumnBuffers> cols = column_buffers(pointwise ? 0 : nt, g);
  const real* px = x.data();
  const real* pw = weight.data();
  const real* pb = bias.defined() ? bias.data() : nullptr;
  real* py = y.data();
  for_each_image(nt, g.B, [&](int64_t b, int t) {
    const real* xb = px + b * C_in * N;
    real* yb = py + b * g.C * HWo;
    real* col = pointwise ? yb : cols[t].col();
    // col_b = W^T x_b: [C_out kh kw, C_in] x [C_in, H W].
    simd::gemm<real>(true, false, K, N, C_in, real(1), pw, K, xb, N, real(0), col, N);
    if (!pointwise) col2im(g, col, yb, cols[t].phase());
    if (pb)
      for (int64_t o = 0; o < g.C; ++o) simd::add_scalar(yb + o * HWo, pb[o], yb + o * HWo, HWo);
  });

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  // The backward splits the batch as the forward did (nt kept), whatever the thread count is
  // by the time it runs.
  return record(
      "conv_transpose2d", y, std::move(inputs), [x, weight, bias, g, nt](const Tensor& gy) {
        const int64_t K = g.K(), N = g.N(), C_in = g.O, HWo = g.H * g.W;
        const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
        const bool pointwise = g.pointwise();
        const real* pg = gy.data();
        const real* px = x.data();
        const real* pw = weight.data();
        Tensor gx = need_x ? Tensor::uninitialized(x.shape()) : Tensor();  // each gemm writes all
        Tensor gw = need_w ? Tensor::zeros(weight.shape()) : Tensor();
        std::vector<ColumnBuffers> cols =
            column_buffers(pointwise || !(need_x || need_w) ? 0 : nt, g);
        WeightGradient dW(need_w ? nt : 0, C_in, K);
        if (need_x || need_w)
          for_each_image(nt, g.B, [&](int64_t b, int t) {
            const real* gyb = pg + b * g.C * HWo;
            const real* col = gyb;  // col'_b = im2col(dy_b) [K, N]
            if (!pointwise) {
              im2col(g, gyb, cols[t].col(), cols[t].phase());
              col = cols[t].col();
            }
            if (need_x)  // dx_b = W col'_b: [C_in, K] x [K, N]
              simd::gemm<real>(false, false, C_in, N, K, real(1), pw, K, col, N, real(0),
                               gx.data() + b * C_in * N, N);
            if (need_w)  // dW += x_b col'_b^T: [C_in, N] x [N, K]
              dW.add_image(t, col, px + b * C_in * N, N);
          });
        if (need_w) dW.sum_into(gw.data());
        std::vector<Tensor> grads{gx, gw};
        if (bias.defined()) {
          Tensor gb;
          if (bias.requires_grad()) {
            // db[o] = sum over images and positions of dy[b, o, :, :], summed in double.
            gb = Tensor::empty({g.C});
            for (int64_t o = 0; o < g.C; ++o) {
              double s = 0;
              for (int64_t b = 0; b < g.B; ++b) s += simd::sum(pg + (b * g.C + o) * HWo, HWo);
              gb.data()[o] = static_cast<real>(s);
            }
          }
          grads.push_back(gb);
        }
        return grads;
      });
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 output_padding) {
  return conv_transpose2d_impl("conv_transpose2d", false, x, weight, bias, stride, padding,
                               output_padding);
}

// The reference: every input pixel x[b, c, i, j] stamps W[c, o, :, :] x[b, c, i, j] onto
// y[b, o] at (i sh - ph, j sw - pw), one term at a time. The backward visits the same terms:
// each sends dy W to x's pixel and dy x to W's tap.
Tensor conv_transpose2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias,
                              Size2 stride, Size2 padding, Size2 output_padding) {
  ATTN_PROFILE_OP("conv_transpose2d_naive");
  // In the geometry's terms: C_in = g.O, H x W = g.Ho x g.Wo; C_out = g.C, H_out = g.H.
  const ConvGeometry g = check_conv_transpose2d("conv_transpose2d_naive", false, x, weight, bias,
                                                stride, padding, output_padding);
  Tensor y = Tensor::zeros({g.B, g.C, g.H, g.W});
  // Index helpers: x[b, c, i, j], W[c, o, u, v], y[b, o, oh, ow].
  auto xi = [g](int64_t b, int64_t c, int64_t i, int64_t j) {
    return ((b * g.O + c) * g.Ho + i) * g.Wo + j;
  };
  auto wi = [g](int64_t c, int64_t o, int64_t u, int64_t v) {
    return ((c * g.C + o) * g.kh + u) * g.kw + v;
  };
  auto yi = [g](int64_t b, int64_t o, int64_t oh, int64_t ow) {
    return ((b * g.C + o) * g.H + oh) * g.W + ow;
  };
  // Calls term(b, c, i, j, o, u, v, oh, ow) for every stamp that lands inside y.
  auto for_each_term = [g](auto&& term) {
    for (int64_t b = 0; b < g.B; ++b)
      for (int64_t c = 0; c < g.O; ++c)
        for (int64_t i = 0; i < g.Ho; ++i)
          for (int64_t j = 0; j < g.Wo; ++j)
            for (int64_t o = 0; o < g.C; ++o)
              for (int64_t u = 0; u < g.kh; ++u)
                for (int64_t v = 0; v < g.kw; ++v) {
                  const int64_t oh = i * g.sh - g.ph + u, ow = j * g.sw - g.pw + v;
                  if (oh < 0 || oh >= g.H || ow < 0 || ow >= g.W) continue;  // cropped
                  term(b, c, i, j, o, u, v, oh, ow);
                }
  };
  {
    const real* px = x.data();
    const real* pw = weight.data();
    real* py = y.data();
    for_each_term(
        [&](int64_t b, int64_t c, int64_t i, int64_t j, int64_t o, int64_t u, int64_t v, int64_t oh,
            int64_t ow) { py[yi(b, o, oh, ow)] += pw[wi(c, o, u, v)] * px[xi(b, c, i, j)]; });
    if (bias.defined())
      for (int64_t b = 0; b < g.B; ++b)
        for (int64_t o = 0; o < g.C; ++o)
          for (int64_t p = 0; p < g.H * g.W; ++p) py[yi(b, o, 0, 0) + p] += bias.data()[o];
  }

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record("conv_transpose2d_naive", y, std::move(inputs),
                [x, weight, bias, g, xi, wi, yi, for_each_term](const Tensor& gy) {
                  Tensor gx = Tensor::zeros(x.shape()), gw = Tensor::zeros(weight.shape()),
                         gb = Tensor::zeros({g.C});
                  const real* pg = gy.data();
                  const real* px = x.data();
                  const real* pw = weight.data();
                  for_each_term([&](int64_t b, int64_t c, int64_t i, int64_t j, int64_t o,
                                    int64_t u, int64_t v, int64_t oh, int64_t ow) {
                    // in the forward: y[b,o,oh,ow] += W[c,o,u,v] x[b,c,i,j]
                    const real d = pg[yi(b, o, oh, ow)];
                    gx.data()[xi(b, c, i, j)] += d * pw[wi(c, o, u, v)];
                    gw.data()[wi(c, o, u, v)] += d * px[xi(b, c, i, j)];
                  });
                  for (int64_t b = 0; b < g.B; ++b)  // in the forward: + bias[o] everywhere
                    for (int64_t o = 0; o < g.C; ++o)
                      for (int64_t p = 0; p < g.H * g.W; ++p)
                        gb.data()[o] += pg[yi(b, o, 0, 0) + p];
                  std::vector<Tensor> grads{gx, gw};
                  if (bias.defined()) grads.push_back(gb);
                  return grads;
                });
}

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& opts)
    : Module("ConvTranspose2d"), options(opts) {
  const Size2 k = opts.kernel_size(), s = opts.stride(), p = opts.padding(),
              op = opts.output_padding();
  ATTN_CHECK(opts.in_channels() > 0 && opts.out_channels() > 0,
             "ConvTranspose2d: channels must be > 0, got in_channels = ", opts.in_channels(),
             ", out_channels = ", opts.out_channels());
  ATTN_CHECK(k.h > 0 && k.w > 0, "ConvTranspose2d: kernel_size ", size2_str(k),
             " must be positive");
  ATTN_CHECK(s.h > 0 && s.w > 0, "ConvTranspose2d: stride ", size2_str(s),
             " must be positive in both dimensions");
  ATTN_CHECK(p.h >= 0 && p.w >= 0, "ConvTranspose2d: padding ", size2_str(p),
             " must be >= 0 in both dimensions");
  ATTN_CHECK(op.h >= 0 && op.w >= 0 && op.h < s.h && op.w < s.w, "ConvTranspose2d: output_padding ",
             size2_str(op), " must be >= 0 and smaller than the stride ", size2_str(s),
             " in both dimensions");
  weight = Tensor::empty({opts.in_channels(), opts.out_channels(), k.h, k.w});
  register_parameter("weight", weight);
  if (opts.bias()) {
    bias = Tensor::empty({opts.out_channels()});
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void ConvTranspose2d::reset_parameters() {
  // fans() reads [C_in, C_out, kh, kw] as fan_in = C_out kh kw: PyTorch's fan here too.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  const Size2 k = options.kernel_size();
  if (bias.defined()) init::bias_uniform_(bias, options.out_channels() * k.h * k.w);
}

Tensor ConvTranspose2d::forward(const Tensor& x) const {
  return conv_transpose2d_impl("ConvTranspose2d", true, x, weight, bias, options.stride(),
                               options.padding(), options.output_padding());
}

}  // namespace attn::nn
