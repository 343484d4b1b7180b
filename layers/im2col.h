#pragma once
// The convolution machinery that conv2d and conv_transpose2d share (internal to layers/):
// a convolution's sizes, im2col and its adjoint col2im, and the split of a batch over threads.
// Always in conv2d's terms: x [C, H, W] is the input of the convolution, y [O, Ho, Wo] its
// output; a transposed convolution is the same geometry read the other way (y -> x).
//
//   col [C kh kw, Ho Wo],  col[(c, u, v), (i, j)] = x[c, i sh - ph + u, j sw - pw + v]  (0 outside)
//   y_b [O, Ho Wo] = W [O, C kh kw] col        (a convolution is one GEMM)
//   col2im: each entry of a column matrix added back to the pixel im2col took it from.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "autograd/parallel.h"
#include "autograd/simd/gemm.h"
#include "autograd/tensor.h"
#include "layers/conv2d.h"

namespace attn::nn::detail {

// The sizes of one convolution (conv2d's view: x the input, y the output).
struct ConvGeometry {
  int64_t B, C, H, W;  // input
  int64_t O, kh, kw;   // weight
  int64_t sh, sw, ph, pw;
  int64_t Ho, Wo;                            // output
  int64_t K() const { return C * kh * kw; }  // rows of a column matrix
  int64_t N() const { return Ho * Wo; }      // output positions of one image
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

inline std::string size2_str(Size2 s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w);
}

// The output columns j whose input column j sw - pw + v lies inside [0, W): [lo, hi).
// Outside it the column matrix holds padding zeros.
struct ValidRange {
  int64_t lo, hi;
};
inline ValidRange valid_cols(const ConvGeometry& g, int64_t v) {
  const int64_t off = g.pw - v;  // iw = j sw - off
  int64_t lo = off > 0 ? (off + g.sw - 1) / g.sw : 0;
  int64_t hi = g.W - 1 + off >= 0 ? (g.W - 1 + off) / g.sw + 1 : 0;
  lo = std::min(lo, g.Wo);
  hi = std::clamp(hi, lo, g.Wo);
  return {lo, hi};
}

// im2col for one image: x [C, H, W] -> col [C kh kw, Ho Wo]. One row of col per tap
// (c, u, v); a row is Ho runs of Wo values, each a (strided) slice of one input row with
// zeros where the window hangs over the border.
template <typename T>
inline void im2col(const ConvGeometry& g, const T* x, T* col) {
  const int64_t N = g.N();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t u = 0; u < g.kh; ++u)
      for (int64_t v = 0; v < g.kw; ++v) {
        T* row = col + ((c * g.kh + u) * g.kw + v) * N;
        const auto [lo, hi] = valid_cols(g, v);
        for (int64_t i = 0; i < g.Ho; ++i) {
          T* d = row + i * g.Wo;
          const int64_t ih = i * g.sh - g.ph + u;
          if (ih < 0 || ih >= g.H) {
            std::fill(d, d + g.Wo, T(0));
            continue;
          }
          const T* src = x + (c * g.H + ih) * g.W;  // input row ih; column j reads j sw - off
          const int64_t off = g.pw - v;
          std::fill(d, d + lo, T(0));
          if (g.sw == 1)
            std::memcpy(d + lo, src + (lo - off), sizeof(T) * (hi - lo));
          else
            for (int64_t j = lo; j < hi; ++j) d[j] = src[j * g.sw - off];
          std::fill(d + hi, d + g.Wo, T(0));
        }
      }
}

// col2im for one image, the adjoint of im2col: dx [C, H, W] += each entry of dcol put back
// where im2col took it from (overlapping windows add up; padding entries are dropped).
template <typename T>
inline void col2im(const ConvGeometry& g, const T* dcol, T* dx) {
  const int64_t N = g.N();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t u = 0; u < g.kh; ++u)
      for (int64_t v = 0; v < g.kw; ++v) {
        const T* row = dcol + ((c * g.kh + u) * g.kw + v) * N;
        const auto [lo, hi] = valid_cols(g, v);
        for (int64_t i = 0; i < g.Ho; ++i) {
          const int64_t ih = i * g.sh - g.ph + u;
          if (ih < 0 || ih >= g.H) continue;
          const T* s = row + i * g.Wo;
          T* dst = dx + (c * g.H + ih) * g.W;
          const int64_t off = g.pw - v;
          if (g.sw == 1)
            for (int64_t j = lo; j < hi; ++j) dst[j - off] += s[j];
          else
            for (int64_t j = lo; j < hi; ++j) dst[j * g.sw - off] += s[j];
        }
      }
}

