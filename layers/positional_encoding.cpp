// Sinusoidal positional encoding: x [B, T, D] -> x + PE[0:T], PE [max_len, D].
// The backward is the addition's: dx = dy (PE is a constant buffer).
#include "layers/positional_encoding.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/dropout.h"

namespace attn::nn {

Tensor sinusoidal_positional_encoding(int64_t max_len, int64_t D) {
  ATTN_CHECK(max_len > 0 && D > 0, "sinusoidal_positional_encoding: max_len = ", max_len,
             " and d_model = ", D, " must both be > 0");
  Tensor pe = Tensor::empty({max_len, D});
  real* p = pe.data();
  for (int64_t pos = 0; pos < max_len; ++pos)
    for (int64_t i = 0; 2 * i < D; ++i) {
      // 1 / 10000^(2i / D), in double: the angles reach max_len radians, and float would
      // lose their fractional part.
      const double angle = double(pos) * std::exp(-std::log(10000.0) * double(2 * i) / double(D));
      p[pos * D + 2 * i] = static_cast<real>(std::sin(angle));
      if (2 * i + 1 < D) p[pos * D + 2 * i + 1] = static_cast<real>(std::cos(angle));
    }
  return pe;
}

PositionalEncoding::PositionalEncoding(const PositionalEncodingOptions& opts)
    : Module("PositionalEncoding"), options(opts) {
  ATTN_CHECK(opts.d_model() > 0 && opts.max_len() > 0,
             "PositionalEncoding: d_model = ", opts.d_model(), " and max_len = ", opts.max_len(),
             " must both be > 0");
  ATTN_CHECK(opts.dropout() >= 0 && opts.dropout() <= 1,
             "PositionalEncoding: dropout = ", opts.dropout(), " is outside [0, 1]");
  pe = sinusoidal_positional_encoding(opts.max_len(), opts.d_model());
  register_buffer("pe", pe);
}

Tensor PositionalEncoding::forward(const Tensor& x) const {
  ATTN_CHECK(x.defined(), "PositionalEncoding: the input is undefined");
  ATTN_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "PositionalEncoding: input of shape ",
             shape_str(x.shape()), " is not [B, T, d_model] with d_model = ", options.d_model());
  const int64_t T = x.size(1);
  ATTN_CHECK(T <= options.max_len(), "PositionalEncoding: input of shape ", shape_str(x.shape()),
             " has T = ", T, " positions, more than max_len = ", options.max_len(),
             " (build the layer with a larger max_len)");
  Tensor y = x + slice(pe, 0, 0, T);  // [B, T, D] + [T, D]
  return dropout(y, options.dropout(), is_training());
}

}  // namespace attn::nn
