// Exercise 1: the GRU. Write each function below, in order (README.md, steps 1 to 3), then
// run `scripts/exercise 1`. The shapes and equations are in gru.h.
#include "exercises/01_gru/gru.h"

#include <cmath>
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/init.h"

namespace attn::exercises {

// Step 1: one step, from primitive ops (slice, sigmoid, tanh, *, +, where).
Tensor gru_cell(const Tensor& gx, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh,
                const Tensor& mask) {
  throw Error("exercise 1: gru_cell not done yet (write it in exercises/01_gru/gru.cpp, README step 1)");
}

// Step 2: the cell's parameters, and one step on x.
GRUCell::GRUCell(const nn::RecurrentCellOptions& options) : Module("GRUCell"), options(options) {
  throw Error("exercise 1: GRUCell::GRUCell not done yet (register the parameters; README step 2)");
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) const {
  throw Error("exercise 1: GRUCell::forward not done yet (README step 2)");
}

// Step 3: the layer.
GRU::GRU(const nn::RecurrentOptions& options) : Module("GRU"), options(options) {
  throw Error("exercise 1: GRU::GRU not done yet (register the parameters; README step 3)");
}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& x, const Tensor& h0,
                                       const Tensor& lengths) const {
  throw Error("exercise 1: GRU::forward not done yet (README step 3)");
}

}  // namespace attn::exercises
