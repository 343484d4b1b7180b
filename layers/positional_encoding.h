#pragma once
// Sinusoidal positional encoding (Vaswani et al. 2017, section 3.5). Attention is blind to
// order (permuting the keys permutes nothing in the result), so each position p gets a
// fixed vector added to its embedding:
//   PE[p, 2i]   = sin(p / 10000^(2i / D))
//   PE[p, 2i+1] = cos(p / 10000^(2i / D))
// Each pair of features is a sinusoid of its own wavelength (2 pi to 10000 * 2 pi), so
// PE[p + k] is a fixed linear function (a rotation) of PE[p] for every offset k.
//   x [B, T, D] -> x + PE[0:T]   [B, T, D]  (then dropout while training, if p > 0)
// PE is a buffer "pe" [max_len, D]: saved with the model, never trained.
//
//   nn::PositionalEncoding pos(nn::PositionalEncodingOptions(128).max_len(512));
//   Tensor h = pos(embedding(tokens));       // [B, T, 128], T <= 512
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/options.h"

namespace attn::nn {

class PositionalEncodingOptions {
 public:
  PositionalEncodingOptions(int64_t d_model) : d_model_(d_model) {}  // NOLINT
  ATTN_OPTION(int64_t, d_model, 0);
  ATTN_OPTION(int64_t, max_len, 5000);
  ATTN_OPTION(double, dropout, 0.0);
};

// The table itself: [max_len, d_model]; odd d_model is allowed (the last cos is dropped).
Tensor sinusoidal_positional_encoding(int64_t max_len, int64_t d_model);

class PositionalEncoding : public Module {
 public:
  explicit PositionalEncoding(const PositionalEncodingOptions& options);
  // x [B, T, d_model] with T <= max_len.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  PositionalEncodingOptions options;
  Tensor pe;  // [max_len, d_model], a buffer
};

}  // namespace attn::nn
