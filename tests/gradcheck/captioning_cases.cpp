// Gradient checks of the captioning pieces: BatchNorm2d (fused and composed, training and
// evaluation) w.r.t. the input and its parameters; the captioner's decoder step (Show and
// Tell, and Show, Attend and Tell with its attention and gate) w.r.t. the image features,
// the state and a parameter; the doubly stochastic regulariser; the teacher-forced loss.
//
// attn_models has no double twin (see model_cases.cpp), so the captioner's source file is
// compiled into this double-precision binary here; it uses only autograd, layers and
// header-only constants.
#include "gradcheck/gradcheck_case.h"
#include "layers/batch_norm.h"
#include "models/captioner.cpp"  // NOLINT(bugprone-suspicious-include): see above

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// Fixed running statistics for evaluation mode (constants, not inputs).
Tensor running_mean3() {
  return Tensor::from_vector({0.3, -0.2, 0.1}, {3});
}
Tensor running_var3() {
  return Tensor::from_vector({0.8, 1.5, 0.6}, {3});
}

Tensor batch_norm_module_train(const X& x) {
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(3));
  bn.weight = x[1];
  bn.bias = x[2];
  return bn(x[0]);
}

// A tiny captioner with fixed weights (V = 9, E = 3, H = 4, A = 3, D = 5).
models::CaptionerOptions tiny(bool attention) {
  return models::CaptionerOptions(9)
      .attention(attention)
      .channels({5})
      .embedding_dim(3)
      .hidden_size(4)
      .attention_dim(3);
}

// One decoder step of Show, Attend and Tell: inputs a [2, 6, 5] (L = 6 regions), h, c [2, 4],
// and f_beta's weight [1, 4]: the gate, the attention and the LSTM are all on the path.
Tensor sat_step(const X& x) {
  manual_seed(31);
  models::Captioner m(tiny(true));
  m.f_beta->weight = x[3];
  models::ImageFeatures f;
  f.a = x[0];
  f.projected = m.attention->project_keys(f.a);
  const models::CaptionStep s = m.step(Tensor::from_vector({4, 7}, {2}), {x[1], x[2]}, f);
  return concat({s.logits, s.state.h, s.state.c, s.alpha, s.beta}, 1);
}

// Show and Tell's step and its start state (the image vector fed before <bos>).
Tensor show_tell_step(const X& x) {
  manual_seed(32);
  models::Captioner m(tiny(false));
  models::ImageFeatures f;
  f.a = x[0];
  const nn::LSTMState s0 = m.initial_state(f);
  const models::CaptionStep s = m.step(Tensor::from_vector({1, 5}, {2}), {s0.h + x[1], s0.c}, f);
  return concat({s.logits, s.state.c}, 1);
}

// The whole teacher-forced loss of Show, Attend and Tell (cross entropy + regulariser)
// w.r.t. the images, through conv, batch norm (training), ReLU and max pooling.
Tensor sat_loss(const X& x) {
  manual_seed(33);
  models::Captioner m(tiny(true).doubly_stochastic(0.7));
  data::CaptionBatch b;
  b.tgt_in = Tensor::from_vector({1, 4, 5, 1, 6, 0}, {2, 3});
  b.tgt_out = Tensor::from_vector({4, 5, 2, 6, 2, 0}, {2, 3});
  b.tgt_mask = Tensor::from_vector({1, 1, 1, 1, 1, 0}, {2, 3});
  return m.loss(x[0], b);
}

std::vector<GradcheckCase> cases() {
  return {
      // Training: batch statistics, so every output depends on every input of its channel.
      {"batch_norm2d_fused_train_2x3x4x3",
       {{2, 3, 4, 3}, {3}, {3}},
       [](const X& x) { return nn::batch_norm2d(x[0], Tensor(), Tensor(), x[1], x[2], true); }},
      {"batch_norm2d_fused_train_no_affine_3x2x2x2",
       {{3, 2, 2, 2}},
       [](const X& x) { return nn::batch_norm2d(x[0], Tensor(), Tensor(), {}, {}, true); }},
      {"batch_norm2d_fused_train_batch1_1x3x3x2",
       {{1, 3, 3, 2}, {3}, {3}},
       [](const X& x) { return nn::batch_norm2d(x[0], Tensor(), Tensor(), x[1], x[2], true); }},
      {"batch_norm2d_composed_train_2x3x4x3",
       {{2, 3, 4, 3}, {3}, {3}},
       [](const X& x) {
         return nn::batch_norm2d_composed(x[0], Tensor(), Tensor(), x[1], x[2], true);
       }},
      // Evaluation: the running statistics are constants.
      {"batch_norm2d_fused_eval_2x3x2x2",
       {{2, 3, 2, 2}, {3}, {3}},
       [](const X& x) {
         return nn::batch_norm2d(x[0], running_mean3(), running_var3(), x[1], x[2], false);
       }},
      {"batch_norm2d_composed_eval_2x3x2x2",
       {{2, 3, 2, 2}, {3}, {3}},
       [](const X& x) {
         return nn::batch_norm2d_composed(x[0], running_mean3(), running_var3(), x[1], x[2], false);
       }},
      {"batch_norm2d_module_train_2x3x3x3", {{2, 3, 3, 3}, {3}, {3}}, batch_norm_module_train},
      // The captioner.
      {"captioner_sat_step_B2_L6", {{2, 6, 5}, {2, 4}, {2, 4}, {1, 4}}, sat_step},
      {"captioner_show_tell_step_B2", {{2, 6, 5}, {2, 4}}, show_tell_step},
      {"doubly_stochastic_penalty_2x3x4",
       {{2, 3, 4}},
       [](const X& x) {
         const Tensor alpha = x[0].softmax(2);
         return models::doubly_stochastic_penalty(
             alpha, Tensor::from_vector({1, 1, 0, 1, 1, 1}, {2, 3}), 0.8);
       }},
      // ReLU and max pooling inside: with steps of 1e-6 no intermediate lands on a kink or
      // a tie for these inputs.
      {"captioner_sat_loss_wrt_images_2x3x4x4", {{2, 3, 4, 4}}, sat_loss},
  };
}

ATTN_GRADCHECK_TABLE(cases());

// The fused op and the composed reference in double: equal to rounding.
TEST(BatchNormFusedVsComposed, AgreeInDouble) {
  for (const bool training : {true, false}) {
    manual_seed(23);
    Tensor x = Tensor::randn({4, 3, 3, 2}, true), w = Tensor::randn({3}, true),
           b = Tensor::randn({3}, true), gy = Tensor::randn({4, 3, 3, 2});
    std::vector<std::vector<real>> got[2];
    for (int fused = 0; fused < 2; ++fused) {
      x.zero_grad(), w.zero_grad(), b.zero_grad();
      Tensor rm = running_mean3(), rv = running_var3();
      Tensor y = fused ? nn::batch_norm2d(x, rm, rv, w, b, training)
                       : nn::batch_norm2d_composed(x, rm, rv, w, b, training);
      y.backward(gy);
      got[fused] = {y.to_vector(),        x.grad().to_vector(), w.grad().to_vector(),
                    b.grad().to_vector(), rm.to_vector(),       rv.to_vector()};
    }
    for (size_t k = 0; k < 6; ++k)
      for (size_t i = 0; i < got[0][k].size(); ++i)
        ASSERT_NEAR(got[1][k][i], got[0][k][i], 1e-12)
            << (training ? "training" : "eval") << " tensor " << k << " element " << i;
  }
}

}  // namespace
}  // namespace attn::testing
