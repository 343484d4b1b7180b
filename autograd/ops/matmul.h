#pragma once
// Matrix multiply, as torch.matmul:
//   [M,K] x [K,N] -> [M,N]
//   [...,M,K] x [...,K,N] -> [...,M,N], batch dimensions broadcast
//   a 1-D operand is a vector: [K] x [K,N] -> [N], [M,K] x [K] -> [M]
// Backward of C = A B: dA = dC B^T, dB = A^T dC (summed over broadcast batches).
#include "autograd/tensor.h"

namespace attn {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace attn
