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
#include "autograd/simd/vec.h"
#include "autograd/simd/vector_kernels.h"
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

// The phase image: x padded, then split by stride phase, so that every row of a column
// matrix is a run of contiguous copies. With stride s, tap (u, v) reads the padded input at
// (i s + u, j s + v), i.e. at (s (i + u / s) + u % s, ...): in the sub-image of the rows and
// columns whose index is u % s (mod s), position (i + u / s, j + v / s). So
//   xq [C, sh, sw, Hq, Wq],  xq[c, a, b, r, q] = x_padded[c, a + sh r, b + sw q]   (0 outside)
// and the run of output row i for tap (u, v) is Wo neighbours of one row of xq. With stride 1
// there is one phase and xq is just the padded image.
struct PhaseImage {
  int64_t Hq, Wq;  // one phase plane
  int64_t planes;  // C sh sw
  explicit PhaseImage(const ConvGeometry& g)
      : Hq((g.H + 2 * g.ph + g.sh - 1) / g.sh),
        Wq((g.W + 2 * g.pw + g.sw - 1) / g.sw),
        planes(g.C * g.sh * g.sw) {}
  // Where tap (u, v) of channel c starts: its plane, moved down u / sh rows and v / sw over.
  int64_t tap_offset(const ConvGeometry& g, int64_t c, int64_t u, int64_t v) const {
    const int64_t plane = (c * g.sh + u % g.sh) * g.sw + v % g.sw;
    return plane * Hq * Wq + (u / g.sh) * Wq + v / g.sw;
  }
};

// The copies below move whole vectors: a run of Wo values may read and write up to one
// vector past its end, so the phase image and the column matrix carry that much slack.
template <typename T>
constexpr int64_t kRunSlack = simd::Vec<T>::lanes;

// Scratch sizes, slack included: a phase image, and a column matrix [C kh kw, Ho Wo]. The
// phase image has kw more: ImplicitConv's rows run up to v / sw past the last plane.
template <typename T>
int64_t phase_image_size(const ConvGeometry& g) {
  const PhaseImage q(g);
  return q.planes * q.Hq * q.Wq + kRunSlack<T> + g.kw;
}
template <typename T>
int64_t column_size(const ConvGeometry& g) {
  return g.K() * g.N() + kRunSlack<T>;
}

// xq <- x [C, H, W] as the phase image (padding and the slack zero).
template <typename T>
void to_phase_image(const ConvGeometry& g, const T* x, T* xq) {
  const PhaseImage q(g);
  T* d = xq;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t a = 0; a < g.sh; ++a)
      for (int64_t b = 0; b < g.sw; ++b)
        for (int64_t r = 0; r < q.Hq; ++r, d += q.Wq) {
          const int64_t h = a + g.sh * r - g.ph;  // the input row, unpadded
          if (h < 0 || h >= g.H) {
            std::fill(d, d + q.Wq, T(0));
            continue;
          }
          const T* src = x + (c * g.H + h) * g.W;
          if (g.sw == 1) {  // the row itself between pw zeros and the rest
            std::fill(d, d + g.pw, T(0));
            std::copy(src, src + g.W, d + g.pw);
            std::fill(d + g.pw + g.W, d + q.Wq, T(0));
            continue;
          }
          for (int64_t k = 0; k < q.Wq; ++k) {
            const int64_t w = b + g.sw * k - g.pw;
            d[k] = w >= 0 && w < g.W ? src[w] : T(0);
          }
        }
  std::fill(d, d + kRunSlack<T> + g.kw, T(0));
}

// im2col for one image: x [C, H, W] -> col [C kh kw, Ho Wo] (column_size), through the phase
// image xq (phase_image_size). Row (c, u, v) of col is Ho runs of Wo neighbours of xq, each
// copied a vector at a time; a copy that runs past its Wo values writes into the next run,
// which is written after it, or into the slack.
template <typename T>
void im2col(const ConvGeometry& g, const T* x, T* col, T* xq) {
  using V = simd::Vec<T>;
  to_phase_image(g, x, xq);
  const PhaseImage q(g);
  T* d = col;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t u = 0; u < g.kh; ++u)
      for (int64_t v = 0; v < g.kw; ++v) {
        const T* src = xq + q.tap_offset(g, c, u, v);
        for (int64_t i = 0; i < g.Ho; ++i, d += g.Wo, src += q.Wq)
          for (int64_t j = 0; j < g.Wo; j += V::lanes) V::store(d + j, V::load(src + j));
      }
}

