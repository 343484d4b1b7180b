// Gradient checks of the losses: the fused cross entropy (every option, both
// layouts) beside its composed reference, nll, mse, BCE with logits.
#include <cmath>
#include <initializer_list>

#include "gradcheck/gradcheck_case.h"
#include "layers/losses.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;
using nn::CrossEntropyOptions;
using nn::Reduction;

// prepare: input k becomes class targets in [0, V), then `ignored` positions
// (flat indices) are set to `ignore`.
auto targets(size_t k, int64_t V, std::initializer_list<int64_t> ignored = {},
             int64_t ignore = -100) {
  std::vector<int64_t> at(ignored);
  return [k, V, at, ignore](X& x) {
    integer_values(x[k], V);
    for (int64_t i : at) x[k].data()[i] = static_cast<real>(ignore);
  };
}
// prepare: input 1 becomes probabilities in (0, 1) (still differentiable).
void probabilities1(X& x) {
  for (int64_t i = 0; i < x[1].numel(); ++i)
    x[1].data()[i] = real(1) / (real(1) + std::exp(-x[1].data()[i]));
}
// prepare: input 0 scaled up, so that some logits sit far out where a naive form overflows.
void large_logits(X& x) {
  for (int64_t i = 0; i < x[0].numel(); ++i) x[0].data()[i] *= 20;
  probabilities1(x);
}

auto ce(CrossEntropyOptions o = {}) {
  return [o](const X& x) { return nn::cross_entropy(x[0], x[1], o); };
}
auto ce_composed(CrossEntropyOptions o = {}) {
  return [o](const X& x) { return nn::cross_entropy_composed(x[0], x[1], o); };
}
CrossEntropyOptions opts() {
  return {};
}

// prepare: every score at least 0.05 away from the hinges' kinks at 1 and -1.
void off_hinges(X& x) {
  for (Tensor& t : x) {
    away_from(t, 1.0);
    away_from(t, -1.0);
  }
}

