// Exercise 1, the reference solution: the GRU as PyTorch computes it.
//   gh = h W_hh^T + b_hh;  r = sigmoid(gx_r + gh_r);  z = sigmoid(gx_z + gh_z)
//   n = tanh(gx_n + r * gh_n);  h' = (1 - z) * n + z * h
// Composed from primitive ops, so autograd gives the backward; the gradient check and
// PyTorch's gradients (the fixtures) confirm it.
#include <cmath>
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/01_gru/gru.h"
#include "layers/init.h"

namespace attn::exercises {

Tensor gru_cell(const Tensor& gx, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh,
                const Tensor& mask) {
  ATTN_CHECK(gx.defined() && h.defined() && w_hh.defined(),
             "gru_cell: gx, h and w_hh must all be defined");
  ATTN_CHECK(h.dim() == 2, "gru_cell: h of shape ", shape_str(h.shape()), " must be [B, H]");
  const int64_t B = h.size(0), H = h.size(1);
  ATTN_CHECK(w_hh.shape() == (Shape{3 * H, H}), "gru_cell: w_hh of shape ",
             shape_str(w_hh.shape()), " must be [3H, H] = [", 3 * H, ", ", H, "]");
  ATTN_CHECK(gx.shape() == (Shape{B, 3 * H}), "gru_cell: gx of shape ", shape_str(gx.shape()),
             " must be [B, 3H] = [", B, ", ", 3 * H, "]");
  ATTN_CHECK(!b_hh.defined() || b_hh.shape() == Shape{3 * H}, "gru_cell: b_hh of shape ",
             shape_str(b_hh.shape()), " must be [3H] = [", 3 * H, "]");
  ATTN_CHECK(!mask.defined() || mask.shape() == Shape{B}, "gru_cell: mask of shape ",
             shape_str(mask.shape()), " must be [B] = [", B, "]");
  const Tensor gh = nn::linear(h, w_hh, b_hh);  // [B, 3H]
  const Tensor r = sigmoid(gx.slice(1, 0, H) + gh.slice(1, 0, H));
  const Tensor z = sigmoid(gx.slice(1, H, 2 * H) + gh.slice(1, H, 2 * H));
  const Tensor n = tanh(gx.slice(1, 2 * H, 3 * H) + r * gh.slice(1, 2 * H, 3 * H));
  Tensor h1 = (1 - z) * n + z * h;
  if (mask.defined()) h1 = where(mask.detach().reshape({B, 1}), h1, h);  // ended rows keep h
  return h1;
}

GRUCell::GRUCell(const nn::RecurrentCellOptions& opts) : Module("GRUCell"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size();
  ATTN_CHECK(I >= 1 && H >= 1, "GRUCell: sizes must be >= 1, got input_size = ", I,
             ", hidden_size = ", H);
  weight_ih = Tensor::empty({3 * H, I});
  weight_hh = Tensor::empty({3 * H, H});
  register_parameter("weight_ih", weight_ih);
  register_parameter("weight_hh", weight_hh);
  if (opts.bias()) {
    bias_ih = Tensor::empty({3 * H});
    bias_hh = Tensor::empty({3 * H});
    register_parameter("bias_ih", bias_ih);
    register_parameter("bias_hh", bias_hh);
  }
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  for (auto& [name, p] : named_parameters()) nn::init::uniform_(p, -k, k);
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) const {
  const int64_t I = options.input_size(), H = options.hidden_size();
  ATTN_CHECK(x.defined() && x.dim() == 2 && x.size(1) == I, "GRUCell: input of shape ",
             x.defined() ? shape_str(x.shape()) : "undefined", " must be [B, input_size = ", I,
             "]");
  const int64_t B = x.size(0);
  if (h.defined()) nn::check_state("GRUCell", "h", h, {B, H});
  return step(input_gates(x), {h.defined() ? h : Tensor::zeros({B, H})})[0];
}

GRU::GRU(const nn::RecurrentOptions& opts) : Module("GRU"), options(opts) {
  const int64_t I = opts.input_size(), H = opts.hidden_size(), L = opts.num_layers(),
                D = opts.num_directions();
  ATTN_CHECK(I >= 1 && H >= 1 && L >= 1, "GRU: sizes must be >= 1, got input_size = ", I,
             ", hidden_size = ", H, ", num_layers = ", L);
  // Sized once: the registry keeps pointers to these elements.
  weight_ih.resize(L * D);
  weight_hh.resize(L * D);
  bias_ih.resize(L * D);
  bias_hh.resize(L * D);
  for (int64_t l = 0; l < L; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      const std::string sfx = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      weight_ih[k] = Tensor::empty({3 * H, l == 0 ? I : D * H});
      weight_hh[k] = Tensor::empty({3 * H, H});
      register_parameter("weight_ih" + sfx, weight_ih[k]);
      register_parameter("weight_hh" + sfx, weight_hh[k]);
      if (opts.bias()) {
        bias_ih[k] = Tensor::empty({3 * H});
        bias_hh[k] = Tensor::empty({3 * H});
        register_parameter("bias_ih" + sfx, bias_ih[k]);
        register_parameter("bias_hh" + sfx, bias_hh[k]);
      }
    }
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  for (auto& [name, p] : named_parameters()) nn::init::uniform_(p, -k, k);
}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& x, const Tensor& h0,
                                       const Tensor& lengths) const {
  nn::check_sequence_input("GRU", x, options.input_size());
  const int64_t B = x.size(0), H = options.hidden_size(), L = options.num_layers(),
                D = options.num_directions();
  if (h0.defined()) nn::check_state("GRU", "h0", h0, {L * D, B, H});
  std::vector<GRUStep> steps;  // one per layer and direction, k = l * D + d
  for (int64_t k = 0; k < L * D; ++k)
    steps.emplace_back(weight_ih[k], weight_hh[k], bias_ih[k], bias_hh[k]);
  std::vector<const nn::RecurrentCell*> cells;
  for (const GRUStep& s : steps) cells.push_back(&s);
  nn::RecurrentLayersOutput r = nn::run_recurrent_layers("GRU", x, cells, L, H, {h0}, lengths);
  return {r.output, r.final[0]};
}

}  // namespace attn::exercises
