// Pooling: x [B, C, H, W] -> y [B, C, Ho, Wo], every (b, c) plane on its own.
//
// Max pooling. Forward: y = x[argmax] over each window, the argmax (a pixel index within
// the plane) saved. Backward: in the forward pass y picked one pixel, so dy goes to that
// pixel alone; windows that overlap may pick the same pixel, whose gradient then adds.
//
// Average pooling. Forward: y = (1/n) sum of the window, n its divisor (the full window with
// the padding, or only the pixels inside). Backward: every pixel of the window gets dy / n.
//
// Adaptive average pooling is average pooling with a window that depends on the output
// position (no padding); global average pooling is its 1 x 1 case.
#include "layers/pooling.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"

namespace attn::nn {

namespace {

std::string size2_str(Size2 s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w);
}

// Checks a window's settings (kernel, stride > 0, 0 <= padding <= kernel / 2).
void check_window(const char* op, Size2 kernel, Size2 stride, Size2 padding) {
  ATTN_CHECK(kernel.h > 0 && kernel.w > 0, op, ": kernel_size ", size2_str(kernel),
             " must be positive");
  ATTN_CHECK(stride.h > 0 && stride.w > 0, op, ": stride ", size2_str(stride),
             " must be positive in both dimensions");
  ATTN_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding ", size2_str(padding),
             " must be >= 0 in both dimensions");
  // A window of padding alone would have no max and nothing to average: PyTorch forbids it.
  ATTN_CHECK(2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w, op, ": padding ",
             size2_str(padding), " must be at most half the kernel ", size2_str(kernel));
}

void check_rank4(const char* op, const Tensor& x) {
  ATTN_CHECK(x.defined(), op, ": the input is undefined");
  ATTN_CHECK(x.dim() == 4, op, ": input of shape ", shape_str(x.shape()), " has ", x.dim(),
             " dimensions; expected 4: [batch, channels, height, width]");
}

// The sizes of one pooling, checked.
struct PoolGeometry {
  int64_t P, H, W;  // planes (B C) and their size
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t Ho, Wo;
};

PoolGeometry check_pool(const char* op, const Tensor& x, Size2 kernel, Size2 stride,
                        Size2 padding) {
  check_rank4(op, x);
  check_window(op, kernel, stride, padding);
  PoolGeometry g{};
  g.P = x.size(0) * x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.kh = kernel.h, g.kw = kernel.w, g.sh = stride.h, g.sw = stride.w;
  g.ph = padding.h, g.pw = padding.w;
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  ATTN_CHECK(g.kh <= Hp && g.kw <= Wp, op, ": kernel ", size2_str(kernel),
             " is larger than the padded input ", Hp, "x", Wp, " (input ", shape_str(x.shape()),
             ", padding ", size2_str(padding), ")");
  g.Ho = (Hp - g.kh) / g.sh + 1;
  g.Wo = (Wp - g.kw) / g.sw + 1;
  return g;
}

// Below this much work (window reads) one thread does the whole op: set from where a
// second thread paid in bench/bench_threads.cpp and in whole training steps
// (docs/benchmarks.md, "Threads").
constexpr int64_t kMinWorkForThreads = int64_t{1} << 18;

