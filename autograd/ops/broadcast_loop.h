#pragma once
// The loop behind every broadcasting op: visits each element of `out` once,
// with the matching offset into each of K inputs (read through
// broadcast_strides, so a broadcast dimension keeps the offset still).
//   f(int64_t out_index, const std::array<int64_t, K>& in_offsets)
// The innermost dimension runs as a plain loop; the outer ones as an odometer.
#include <array>
#include <vector>

#include "autograd/shape.h"

namespace attn::detail {

// The same walk, one innermost row at a time:
//   row(int64_t out_start, const std::array<int64_t, K>& in_offsets,
//       const std::array<int64_t, K>& in_strides, int64_t n)
// so a caller can give the common strides (1: contiguous, 0: broadcast) a
// plain loop that the compiler vectorises.
template <size_t K, typename Row>
void broadcast_rows(const Shape& out, const std::array<std::vector<int64_t>, K>& strides,
                    Row&& row) {
  const int64_t n = numel(out);
  if (n == 0) return;
  const int64_t nd = static_cast<int64_t>(out.size());
  std::array<int64_t, K> base{}, inner_stride{};
  if (nd == 0) {
    row(int64_t{0}, base, inner_stride, int64_t{1});
    return;
  }
  const int64_t inner = out[nd - 1];
  for (size_t k = 0; k < K; ++k) inner_stride[k] = strides[k][nd - 1];
  std::vector<int64_t> idx(nd, 0);
  for (int64_t start = 0; start < n; start += inner) {
    row(start, base, inner_stride, inner);
    for (int64_t d = nd - 2; d >= 0; --d) {  // advance the odometer
      ++idx[d];
      for (size_t k = 0; k < K; ++k) base[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (size_t k = 0; k < K; ++k) base[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

template <size_t K, typename F>
void broadcast_for_each(const Shape& out, const std::array<std::vector<int64_t>, K>& strides,
                        F&& f) {
  const int64_t n = numel(out);
  if (n == 0) return;
  const int64_t nd = static_cast<int64_t>(out.size());
  std::array<int64_t, K> base{};
  if (nd == 0) {
    f(int64_t{0}, base);
    return;
  }
  const int64_t inner = out[nd - 1];
  std::array<int64_t, K> inner_stride;
  for (size_t k = 0; k < K; ++k) inner_stride[k] = strides[k][nd - 1];
  std::vector<int64_t> idx(nd, 0);
  for (int64_t start = 0; start < n; start += inner) {
    std::array<int64_t, K> off = base;
    for (int64_t j = 0; j < inner; ++j) {
      f(start + j, off);
      for (size_t k = 0; k < K; ++k) off[k] += inner_stride[k];
    }
    for (int64_t d = nd - 2; d >= 0; --d) {  // advance the odometer
      ++idx[d];
      for (size_t k = 0; k < K; ++k) base[k] += strides[k][d];
      if (idx[d] < out[d]) break;
      for (size_t k = 0; k < K; ++k) base[k] -= strides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

}  // namespace attn::detail
