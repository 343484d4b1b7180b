// Conv2d: x [B, C, H, W] -> y [B, O, Ho, Wo];  weight W [O, C, kh, kw], bias b [O].
//
// Forward through im2col. For one image, lay every receptive field out as a column:
//   col [C kh kw, Ho Wo],  col[(c, u, v), (i, j)] = x[c, i sh - ph + u, j sw - pw + v]  (0 outside)
// Then the convolution is one matrix product with the weight seen as W [O, C kh kw]:
//   y_b [O, Ho Wo] = W col + b
// which runs on the library's GEMM (packed, register-blocked, vectorised), instead of
// seven scalar loops. A 1x1 kernel with stride 1 and no padding needs no im2col: x_b
// [C, H W] already is its own column matrix. With few output channels no column matrix is
// built at all: the GEMM reads its rows from the padded image (ImplicitConv, im2col.h).
//
// Backward. In the forward pass y_b = W col_b + b, so now, for each image b:
//   dW   += dy_b col_b^T          [O, Ho Wo] x [Ho Wo, C kh kw]  (summed over the batch)
//   dcol  = W^T dy_b              [C kh kw, O] x [O, Ho Wo]
//   dx_b  = col2im(dcol)          each entry of dcol goes back to the pixel it was copied
//                                 from; a pixel seen by several windows adds them all
//   db   += sum over positions of dy_b
// When the layer narrows the channels (O < C, e.g. SAGAN's 64 -> 3), dcol is large and
// mostly scattered back by col2im. With stride 1 the same dx is a convolution of dy instead:
//   y[i] = sum_u W[u] x[i - p + u]   so   dx[m] = sum_u dy[m + p - u] W[u]
//                                        = sum_u' dy[m - (k - 1 - p) + u'] W[k - 1 - u']
// a convolution of dy, padded by k - 1 - p, with the kernel turned 180 degrees and its
// channel axes swapped; its column matrix [O kh kw, H W] is then the small one.
// col_b is computed again in the backward rather than kept from the forward: it is
// C kh kw / C = kh kw times the size of the input (9x for 3x3), and rebuilding it costs far
// less than the two products.
//
// Threads: the images of a batch are independent, so with several threads each thread
// takes whole images (its own column buffer, its own partial dW, summed at the end); the
// GEMM inside then runs on one thread. With one image, or one thread, the images go in
// order and the GEMM threads itself.
#include "layers/conv2d.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vector_kernels.h"
#include "layers/im2col.h"
#include "layers/init.h"

namespace attn::nn {

using namespace detail;  // ConvGeometry, im2col, col2im, for_each_image (layers/im2col.h)

namespace {

// op names the caller ("Conv2d" for the layer, "conv2d" for the function); `layer` words the
// channel error for a layer user (who set in_channels, not a weight).
ConvGeometry check_conv2d(const char* op, bool layer, const Tensor& x, const Tensor& weight,
                          const Tensor& bias, Size2 stride, Size2 padding) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  ATTN_CHECK(weight.defined(), op, ": the weight is undefined");
  ATTN_CHECK(weight.dim() == 4, op, ": weight of shape ", shape_str(weight.shape()),
             " must be 4-D [out_channels, in_channels, kh, kw]");
  ATTN_CHECK(x.dim() == 4, op, ": input of shape ", shape_str(x.shape()), " has ", x.dim(),
             " dimensions; expected 4: [batch, channels, height, width]");
  ConvGeometry g{};
  g.B = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = weight.size(0), g.kh = weight.size(2), g.kw = weight.size(3);
  if (layer)
    ATTN_CHECK(g.C == weight.size(1), op, ": input ", shape_str(x.shape()), " has ", g.C,
               " channels, the layer expects ", weight.size(1));
  else
    ATTN_CHECK(g.C == weight.size(1), op, ": input ", shape_str(x.shape()), " has ", g.C,
               " channels, the weight ", shape_str(weight.shape()), " expects ", weight.size(1));
  ATTN_CHECK(stride.h > 0 && stride.w > 0, op, ": stride ", size2_str(stride),
             " must be positive in both dimensions");
  ATTN_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding ", size2_str(padding),
             " must be >= 0 in both dimensions");
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w;
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  ATTN_CHECK(g.kh <= Hp && g.kw <= Wp, op, ": kernel ", g.kh, "x", g.kw,
             " is larger than the padded input ", Hp, "x", Wp, " (input ", shape_str(x.shape()),
             ", padding ", size2_str(padding), ")");
  if (bias.defined())
    ATTN_CHECK(bias.shape() == Shape{g.O}, op, ": bias of shape ", shape_str(bias.shape()),
               " does not match out_channels = ", g.O, " (expected [", g.O, "])");
  g.Ho = (Hp - g.kh) / g.sh + 1;
  g.Wo = (Wp - g.kw) / g.sw + 1;
  return g;
}