Tensor max_pool2d_impl(const char* op, const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  ATTN_PROFILE_OP("max_pool2d");
  const PoolGeometry g = check_pool(op, x, kernel, stride, padding);
  Tensor y = Tensor::uninitialized({x.size(0), x.size(1), g.Ho, g.Wo});  // one write per output
  const int64_t HW = g.H * g.W, N = g.Ho * g.Wo;
  // The argmax of each output, an index into its plane; int32 halves the memory (a plane
  // never holds 2^31 pixels). Not zero-filled: the loop below writes every entry, on as
  // many threads as it runs on.
  std::shared_ptr<int32_t[]> arg(new int32_t[static_cast<size_t>(g.P * N)]);
  const real* px = x.data();
  real* py = y.data();
  // 2x2 windows side by side (the captioner's pooling, the common case) take a loop with
  // the window unrolled: the general loop below spends most of its time on bounds.
  const bool two_by_two =
      g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0;
  parallel_for(g.P, N * g.kh * g.kw, kMinWorkForThreads, [&](int64_t p_begin, int64_t p_end) {
    for (int64_t p = p_begin; p < p_end; ++p) {
      const real* xp = px + p * HW;
      real* yp = py + p * N;
      int32_t* ap = arg.get() + p * N;
      if (two_by_two) {
        for (int64_t i = 0; i < g.Ho; ++i)
          for (int64_t j = 0; j < g.Wo; ++j) {
            // The window's pixels in scan order (row by row), the first one taken to start.
            const int64_t k0 = 2 * i * g.W + 2 * j, ks[3] = {k0 + 1, k0 + g.W, k0 + g.W + 1};
            real best = xp[k0];
            int64_t at = k0;
            for (int64_t k : ks)
              if (xp[k] > best || std::isnan(xp[k])) best = xp[k], at = k;
            yp[i * g.Wo + j] = best;
            ap[i * g.Wo + j] = static_cast<int32_t>(at);
          }
        continue;
      }
      for (int64_t i = 0; i < g.Ho; ++i) {
        const int64_t r0 = std::max<int64_t>(i * g.sh - g.ph, 0);
        const int64_t r1 = std::min(i * g.sh - g.ph + g.kh, g.H);
        for (int64_t j = 0; j < g.Wo; ++j) {
          const int64_t c0 = std::max<int64_t>(j * g.sw - g.pw, 0);
          const int64_t c1 = std::min(j * g.sw - g.pw + g.kw, g.W);
          real best = -std::numeric_limits<real>::infinity();
          int64_t at = r0 * g.W + c0;
          for (int64_t r = r0; r < r1; ++r)
            for (int64_t c = c0; c < c1; ++c) {
              const real v = xp[r * g.W + c];
              // Strictly greater: the first of equal values stays (PyTorch's tie rule); a NaN
              // wins, so it propagates as in PyTorch.
              if (v > best || std::isnan(v)) {
                best = v;
                at = r * g.W + c;
              }
            }
          yp[i * g.Wo + j] = best;
          ap[i * g.Wo + j] = static_cast<int32_t>(at);
        }
      }
    }
  });
  return record("max_pool2d", y, {x},
                [g, HW, N, arg, shape = x.shape()](const Tensor& gy) {
                  // Each plane zeroed by the thread that then scatters into it.
                  Tensor gx = Tensor::uninitialized(shape);
                  const real* pg = gy.data();
                  real* pgx = gx.data();
                  parallel_for(g.P, HW, kMinWorkForThreads, [&](int64_t p_begin, int64_t p_end) {
                    for (int64_t p = p_begin; p < p_end; ++p) {
                      std::fill(pgx + p * HW, pgx + (p + 1) * HW, real(0));
                      for (int64_t n = 0; n < N; ++n) pgx[p * HW + arg[p * N + n]] += pg[p * N + n];
                    }
                  });
                  return std::vector<Tensor>{gx};
                });
}

// The divisor of each output position of an average pool (the same for every plane).
std::vector<real> avg_divisors(const PoolGeometry& g, bool count_include_pad) {
  std::vector<real> div(g.Ho * g.Wo);
  for (int64_t i = 0; i < g.Ho; ++i)
    for (int64_t j = 0; j < g.Wo; ++j) {
      // The window clipped to the padded image (its size with the padding) ...
      int64_t r0 = i * g.sh - g.ph, r1 = std::min(r0 + g.kh, g.H + g.ph);
      int64_t c0 = j * g.sw - g.pw, c1 = std::min(c0 + g.kw, g.W + g.pw);
      const int64_t padded = (r1 - r0) * (c1 - c0);
      // ... and to the image (the pixels it really holds).
      r0 = std::max<int64_t>(r0, 0), c0 = std::max<int64_t>(c0, 0);
      r1 = std::min(r1, g.H), c1 = std::min(c1, g.W);
      div[i * g.Wo + j] = static_cast<real>(count_include_pad ? padded : (r1 - r0) * (c1 - c0));
    }
  return div;
}

// The window of output (i, j) inside the image, for avg and adaptive pooling alike.
struct Window {
  int64_t r0, r1, c0, c1;
};

// Average pooling with windows given per output position: window(i, j) and 1 / divisor.
template <typename WindowOf>
Tensor avg_pool_windows(const char* op, const Tensor& x, int64_t Ho, int64_t Wo, WindowOf window,
                        std::vector<real> inv_div) {
  ATTN_PROFILE_OP(op);
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const int64_t HW = H * W, N = Ho * Wo;
  Tensor y = Tensor::uninitialized({x.size(0), x.size(1), Ho, Wo});  // one write per output
  const real* px = x.data();
  real* py = y.data();
  parallel_for(P, HW, kMinWorkForThreads, [&](int64_t p_begin, int64_t p_end) {
    for (int64_t p = p_begin; p < p_end; ++p)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          const Window w = window(i, j);
          real s = 0;
          for (int64_t r = w.r0; r < w.r1; ++r)
            for (int64_t c = w.c0; c < w.c1; ++c) s += px[p * HW + r * W + c];
          py[p * N + i * Wo + j] = s * inv_div[i * Wo + j];
        }
  });
  return record(op, y, {x},
                [P, H, W, Ho, Wo, window, inv_div = std::move(inv_div)](const Tensor& gy) {
                  const int64_t HW = H * W, N = Ho * Wo;
                  // Each plane zeroed by the thread that then adds into it.
                  Tensor gx = Tensor::uninitialized({gy.size(0), gy.size(1), H, W});
                  const real* pg = gy.data();
                  real* pgx = gx.data();
                  parallel_for(P, HW, kMinWorkForThreads, [&](int64_t p_begin, int64_t p_end) {
                    std::fill(pgx + p_begin * HW, pgx + p_end * HW, real(0));
                    for (int64_t p = p_begin; p < p_end; ++p)
                      for (int64_t i = 0; i < Ho; ++i)
                        for (int64_t j = 0; j < Wo; ++j) {
                          // In the forward pass y = (1/n) sum of the window, so each pixel gets dy
                          // / n.
                          const Window w = window(i, j);
                          const real d = pg[p * N + i * Wo + j] * inv_div[i * Wo + j];
                          for (int64_t r = w.r0; r < w.r1; ++r)
                            for (int64_t c = w.c0; c < w.c1; ++c) pgx[p * HW + r * W + c] += d;
                        }
                  });
                  return std::vector<Tensor>{gx};
                });
}

