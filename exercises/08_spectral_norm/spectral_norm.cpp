// Exercise 8: spectral normalisation. Write the two functions below (README.md), then run
// `scripts/exercise 8`.
#include "exercises/08_spectral_norm/spectral_norm.h"

#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"

namespace attn::exercises {

PowerIterationResult power_iteration(const Tensor& W, const Tensor& u0, int64_t iterations) {
  throw Error("exercise 8: power_iteration not done yet (README step 1)");
}

SpectralNormResult spectral_norm(const Tensor& W, const Tensor& u0, int64_t iterations) {
  throw Error("exercise 8: spectral_norm not done yet (README step 2)");
}

}  // namespace attn::exercises
