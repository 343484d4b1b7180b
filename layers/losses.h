#pragma once
// Loss functions, as torch.nn.functional's. Shape letters: N rows, V classes,
// B batch, T time. Targets are class indices stored as whole numbers in `real`.
//
//   Tensor loss = nn::cross_entropy(logits, targets);                    // [N, V], [N]
//   Tensor loss = nn::cross_entropy(logits, targets,                     // [B, T, V], [B, T]
//       nn::CrossEntropyOptions().ignore_index(PAD).label_smoothing(0.1));
//
// Class dimension: always the LAST one here ([B, T, V], what a language model
// produces). PyTorch puts it second for inputs of 3+ dims ([B, V, T]); to compare,
// give PyTorch logits.reshape(-1, V) and targets.reshape(-1).
//
// Reduction::Mean (the default) averages over the targets that are not
// ignore_index; Sum adds them; None returns one loss per target (0 where ignored).
#include <cstdint>

#include "autograd/tensor.h"
#include "layers/options.h"

namespace attn::nn {

enum class Reduction { None, Mean, Sum };

class CrossEntropyOptions {
 public:
  ATTN_OPTION(int64_t, ignore_index, -100);
  ATTN_OPTION(double, label_smoothing, 0.0);
  ATTN_OPTION(Reduction, reduction, Reduction::Mean);
};

class NLLLossOptions {
 public:
  ATTN_OPTION(int64_t, ignore_index, -100);
  ATTN_OPTION(Reduction, reduction, Reduction::Mean);
};

// Options of the losses whose only setting is the reduction (MSE, BCE with logits).
class ReductionOptions {
 public:
  ATTN_OPTION(Reduction, reduction, Reduction::Mean);
};
using MSELossOptions = ReductionOptions;
using BCEWithLogitsOptions = ReductionOptions;

// Cross entropy of softmax(logits) against class targets, with label smoothing eps:
//   logits [.., V], targets [..] -> [] (Mean, Sum) or [..] (None)
//   loss_n = (1 - eps) (-log p_n[t_n]) + eps * (1/V) sum_c (-log p_n[c]),  p_n = softmax(logits_n)
// One fused op: log-softmax and the pick of the target in one pass over each
// row, and the backward written by hand: dlogits_n = g_n (p_n - (1 - eps) onehot(t_n) - eps/V).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     const CrossEntropyOptions& options = {});
// The same loss composed from ops (log_softmax, gather, ...): the reference
// the fused one is tested against.
Tensor cross_entropy_composed(const Tensor& logits, const Tensor& targets,
                              const CrossEntropyOptions& options = {});

// Negative log-likelihood of given log-probabilities:
//   log_probs [.., V], targets [..] -> loss_n = -log_probs_n[t_n], reduced as above.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NLLLossOptions& options = {});

// Mean squared error: input, target of equal shape [..] -> mean (x - y)^2 (or sum, or none).
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});

// Binary cross entropy on logits x against targets y in [0, 1], equal shapes:
//   loss = -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))
// computed in the stable form max(x, 0) - x y + log(1 + exp(-|x|)), which never
// takes the log of 0 nor overflows exp. Fused; backward dx = sigmoid(x) - y, dy = -x.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        const BCEWithLogitsOptions& options = {});

// The hinge losses of GAN training (Lim & Ye 2017; SAGAN's, and BigGAN's), on the
// discriminator's raw scores d [..] (no sigmoid), each averaged over its elements:
//   L_D = mean(relu(1 - d_real)) + mean(relu(1 + d_fake))   -> []
//   L_G = -mean(d_fake)                                      -> []
// The discriminator is pushed to score real images >= 1 and fakes <= -1, and stops caring
// once they are (the relu is flat there); the generator raises the score of its fakes.
// d_real and d_fake may differ in shape (batches of different sizes). Composed from ops.
Tensor hinge_loss_discriminator(const Tensor& d_real, const Tensor& d_fake);
Tensor hinge_loss_generator(const Tensor& d_fake);

}  // namespace attn::nn
