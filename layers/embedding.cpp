// Embedding: ids [..] -> out [.., D];  out[p, :] = E[ids[p], :],  E [V, D].
//
// Backward: the forward copied row E[v] to every position p with ids[p] = v,
// so dE[v] = sum over those p of dout[p] (an index_add); dE[padding_idx] = 0.
#include "layers/embedding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "layers/init.h"

namespace attn::nn {

namespace {

// "[1,3]": the position of flat index p in a tensor of `shape`, for errors.
std::string position_str(const Shape& shape, int64_t p) {
  std::vector<int64_t> idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = p % shape[d];
    p /= shape[d];
  }
  return shape_str(idx);
}

int64_t normalized_padding_idx(int64_t idx, int64_t V, const char* op) {
  ATTN_CHECK(idx >= -V && idx < V, op, ": padding_idx ", idx,
             " is out of range for num_embeddings = ", V, " (expected ", -V, " <= padding_idx < ",
             V, ")");
  return idx < 0 ? idx + V : idx;
}

}  // namespace

Tensor embedding(const Tensor& ids, const Tensor& weight, std::optional<int64_t> padding_idx) {
  ATTN_PROFILE_OP("embedding");
  ATTN_CHECK(ids.defined() && weight.defined(), "embedding: an input is undefined");
  ATTN_CHECK(weight.dim() == 2, "embedding: weight of shape ", shape_str(weight.shape()),
             " must be 2-D [num_embeddings, embedding_dim]");
  const int64_t V = weight.size(0), D = weight.size(1);
  if (padding_idx) padding_idx = normalized_padding_idx(*padding_idx, V, "embedding");

  const int64_t N = ids.numel();
  std::vector<int64_t> rows(N);
  const real* pi = ids.data();
  for (int64_t p = 0; p < N; ++p) {
    const real v = pi[p];
    ATTN_CHECK(std::isfinite(v) && v == std::floor(v) && v >= 0 && v < real(V), "embedding: id ", v,
               " at position ", position_str(ids.shape(), p), " of ids ", shape_str(ids.shape()),
               " is out of range for a vocabulary of ", V, " (expected a whole number 0 <= id < ",
               V, ")");
    rows[p] = static_cast<int64_t>(v);
  }

  Shape out_shape = ids.shape();
  out_shape.push_back(D);
  Tensor out = Tensor::empty(out_shape);
  const real* pw = weight.data();
  real* po = out.data();
  for (int64_t p = 0; p < N; ++p) std::copy(pw + rows[p] * D, pw + (rows[p] + 1) * D, po + p * D);

  return record("embedding", out, {weight},
                [V, D, padding_idx, rows = std::move(rows)](const Tensor& g) {
                  // in the forward pass out[p] = E[rows[p]], so now dE[rows[p]] += dout[p],
                  // except for the padding row, which is held at zero gradient.
                  Tensor gw = Tensor::zeros({V, D});
                  const real* pg = g.data();
                  real* pgw = gw.data();
                  for (size_t p = 0; p < rows.size(); ++p) {
                    if (padding_idx && rows[p] == *padding_idx) continue;
                    real* dst = pgw + rows[p] * D;
                    const real* src = pg + static_cast<int64_t>(p) * D;
                    for (int64_t j = 0; j < D; ++j) dst[j] += src[j];
                  }
                  return std::vector<Tensor>{gw};
                });
}

Embedding::Embedding(const EmbeddingOptions& opts) : Module("Embedding"), options(opts) {
  ATTN_CHECK(opts.num_embeddings() >= 0 && opts.embedding_dim() >= 0,
             "Embedding: sizes must be >= 0, got num_embeddings = ", opts.num_embeddings(),
             ", embedding_dim = ", opts.embedding_dim());
  if (opts.padding_idx())
    padding_idx = normalized_padding_idx(*opts.padding_idx(), opts.num_embeddings(), "Embedding");
  weight = Tensor::empty({opts.num_embeddings(), opts.embedding_dim()});
  register_parameter("weight", weight);
  reset_parameters();
}

void Embedding::reset_parameters() {
  init::normal_(weight, 0.0, 1.0);
  if (padding_idx) {
    const int64_t D = options.embedding_dim();
    std::fill(weight.data() + *padding_idx * D, weight.data() + (*padding_idx + 1) * D, real(0));
  }
}

Tensor Embedding::forward(const Tensor& ids) const {
  return embedding(ids, weight, padding_idx);
}

}  // namespace attn::nn
