// Gradient checks of the SAGAN networks (models/sagan.h, from attn_models_f64) at tiny sizes:
// G with respect to z and its attention gate gamma, D with respect to the images and its
// gamma, and the hinge losses through D. Both in training mode: batch norm on the batch's
// statistics, spectral norm after one power iteration.
//
// Each call of f builds its network afresh from the same seed, so the power iteration starts
// from the same u every time and f is one function of its inputs (a network kept between
// calls would move u at every forward). The inputs are z, x and gamma only: u and v are
// computed from the weights without a graph, so a check with respect to a weight would
// differentiate the power iteration too, which spectral norm (as PyTorch's) leaves out on
// purpose; the layer's own rows check weight_orig with u and v held fixed.
#include "gradcheck/gradcheck_case.h"
#include "layers/losses.h"
#include "models/sagan.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// z 3, c 2, 8x8 images (base size 2), attention over 4x4 maps with one or two key channels.
models::GeneratorOptions tiny_g() {
  return models::GeneratorOptions().z_dim(3).channels(2).base_size(2).attention_reduction(2);
}
models::DiscriminatorOptions tiny_d() {
  return models::DiscriminatorOptions().channels(2).image_size(8).attention_reduction(2);
}

// G(z) with gamma an input: every path of the attention layer is on the graph.
Tensor generator_images(const X& x) {
  manual_seed(41);
  models::Generator G(tiny_g());
  G.attention->gamma = x[1];
  return G(x[0]);
}

Tensor generator_without_attention(const X& x) {
  manual_seed(42);
  models::Generator G(tiny_g().attention(false));
  return G(x[0]);
}

Tensor discriminator_scores(const X& x) {
  manual_seed(43);
  models::Discriminator D(tiny_d());
  D.attention->gamma = x[1];
  return D(x[0]);
}

// The hinge losses of D's scores: L_D on [real; fake] and L_G on the fakes.
Tensor discriminator_hinge(const X& x) {
  manual_seed(44);
  models::Discriminator D(tiny_d());
  D.attention->gamma = x[2];
  const Tensor s = D(concat({x[0], x[1]}, 0));
  const Tensor d_loss = nn::hinge_loss_discriminator(s.slice(0, 0, 2), s.slice(0, 2, 4));
  return stack({d_loss, nn::hinge_loss_generator(s.slice(0, 2, 4))}, 0);
}

// Away from 0 for gamma so the attention's contribution is not a vanishing term.
void gamma_away_from_zero(X& x) {
  for (size_t k = 1; k < x.size(); ++k)
    if (x[k].numel() == 1) x[k].data()[0] = x[k].data()[0] >= 0 ? 0.7 : -0.6;
}

std::vector<GradcheckCase> cases() {
  return {
      {"sagan_generator_z_gamma_B3", {{3, 3}, {1}}, generator_images, {}, gamma_away_from_zero},
      {"sagan_generator_no_attention_B3", {{3, 3}}, generator_without_attention},
      {"sagan_discriminator_x_gamma_B2",
       {{2, 1, 8, 8}, {1}},
       discriminator_scores,
       {},
       gamma_away_from_zero},
      {"sagan_hinge_losses_through_discriminator",
       {{2, 1, 8, 8}, {2, 1, 8, 8}, {1}},
       discriminator_hinge,
       {},
       gamma_away_from_zero},
  };
}

ATTN_GRADCHECK_TABLE(cases());

}  // namespace
}  // namespace attn::testing