Tensor avg_pool2d_impl(const char* op, const Tensor& x, Size2 kernel, Size2 stride, Size2 padding,
                       bool count_include_pad) {
  const PoolGeometry g = check_pool(op, x, kernel, stride, padding);
  std::vector<real> inv = avg_divisors(g, count_include_pad);
  for (real& d : inv) d = real(1) / d;
  auto window = [g](int64_t i, int64_t j) {
    return Window{std::max<int64_t>(i * g.sh - g.ph, 0), std::min(i * g.sh - g.ph + g.kh, g.H),
                  std::max<int64_t>(j * g.sw - g.pw, 0), std::min(j * g.sw - g.pw + g.kw, g.W)};
  };
  return avg_pool_windows("avg_pool2d", x, g.Ho, g.Wo, window, std::move(inv));
}

Tensor adaptive_avg_pool2d_impl(const char* op, const Tensor& x, Size2 out) {
  check_rank4(op, x);
  ATTN_CHECK(out.h > 0 && out.w > 0, op, ": output_size ", size2_str(out), " must be positive");
  const int64_t H = x.size(2), W = x.size(3);
  ATTN_CHECK(H > 0 && W > 0, op, ": input ", shape_str(x.shape()),
             " has an empty image; expected height and width > 0");
  // Window i covers [floor(i H / Ho), ceil((i + 1) H / Ho)).
  auto window = [H, W, out](int64_t i, int64_t j) {
    return Window{i * H / out.h, ((i + 1) * H + out.h - 1) / out.h, j * W / out.w,
                  ((j + 1) * W + out.w - 1) / out.w};
  };
  std::vector<real> inv(out.h * out.w);
  for (int64_t i = 0; i < out.h; ++i)
    for (int64_t j = 0; j < out.w; ++j) {
      const Window w = window(i, j);
      inv[i * out.w + j] = real(1) / static_cast<real>((w.r1 - w.r0) * (w.c1 - w.c0));
    }
  return avg_pool_windows("adaptive_avg_pool2d", x, out.h, out.w, window, std::move(inv));
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel) {
  return max_pool2d_impl("max_pool2d", x, kernel, kernel, 0);
}
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  return max_pool2d_impl("max_pool2d", x, kernel, stride, padding);
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel) {
  return avg_pool2d_impl("avg_pool2d", x, kernel, kernel, 0, true);
}
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding,
                  bool count_include_pad) {
  return avg_pool2d_impl("avg_pool2d", x, kernel, stride, padding, count_include_pad);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  return adaptive_avg_pool2d_impl("adaptive_avg_pool2d", x, output_size);
}

Tensor global_avg_pool(const Tensor& x) {
  check_rank4("global_avg_pool", x);
  Tensor y = adaptive_avg_pool2d_impl("global_avg_pool", x, 1);  // [B, C, 1, 1]
  return reshape(y, {x.size(0), x.size(1)});
}

MaxPool2d::MaxPool2d(const MaxPool2dOptions& opts) : Module("MaxPool2d"), options(opts) {
  check_window("MaxPool2d", opts.kernel_size(), opts.stride(), opts.padding());
}
Tensor MaxPool2d::forward(const Tensor& x) const {
  return max_pool2d_impl("MaxPool2d", x, options.kernel_size(), options.stride(),
                         options.padding());
}

AvgPool2d::AvgPool2d(const AvgPool2dOptions& opts) : Module("AvgPool2d"), options(opts) {
  check_window("AvgPool2d", opts.kernel_size(), opts.stride(), opts.padding());
}
Tensor AvgPool2d::forward(const Tensor& x) const {
  return avg_pool2d_impl("AvgPool2d", x, options.kernel_size(), options.stride(), options.padding(),
                         options.count_include_pad());
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 out) : Module("AdaptiveAvgPool2d"), output_size(out) {
  ATTN_CHECK(out.h > 0 && out.w > 0, "AdaptiveAvgPool2d: output_size ", size2_str(out),
             " must be positive");
}
Tensor AdaptiveAvgPool2d::forward(const Tensor& x) const {
  return adaptive_avg_pool2d_impl("AdaptiveAvgPool2d", x, output_size);
}

}  // namespace attn::nn