// The geometry of dx as a convolution of dy (stride 1): dy [O, Ho, Wo] is the input, the
// kernel keeps its size, the padding becomes k - 1 - p, and the output is [C, H, W]:
// Ho + 2 (kh - 1 - ph) - kh + 1 = H.
ConvGeometry transposed_geometry(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.C = g.O, t.H = g.Ho, t.W = g.Wo, t.O = g.C;
  t.sh = t.sw = 1;
  t.ph = g.kh - 1 - g.ph, t.pw = g.kw - 1 - g.pw;
  t.Ho = g.H, t.Wo = g.W;
  return t;
}

// The kernel of that convolution: W_flip [C, O, kh, kw], W_flip[c, o, u, v] =
// W[o, c, kh - 1 - u, kw - 1 - v] (input and output channels swapped, taps turned 180 degrees).
std::vector<real> flipped_weight(const ConvGeometry& g, const real* w) {
  std::vector<real> f(g.C * g.O * g.kh * g.kw);
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t u = 0; u < g.kh; ++u)
        for (int64_t v = 0; v < g.kw; ++v)
          f[((c * g.O + o) * g.kh + u) * g.kw + v] =
              w[((o * g.C + c) * g.kh + (g.kh - 1 - u)) * g.kw + (g.kw - 1 - v)];
  return f;
}

// Whether a convolution producing M channels in geometry g runs as ImplicitConv (no column
// matrix; layers/im2col.h): with few output channels, as the GEMM then reads its column
// matrix in place anyway, and when the columns computed and dropped (Wq - Wo per row) are
// few.
bool implicit_gemm(const ConvGeometry& g, int64_t M) {
  const PhaseImage q(g);
  return !g.pointwise() && M <= kImplicitMaxChannels && q.Wq * 4 <= g.Wo * 5;
}

