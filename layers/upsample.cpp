// Nearest upsampling: x [B, C, H, W] -> y [B, C, s H, s W], y[.., i, j] = x[.., i / s, j / s].
// Forward: each input row is widened once (every value written s times), then that row is
// copied to the s output rows below it. Backward: the adjoint of copying is adding, so each
// s x s block of dy sums into its one pixel of dx.
#include "layers/upsample.h"

#include <algorithm>
#include <cstring>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/parallel.h"
#include "autograd/profiler.h"

namespace attn::nn {

Tensor upsample_nearest2d(const Tensor& x, int64_t s) {
  ATTN_PROFILE_OP("upsample_nearest2d");
  ATTN_CHECK(x.defined(), "upsample_nearest2d: the input is undefined");
  ATTN_CHECK(x.dim() == 4, "upsample_nearest2d: input of shape ", shape_str(x.shape()), " has ",
             x.dim(), " dimensions; expected 4: [batch, channels, height, width]");
  ATTN_CHECK(s >= 1, "upsample_nearest2d: scale factor ", s, " must be a whole number >= 1");
  const int64_t planes = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Hs = H * s, Ws = W * s;
  Tensor y = Tensor::uninitialized({x.size(0), x.size(1), Hs, Ws});  // every element written
  const real* px = x.data();
  real* py = y.data();
  parallel_for(planes, Hs * Ws, kMinElementsForThreads, [&](int64_t p_begin, int64_t p_end) {
    for (int64_t p = p_begin; p < p_end; ++p)
      for (int64_t i = 0; i < H; ++i) {
        const real* src = px + (p * H + i) * W;
        real* first = py + (p * Hs + i * s) * Ws;  // output row i s
        for (int64_t j = 0; j < W; ++j) std::fill(first + j * s, first + (j + 1) * s, src[j]);
        for (int64_t di = 1; di < s; ++di) std::memcpy(first + di * Ws, first, sizeof(real) * Ws);
      }
  });
  return record("upsample_nearest2d", y, {x}, [s, x_shape = x.shape()](const Tensor& gy) {
    const int64_t planes = x_shape[0] * x_shape[1], H = x_shape[2], W = x_shape[3];
    const int64_t Ws = W * s;
    Tensor gx = Tensor::zeros(x_shape);
    const real* pg = gy.data();
    real* pd = gx.data();
    parallel_for(planes, H * s * Ws, kMinElementsForThreads, [&](int64_t p_begin, int64_t p_end) {
      for (int64_t p = p_begin; p < p_end; ++p)
        for (int64_t i = 0; i < H; ++i) {
          real* d = pd + (p * H + i) * W;
          for (int64_t di = 0; di < s; ++di) {  // the s rows of block row i
            const real* row = pg + (p * H * s + i * s + di) * Ws;
            for (int64_t j = 0; j < W; ++j)
              for (int64_t dj = 0; dj < s; ++dj) d[j] += row[j * s + dj];
          }
        }
    });
    return std::vector<Tensor>{gx};
  });
}

Upsample::Upsample(int64_t s) : Module("Upsample"), scale_factor(s) {
  ATTN_CHECK(s >= 1, "Upsample: scale_factor ", s, " must be a whole number >= 1");
}

}  // namespace attn::nn
