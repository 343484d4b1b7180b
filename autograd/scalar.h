#pragma once
// The one scalar type of the library. attnlab is built twice from the same
// sources: `attn_autograd` with real = float (fast, what models use) and
// `attn_autograd_f64` with real = double (ATTN_DOUBLE defined), which the
// gradient checks link. Central differences in float carry errors of ~1e-3;
// in double a correct backward agrees to ~1e-9, so a wrong one cannot hide.
namespace attn {
#ifdef ATTN_DOUBLE
using real = double;
#else
using real = float;
#endif
}  // namespace attn