Tensor conv2d_impl(const char* op, bool layer, const Tensor& x, const Tensor& weight,
                   const Tensor& bias, Size2 stride, Size2 padding) {
  ATTN_PROFILE_OP("conv2d");
  const ConvGeometry g = check_conv2d(op, layer, x, weight, bias, stride, padding);
  const int64_t K = g.K(), N = g.N(), O = g.O;
  Tensor y = Tensor::uninitialized({g.B, O, g.Ho, g.Wo});  // the gemm writes every element
  const int nt = batch_threads(g);
  const bool pointwise = g.pointwise();
  const bool implicit = implicit_gemm(g, O);
  std::optional<ImplicitConv> ic;
  if (implicit) ic.emplace(g);
  std::vector<Tensor> wides = implicit ? ic->scratch(nt, O) : std::vector<Tensor>();
  // Else one column buffer per thread, reused image after image.
  std::vector<ColumnBuffers> cols = column_buffers(pointwise || implicit ? 0 : nt, g);
  const real* px = x.data();
  const real* pw = weight.data();
  const real* pb = bias.defined() ? bias.data() : nullptr;
  real* py = y.data();
  for_each_image(nt, g.B, [&](int64_t b, int t) {
    const real* xb = px + b * g.C * g.H * g.W;
    if (implicit) {
      ic->run(pw, O, xb, pb, py + b * O * N, wides[t].data());
      return;
    }
    const real* col = xb;
    if (!pointwise) {
      im2col(g, xb, cols[t].col(), cols[t].phase());
      col = cols[t].col();
    }
    real* yb = py + b * O * N;
    simd::gemm<real>(false, false, O, N, K, real(1), pw, K, col, N, real(0), yb, N);  // W col
    if (pb)
      for (int64_t o = 0; o < O; ++o) simd::add_scalar(yb + o * N, pb[o], yb + o * N, N);
  });

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  // The backward splits the batch as the forward did (nt kept), whatever the thread count is
  // by the time it runs (a test that sets two threads around the forward gets both threaded).
  return record("conv2d", y, std::move(inputs), [x, weight, bias, g, nt](const Tensor& gy) {
    const int64_t K = g.K(), N = g.N(), O = g.O;
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
    const bool pointwise = g.pointwise();
    const real* pg = gy.data();
    const real* px = x.data();
    const real* pw = weight.data();
    Tensor gx = need_x ? Tensor::uninitialized(x.shape()) : Tensor();  // every path writes it all
    Tensor gw = need_w ? Tensor::zeros(weight.shape()) : Tensor();
    // dx the cheaper way (see the top of the file): as a convolution of dy when its column
    // matrix [O kh kw, H W] is smaller than dcol [C kh kw, Ho Wo], which needs stride 1 and
    // padding < kernel.
    const bool transposed = need_x && !pointwise && g.sh == 1 && g.sw == 1 && g.ph < g.kh &&
                            g.pw < g.kw && O * g.H * g.W < g.C * N;
    const ConvGeometry gt = transposed_geometry(g);
    std::vector<real> w_flip = transposed ? flipped_weight(g, pw) : std::vector<real>();
    const bool implicit_dx = transposed && implicit_gemm(gt, g.C);
    std::optional<ImplicitConv> ict;
    if (implicit_dx) ict.emplace(gt);
    std::vector<Tensor> wides = implicit_dx ? ict->scratch(nt, g.C) : std::vector<Tensor>();
    // Scratch per thread: a column buffer (for dW), a dcol buffer (for dx), a partial dW.
    std::vector<ColumnBuffers> cols = column_buffers(pointwise || !need_w ? 0 : nt, g);
    std::vector<ColumnBuffers> dcols =
        column_buffers(pointwise || !need_x || implicit_dx ? 0 : nt, transposed ? gt : g);
    WeightGradient dW(need_w ? nt : 0, O, K);
    if (need_x || need_w)
      for_each_image(nt, g.B, [&](int64_t b, int t) {
        const real* gyb = pg + b * O * N;  // dy_b [O, N]
        if (need_w) {
          const real* xb = px + b * g.C * g.H * g.W;
          const real* col = xb;
          if (!pointwise) {
            im2col(g, xb, cols[t].col(), cols[t].phase());
            col = cols[t].col();
          }
          dW.add_image(t, col, gyb, N);  // dW += dy_b col_b^T: [O, N] x [N, K]
        }
        if (need_x) {
          real* dxb = gx.data() + b * g.C * g.H * g.W;
          if (pointwise) {
            // dx_b = W^T dy_b directly: [C, O] x [O, H W].
            simd::gemm<real>(true, false, K, N, O, real(1), pw, K, gyb, N, real(0), dxb, N);
          } else if (implicit_dx) {  // dx_b = W_flip im2col(dy_b), with no column matrix
            ict->run(w_flip.data(), g.C, gyb, nullptr, dxb, wides[t].data());
          } else if (transposed) {
            // dx_b = W_flip im2col(dy_b): [C, O kh kw] x [O kh kw, H W].
            real* dcol = dcols[t].col();
            im2col(gt, gyb, dcol, dcols[t].phase());
            const int64_t Kt = gt.K(), HW = g.H * g.W;
            simd::gemm<real>(false, false, g.C, HW, Kt, real(1), w_flip.data(), Kt, dcol, HW,
                             real(0), dxb, HW);
          } else {
            real* dcol = dcols[t].col();
            simd::gemm<real>(true, false, K, N, O, real(1), pw, K, gyb, N, real(0), dcol, N);
            col2im(g, dcol, dxb, dcols[t].phase());
          }
        }
      });
    if (need_w) dW.sum_into(gw.data());
    std::vector<Tensor> grads{gx, gw};
    if (bias.defined()) {
      Tensor gb;
      if (bias.requires_grad()) {
        // db[o] = sum over images and positions of dy[b, o, :], summed in double.
        gb = Tensor::empty({O});
        for (int64_t o = 0; o < O; ++o) {
          double s = 0;
          for (int64_t b = 0; b < g.B; ++b) s += simd::sum(pg + (b * O + o) * N, N);
          gb.data()[o] = static_cast<real>(s);
        }
      }
      grads.push_back(gb);
    }
    return grads;
  });
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Size2 padding) {
  return conv2d_impl("conv2d", false, x, weight, bias, stride, padding);
}