// A convolution with no column matrix at all ("implicit GEMM"). Row (c, u, v) of the
// column matrix, laid out [Ho, Wo], is the phase image from tap_offset(c, u, v) on, read
// with rows Wq apart instead of Wo. So if the output is computed Wq columns wide, every row
// of the column matrix is Ho Wq neighbours of the phase image, and the GEMM reads them in
// place through a table of where each starts (simd::gemm_row_table):
//   wide [M, Ho Wq] = Wmat [M, C kh kw] B~,   B~ row (c, u, v) at xq + tap_offset(c, u, v)
// Columns Wo..Wq-1 of each output row mix neighbouring rows and are dropped when wide is
// copied into y. This saves im2col (K N values written, then read) for Wq / Wo - 1 more
// multiply-adds. B~ is never packed, which pays only with few output rows (M, the output
// channels): the GEMM itself reads untransposed B in place only up to 96 rows
// (autograd/simd/gemm.cpp, kInPlaceBMaxRows). conv2d uses this up to kImplicitMaxChannels.
constexpr int64_t kImplicitMaxChannels = 64;

class ImplicitConv {
 public:
  explicit ImplicitConv(const ConvGeometry& g) : g_(g), q_(g) {
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t u = 0; u < g.kh; ++u)
        for (int64_t v = 0; v < g.kw; ++v) rows_.push_back(q_.tap_offset(g, c, u, v));
  }
  // Per-thread scratch: the phase image, then wide [M, Ho Wq].
  int64_t scratch_size(int64_t M) const { return phase_image_size<real>(g_) + M * g_.Ho * q_.Wq; }
  // One such buffer for each of `count` threads (uninitialised: run writes it in full).
  std::vector<Tensor> scratch(int count, int64_t M) const {
    std::vector<Tensor> out;
    for (int t = 0; t < count; ++t) out.push_back(Tensor::uninitialized({scratch_size(M)}));
    return out;
  }
  // y [M, Ho, Wo] = w [M, C kh kw] im2col(x) (+ bias[m] if bias), x [C, H, W].
  void run(const real* w, int64_t M, const real* x, const real* bias, real* y,
           real* scratch) const {
    real* xq = scratch;
    real* wide = scratch + phase_image_size<real>(g_);
    to_phase_image(g_, x, xq);
    const int64_t Nw = g_.Ho * q_.Wq;
    simd::gemm_row_table<real>(M, Nw, g_.K(), real(1), w, g_.K(), xq, rows_.data(), wide, Nw);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t i = 0; i < g_.Ho; ++i) {
        const real* src = wide + m * Nw + i * q_.Wq;
        real* dst = y + (m * g_.Ho + i) * g_.Wo;
        if (bias)
          simd::add_scalar(src, bias[m], dst, g_.Wo);
        else
          std::copy(src, src + g_.Wo, dst);
      }
  }

 private:
  ConvGeometry g_;
  PhaseImage q_;
  std::vector<int64_t> rows_;
};

// dst[0, n) += src[0, n), whole vectors at a time; the last, partial vector adds zeros to
// the lanes past n (dst has room for them). Inline rather than simd::add, whose call and
// scalar tail doubled col2im's time on runs of 7-14 values.
template <typename T>
inline void add_run(T* dst, const T* src, int64_t n) {
  using V = simd::Vec<T>;
  int64_t j = 0;
  for (; j + V::lanes <= n; j += V::lanes) V::store(dst + j, V::load(dst + j) + V::load(src + j));
  if (j < n)
    V::store(dst + j, V::load(dst + j) + V::load_partial(src + j, static_cast<int>(n - j)));
}

