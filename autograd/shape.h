#pragma once
// Shapes, strides and NumPy broadcasting.
//
// A tensor is a shape plus a contiguous row-major buffer, so the stride of a
// dimension is the product of the sizes after it. Broadcasting (NumPy rules):
// align shapes on the right; two sizes are compatible when equal or one is 1;
// the result takes the larger. [B,T,D] + [D] -> [B,T,D].
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace attn {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s);
std::vector<int64_t> contiguous_strides(const Shape& s);
// "[2,3,4]": how shapes appear in every error message.
std::string shape_str(const Shape& s);
std::ostream& operator<<(std::ostream& os, const Shape& s);

// Wraps a possibly negative dimension index into [0, ndim); throws naming op.
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);

// The broadcast of a and b, or an error naming op and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Strides that read `in` (broadcastable to out) as if it had shape out:
// broadcast dimensions get stride 0. The result has out.size() entries.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

}  // namespace attn
