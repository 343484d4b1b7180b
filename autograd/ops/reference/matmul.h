#pragma once
// The reading version of matmul: the maths of C = A B as plain loops, forward and backward
// side by side, for a learner to read before the BLIS-style GEMM (autograd/simd/gemm.cpp)
// and for the tests to hold the fast matmul (autograd/ops/matmul.h) against.
//
//   a [...a, M, K] x b [...b, K, N] -> c [broadcast(...a, ...b), M, N], as matmul:
//   a [K] is read as [1, K] and b [K] as [K, 1], and the added dimension is dropped.
//
//   forward:   C[m, n] = sum_k A[m, k] B[k, n]
//   backward:  dA[m, k] = sum_n dC[m, n] B[k, n]     (dA = dC B^T)
//              dB[k, n] = sum_m A[m, k] dC[m, n]     (dB = A^T dC)
// Batch dimensions are broadcast by expand (whose backward sums the gradient of an operand
// shared by several items), so the loops see one [M, K] x [K, N] product per item.
// Slow on purpose: no blocking, no packing, no threads; sums are accumulated in double.
#include "autograd/tensor.h"

namespace attn {

Tensor reference_matmul(const Tensor& a, const Tensor& b);

}  // namespace attn