// col2im for one image, the adjoint of im2col: dx [C, H, W] = for each pixel, the sum of the
// entries of dcol that im2col copied from it (overlapping windows add up; padding entries are
// dropped). dx is written in full, never read. plane: scratch of phase_image_size (it holds
// one plane of the phase image at a time).
//   Summed through the phase image, one plane at a time (see PhaseImage): with u = a + sh u'
// and v = b + sw v', tap (u, v) read plane (c, a, b) at (i + u', j + v'), so its dcol row,
// [Ho, Wo], goes back onto that plane shifted down u' and right v': Ho runs of Wo neighbours,
// added whole vectors at a time into a plane-sized buffer that stays in cache. The plane's
// rows are then copied to the pixels they stand for (every pixel lies in exactly one plane;
// the padding is dropped). Before, each dcol entry was added straight into a zeroed dx, a
// scalar scatter with stride sw. 64 images, one thread, AVX2: SAGAN's 4x4 stride-2 16 -> 16
// on 28x28 1.78 -> 0.79 ms, on 14x14 0.44 -> 0.26 ms; a 3x3 stride-1 64 -> 16 on 32x32
// 16.3 -> 4.2 ms (the col2im alone).
template <typename T>
inline void col2im(const ConvGeometry& g, const T* dcol, T* dx, T* plane) {
  using V = simd::Vec<T>;
  const PhaseImage q(g);
  const int64_t N = g.N(), plane_size = q.Hq * q.Wq;  // and kRunSlack for a last partial vector
  // A run's last vector can reach into the next rows' runs; the rows are taken row_step apart
  // (all of one residue, then the next) so that no run reads what the one before it has just
  // stored: a load that overlaps an earlier, not yet written, store waits for it.
  const int64_t span = (g.Wo + V::lanes - 1) / V::lanes * V::lanes;
  const int64_t row_step = std::max<int64_t>(1, (span + q.Wq - 1) / q.Wq);
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t a = 0; a < g.sh; ++a)
      for (int64_t b = 0; b < g.sw; ++b) {
        std::fill(plane, plane + plane_size + kRunSlack<T>, T(0));
        for (int64_t u = a, du = 0; u < g.kh; u += g.sh, ++du)
          for (int64_t v = b, dv = 0; v < g.kw; v += g.sw, ++dv) {
            const T* tap = dcol + ((c * g.kh + u) * g.kw + v) * N;
            T* base = plane + du * q.Wq + dv;
            for (int64_t i0 = 0; i0 < row_step; ++i0)
              for (int64_t i = i0; i < g.Ho; i += row_step)
                add_run(base + i * q.Wq, tap + i * g.Wo, g.Wo);
          }
        // The plane's columns k that are pixels: w = b + sw k - pw in [0, W).
        const int64_t k_lo = std::max<int64_t>(0, (g.pw - b + g.sw - 1) / g.sw);
        const int64_t last = g.W - 1 + g.pw - b;  // sw k at the last pixel column, if any
        const int64_t k_hi = last < 0 ? 0 : std::min<int64_t>(q.Wq, last / g.sw + 1);
        for (int64_t r = 0; r < q.Hq; ++r) {
          const int64_t h = a + g.sh * r - g.ph;  // the pixel row, unpadded
          if (h < 0 || h >= g.H) continue;        // a padding row
          const T* row = plane + r * q.Wq;
          T* out = dx + (c * g.H + h) * g.W;  // row[k] is pixel column b + sw k - pw
          if (g.sw == 1)
            std::copy(row + k_lo, row + k_hi, out + (k_lo - g.pw));
          else
            for (int64_t k = k_lo; k < k_hi; ++k) out[b + g.sw * k - g.pw] = row[k];
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

// One thread's buffers for im2col (or a gemm feeding col2im) in geometry g: a column matrix
// (col), and the phase image im2col copies it from or col2im sums one plane into (phase).
// Written (im2col, to_phase_image, a gemm with beta = 0, col2im's fill) before each use:
// uninitialised, and from the tensor allocator's cache rather than fresh pages.
struct ColumnBuffers {
  Tensor storage;
  real* col() { return storage.data(); }
  real* phase() { return storage.data() + col_size; }
  int64_t col_size;
};
inline std::vector<ColumnBuffers> column_buffers(int count, const ConvGeometry& g) {
  std::vector<ColumnBuffers> out;
  const int64_t cs = column_size<real>(g), ps = phase_image_size<real>(g);
  for (int i = 0; i < count; ++i) out.push_back({Tensor::uninitialized({cs + ps}), cs});
  return out;
}

}  // namespace attn::nn::detail
