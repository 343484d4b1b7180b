#pragma once
// gradcheck: compares backward() with central differences.
//
// For a function f of some tensors, take a fixed random projection
// L = sum(f(x) * R), so one backward checks every output at once. For each
// input element x_i:
//   numeric  = (L(x_i + eps) - L(x_i - eps)) / (2 eps)       error O(eps^2)
//   analytic = dL/dx_i from backward()
//   rel_error = |analytic - numeric| / max(|analytic|, |numeric|)   (cs231n)
// An element passes when rel_error <= rtol or |analytic - numeric| <= tol,
// the absolute tolerance for gradients that are ~0:
//   tol = atol + noise_ulps * DBL_EPSILON * S / eps,   S = sum_i |f(x)_i R_i|
// The second term is the finest derivative central differences can resolve:
// L itself is only known to a few ulps of the terms it sums (more for a deep
// function), and dividing by 2 eps magnifies that. Without it, an element
// whose gradient is ~1e-4 fails or passes depending on the CPU's rounding
// (AVX2 vs AVX-512 order of sums), not on the backward. Meant for the double
// build (ATTN_DOUBLE), where a correct backward gives rel_error ~1e-9 and a
// wrong one ~1e-1; in float, central differences alone carry ~1e-3 of noise.
//
// Kinks: relu at 0, abs at 0 and the like have no derivative there; elements
// within kink_radius of a listed kink are skipped (and counted).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attn {

struct GradcheckOptions {
  double eps = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-9;
  double noise_ulps = 32;  // rounding of L allowed for, in units of DBL_EPSILON * S
  std::vector<double> kinks;  // input values where f is not differentiable
  double kink_radius = 1e-4;
  uint64_t seed = 1234;  // for the projection R
};

struct GradcheckMismatch {
  size_t input;
  int64_t index;  // flat index into that input
  double analytic, numeric, abs_error, rel_error;
};

struct GradcheckResult {
  bool ok = true;
  double max_rel_error = 0, max_abs_error = 0;
  double tol = 0;  // the absolute tolerance used: atol plus the rounding floor
  int64_t checked = 0, skipped = 0;
  std::vector<GradcheckMismatch> mismatches;  // every failing element
  std::string op;                             // label for the report
  // One line per failing element (op, input, shape, index, analytic, numeric).
  std::string report(const std::vector<Tensor>& inputs) const;
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks every input that requires grad; the others are held constant.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {}, const std::string& op = "f");

}  // namespace attn