// The reference: y[b,o,i,j] = bias[o] + sum_{c,u,v} W[o,c,u,v] x[b,c,i sh-ph+u, j sw-pw+v],
// one term at a time. In the backward the same seven loops visit the same terms; each
// term W x sends dy W to x's pixel and dy x to W's tap.
Tensor conv2d_naive(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
                    Size2 padding) {
  ATTN_PROFILE_OP("conv2d_naive");
  const ConvGeometry g = check_conv2d("conv2d_naive", false, x, weight, bias, stride, padding);
  Tensor y = Tensor::empty({g.B, g.O, g.Ho, g.Wo});
  const real* px = x.data();
  const real* pw = weight.data();
  const real* pb = bias.defined() ? bias.data() : nullptr;
  real* py = y.data();
  // Index helpers: x[b, c, ih, iw], W[o, c, u, v].
  auto xi = [g](int64_t b, int64_t c, int64_t ih, int64_t iw) {
    return ((b * g.C + c) * g.H + ih) * g.W + iw;
  };
  auto wi = [g](int64_t o, int64_t c, int64_t u, int64_t v) {
    return ((o * g.C + c) * g.kh + u) * g.kw + v;
  };
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t i = 0; i < g.Ho; ++i)
        for (int64_t j = 0; j < g.Wo; ++j) {
          double acc = pb ? pb[o] : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t u = 0; u < g.kh; ++u)
              for (int64_t v = 0; v < g.kw; ++v) {
                const int64_t ih = i * g.sh - g.ph + u, iw = j * g.sw - g.pw + v;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;  // padding: 0
                acc += double(pw[wi(o, c, u, v)]) * px[xi(b, c, ih, iw)];
              }
          py[((b * g.O + o) * g.Ho + i) * g.Wo + j] = static_cast<real>(acc);
        }

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  return record("conv2d_naive", y, std::move(inputs),
                [x, weight, bias, g, xi, wi](const Tensor& gy) {
                  Tensor gx = Tensor::zeros(x.shape()), gw = Tensor::zeros(weight.shape()),
                         gb = Tensor::zeros({g.O});
                  const real* pg = gy.data();
                  const real* px = x.data();
                  const real* pw = weight.data();
                  for (int64_t b = 0; b < g.B; ++b)
                    for (int64_t o = 0; o < g.O; ++o)
                      for (int64_t i = 0; i < g.Ho; ++i)
                        for (int64_t j = 0; j < g.Wo; ++j) {
                          const real d = pg[((b * g.O + o) * g.Ho + i) * g.Wo + j];
                          gb.data()[o] += d;  // in the forward: + bias[o]
                          for (int64_t c = 0; c < g.C; ++c)
                            for (int64_t u = 0; u < g.kh; ++u)
                              for (int64_t v = 0; v < g.kw; ++v) {
                                const int64_t ih = i * g.sh - g.ph + u, iw = j * g.sw - g.pw + v;
                                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                                // in the forward: + W[o,c,u,v] x[b,c,ih,iw]
                                gx.data()[xi(b, c, ih, iw)] += d * pw[wi(o, c, u, v)];
                                gw.data()[wi(o, c, u, v)] += d * px[xi(b, c, ih, iw)];
                              }
                        }
                  std::vector<Tensor> grads{gx, gw};
                  if (bias.defined()) grads.push_back(gb);
                  return grads;
                });
}

Conv2d::Conv2d(const Conv2dOptions& opts) : Module("Conv2d"), options(opts) {
  const Size2 k = opts.kernel_size(), s = opts.stride(), p = opts.padding();
  ATTN_CHECK(opts.in_channels() > 0 && opts.out_channels() > 0,
             "Conv2d: channels must be > 0, got in_channels = ", opts.in_channels(),
             ", out_channels = ", opts.out_channels());
  ATTN_CHECK(k.h > 0 && k.w > 0, "Conv2d: kernel_size ", size2_str(k), " must be positive");
  ATTN_CHECK(s.h > 0 && s.w > 0, "Conv2d: stride ", size2_str(s),
             " must be positive in both dimensions");
  ATTN_CHECK(p.h >= 0 && p.w >= 0, "Conv2d: padding ", size2_str(p),
             " must be >= 0 in both dimensions");
  weight = Tensor::empty({opts.out_channels(), opts.in_channels(), k.h, k.w});
  register_parameter("weight", weight);
  if (opts.bias()) {
    bias = Tensor::empty({opts.out_channels()});
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void Conv2d::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  const Size2 k = options.kernel_size();
  if (bias.defined()) init::bias_uniform_(bias, options.in_channels() * k.h * k.w);
}

Tensor Conv2d::forward(const Tensor& x) const {
  return conv2d_impl("Conv2d", true, x, weight, bias, options.stride(), options.padding());
}

}  // namespace attn::nn