// How many threads take images in parallel: 1 (the images in order) unless there are
// several threads, several images and enough work per image to cover a thread's start-up.
inline int batch_threads(const ConvGeometry& g) {
  const int nt = get_num_threads();
  if (nt <= 1 || g.B <= 1) return 1;
  // The batch's multiply-adds: two threads from 8M on, as for one GEMM (autograd/simd/gemm.cpp).
  if (thread_thresholds() && g.B * g.O * g.K() * g.N() < (int64_t{1} << 23)) return 1;
  return static_cast<int>(std::min<int64_t>(nt, g.B));
}

// Runs body(b, t) for every image b, where t in [0, nt) names the share of the batch (and
// its scratch): share t is the t-th of nt contiguous runs of images, the first B % nt of
// them one image longer. Each share runs on one thread, so its partial sums come out the
// same whichever thread takes it.
template <typename Body>
inline void for_each_image(int nt, int64_t B, Body&& body) {
  const int64_t q = B / nt, r = B % nt;
  parallel_tasks(nt, nt, [&](int64_t t) {
    const int64_t lo = t * q + std::min(t, r), hi = lo + q + (t < r ? 1 : 0);
    for (int64_t b = lo; b < hi; ++b) body(b, static_cast<int>(t));
  });
}

// The weight gradient of a batch, dW [O, K] = sum over images of dy_b [O, N] col_b^T, with
// col_b [K, N] the image's column matrix. Each share t of the batch (for_each_image) sums its
// images into its own part, and sum_into adds the parts in share order, so the result does
// not depend on which thread ran which share.
//   The product reads one operand transposed, and the GEMM copies that one into panels. As
// dy_b col_b^T it copies col_b (K N values) and reuses each panel O / MR times: fine for many
// output channels. With few (O <= 64, as in the GANs and a network's last layer) the parts
// hold dW^T [K, O] = sum col_b dy_b^T instead: col_b is read in place and only dy_b (O N
// values) is copied. Measured (bench_conv, one thread, AVX-512, two runs each): Conv3x3
// 64 -> 3 on 32x32 18-25 -> 8-12 ms, a captioner block 32 -> 64 41-56 -> 32-42 ms; with
// O = 128, or K = 27 < O (a first layer), the transposed form was 10-35% slower, so those
// keep dy_b col_b^T.
class WeightGradient {
 public:
  WeightGradient(int shares, int64_t O, int64_t K)
      : O_(O),
        K_(K),
        transposed_(O <= 64 && K >= O),
        parts_(static_cast<size_t>(shares), std::vector<real>(O * K, real(0))) {}

  // part t += dy [O, N] col^T, col [K, N].
  void add_image(int t, const real* col, const real* dy, int64_t N) {
    real* part = parts_[static_cast<size_t>(t)].data();
    if (transposed_)  // dW^T += col dy^T: [K, N] x [N, O]
      simd::gemm<real>(false, true, K_, O_, N, real(1), col, N, dy, N, real(1), part, O_);
    else  // dW += dy col^T: [O, N] x [N, K]
      simd::gemm<real>(false, true, O_, K_, N, real(1), dy, N, col, N, real(1), part, K_);
  }

  // dw [O, K] += the parts, share by share.
  void sum_into(real* dw) const {
    for (const std::vector<real>& part : parts_)
      for (int64_t o = 0; o < O_; ++o)
        for (int64_t k = 0; k < K_; ++k)
          dw[o * K_ + k] += transposed_ ? part[k * O_ + o] : part[o * K_ + k];
  }

 private:
  int64_t O_, K_;
  bool transposed_;
  std::vector<std::vector<real>> parts_;
};

// Per-thread scratch buffers, written in full (im2col, or a gemm with beta = 0) before each
// use: uninitialised, and from the tensor allocator's cache rather than fresh pages.
inline std::vector<Tensor> scratch(int count, int64_t size) {
  std::vector<Tensor> out;
  for (int i = 0; i < count; ++i) out.push_back(Tensor::uninitialized({size}));
  return out;
}

}  // namespace attn::nn::detail