std::vector<GradcheckCase> cases() {
  return {
      // cross_entropy, fused: [N, V] with [N]
      {"ce_fused_mean_5x7", {{5, 7}, {5}}, ce(), {}, targets(1, 7)},
      {"ce_fused_sum_5x7", {{5, 7}, {5}}, ce(opts().reduction(Reduction::Sum)), {}, targets(1, 7)},
      {"ce_fused_none_5x7",
       {{5, 7}, {5}},
       ce(opts().reduction(Reduction::None)),
       {},
       targets(1, 7)},
      {"ce_fused_ignore_default_6x4", {{6, 4}, {6}}, ce(), {}, targets(1, 4, {1, 4})},
      {"ce_fused_ignore_index_2_6x4",
       {{6, 4}, {6}},
       ce(opts().ignore_index(2)),
       {},
       targets(1, 4, {0, 3}, 2)},
      {"ce_fused_ignore_none_6x4",
       {{6, 4}, {6}},
       ce(opts().reduction(Reduction::None)),
       {},
       targets(1, 4, {2})},
      {"ce_fused_smoothing_0p1_5x7",
       {{5, 7}, {5}},
       ce(opts().label_smoothing(0.1)),
       {},
       targets(1, 7)},
      {"ce_fused_smoothing_ignore_6x5",
       {{6, 5}, {6}},
       ce(opts().label_smoothing(0.25)),
       {},
       targets(1, 5, {0, 5})},
      {"ce_fused_smoothing_sum_6x5",
       {{6, 5}, {6}},
       ce(opts().label_smoothing(0.3).reduction(Reduction::Sum)),
       {},
       targets(1, 5, {2})},
      {"ce_fused_smoothing_none_4x3",
       {{4, 3}, {4}},
       ce(opts().label_smoothing(0.5).reduction(Reduction::None)),
       {},
       targets(1, 3)},
      {"ce_fused_one_class_3x1",
       {{3, 1}, {3}},
       [](const X& x) { return nn::cross_entropy(x[0], x[1]) + sum(x[0]) * 0.5; },
       {},
       targets(1, 1)},
      // [B, T, V] with [B, T]: the language-model layout
      {"ce_fused_BTV_2x3x7", {{2, 3, 7}, {2, 3}}, ce(), {}, targets(1, 7)},
      {"ce_fused_BTV_ignore_smoothing_2x4x5",
       {{2, 4, 5}, {2, 4}},
       ce(opts().label_smoothing(0.1)),
       {},
       targets(1, 5, {3, 6})},
      {"ce_fused_BTV_none_2x3x4",
       {{2, 3, 4}, {2, 3}},
       ce(opts().reduction(Reduction::None)),
       {},
       targets(1, 4, {1})},
      // the composed reference, same options
      {"ce_composed_mean_5x7", {{5, 7}, {5}}, ce_composed(), {}, targets(1, 7)},
      {"ce_composed_smoothing_ignore_6x5",
       {{6, 5}, {6}},
       ce_composed(opts().label_smoothing(0.25)),
       {},
       targets(1, 5, {0, 5})},
      {"ce_composed_BTV_none_2x3x4",
       {{2, 3, 4}, {2, 3}},
       ce_composed(opts().reduction(Reduction::None)),
       {},
       targets(1, 4, {1})},
      // nll_loss on log-probabilities (any numbers will do for the gradient)
      {"nll_mean_5x6",
       {{5, 6}, {5}},
       [](const X& x) { return nn::nll_loss(x[0], x[1]); },
       {},
       targets(1, 6)},
      {"nll_ignore_sum_BTV_2x3x4",
       {{2, 3, 4}, {2, 3}},
       [](const X& x) {
         return nn::nll_loss(x[0], x[1], nn::NLLLossOptions().reduction(Reduction::Sum));
       },
       {},
       targets(1, 4, {2, 4})},
      {"nll_of_log_softmax_4x5",
       {{4, 5}, {4}},
       [](const X& x) { return nn::nll_loss(log_softmax(x[0], -1), x[1]); },
       {},
       targets(1, 5)},
      // mse_loss, w.r.t. both sides
      {"mse_mean_3x4", {{3, 4}, {3, 4}}, [](const X& x) { return nn::mse_loss(x[0], x[1]); }},
      {"mse_sum_2x3x2",
       {{2, 3, 2}, {2, 3, 2}},
       [](const X& x) {
         return nn::mse_loss(x[0], x[1], nn::MSELossOptions().reduction(Reduction::Sum));
       }},
      {"mse_none_7",
       {{7}, {7}},
       [](const X& x) {
         return nn::mse_loss(x[0], x[1], nn::MSELossOptions().reduction(Reduction::None));
       }},
      // binary_cross_entropy_with_logits, w.r.t. logits and targets
      {"bce_logits_mean_3x5",
       {{3, 5}, {3, 5}},
       [](const X& x) { return nn::binary_cross_entropy_with_logits(x[0], x[1]); },
       {},
       probabilities1},
      {"bce_logits_none_large_4x4",
       {{4, 4}, {4, 4}},
       [](const X& x) {
         return nn::binary_cross_entropy_with_logits(
             x[0], x[1], nn::BCEWithLogitsOptions().reduction(Reduction::None));
       },
       {},
       large_logits},
      {"bce_logits_sum_9",
       {{9}, {9}},
       [](const X& x) {
         return nn::binary_cross_entropy_with_logits(
             x[0], x[1], nn::BCEWithLogitsOptions().reduction(Reduction::Sum));
       },
       {},
       probabilities1},
      // GAN hinge losses (composed), scores kept off the kinks at +-1.
      {"hinge_discriminator_real6_fake4",
       {{6, 1}, {4, 1}},
       [](const X& x) { return nn::hinge_loss_discriminator(x[0], x[1]); },
       {.kinks = {1.0, -1.0}},
       off_hinges},
      {"hinge_generator_2x3", {{2, 3}}, [](const X& x) { return nn::hinge_loss_generator(x[0]); }},
  };
}

ATTN_GRADCHECK_TABLE(cases());

// The fused cross entropy and the composed reference, in double: equal to
// ~1e-12 in the loss and in dlogits, for every reduction with smoothing and ignores.
TEST(CrossEntropyFusedVsComposed, AgreeInDouble) {
  manual_seed(18);
  Tensor x = Tensor::randn({2, 5, 6}, true);
  Tensor t = Tensor::from_vector({0, 5, -100, 3, 3, 1, -100, 2, 4, 0}, {2, 5});
  Tensor g = Tensor::randn({2, 5});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const auto o = CrossEntropyOptions().label_smoothing(0.15).reduction(r);
    std::vector<real> got[2][2];
    for (int fused = 0; fused < 2; ++fused) {
      x.zero_grad();
      Tensor l = fused ? nn::cross_entropy(x, t, o) : nn::cross_entropy_composed(x, t, o);
      if (r == Reduction::None)
        l.backward(g);
      else
        l.backward();
      got[fused][0] = l.to_vector();
      got[fused][1] = x.grad().to_vector();
    }
    for (int k = 0; k < 2; ++k)
      for (size_t i = 0; i < got[0][k].size(); ++i)
        ASSERT_NEAR(got[1][k][i], got[0][k][i], 1e-12)
            << "reduction " << int(r) << (k ? " dlogits " : " loss ") << i;
  }
}

}  // namespace
}  // namespace attn::testing
