#pragma once
// Two image classifiers for a question that needs two far-apart places of an image at once
// (tutorial 06, Part 2: data/mark_pairs.h): a CNN whose receptive field is smaller than the
// distances asked about, and the same CNN with one SAGAN self-attention layer (Zhang et al.
// 2018) on its last feature map.
//
//   x [B, C_in, S, S]
//   blocks, one per entry of channels:  conv 3x3 (padding 1), ReLU, max pool 2x2
//                                        -> a [B, D, S', S'] map, D = channels.back(),
//                                           S' = S / 2^blocks, N = S'^2 positions
//   (with self_attention) y = gamma o + x over the map: every position reads every other
//                                        (layers/self_attention_2d.h; gamma starts at 0)
//   head: conv 1x1 D -> head_channels, ReLU                  [B, K, S', S']
//   global average pool                                      [B, K]
//   classifier: Linear K -> 1, the logit of "the two marks match"     [B]
//
// Receptive field: one position of the last map depends on a window of
//   r = 1 + sum over blocks b of (2 + 1) 2^b  =  1 + 3 (2^blocks - 1)  pixels per side
// (conv 3x3 adds 2 input steps, max pool 2x2 one, and each block doubles the step); the 1x1
// head adds nothing. Two blocks: r = 10 pixels. Why the plain CNN cannot compare two marks
// farther apart than that: the head sees one window at a time, and the average pool then
// adds the windows up, so the logit is a(mark 1) + a(mark 2) + (background): a sum of one
// term per mark. No such sum says "same colour" for every colour pair (with two colours:
// a(red) + a(red) > t and a(blue) + a(blue) > t add up to the same as a(red) + a(blue) < t and
// a(blue) + a(red) < t). The attention layer puts the other mark's features into a mark's
// position before the head's ReLU, where "same" is one threshold.
//
// Parameter counts with the defaults (3 input channels, channels {8, 32}):
//   convolutions 224 + 2336; attention f, g 2 x (32 x 4 + 4), h 32 x 32 + 32, gamma 1 = 1321;
//   head 32 x K + K; classifier K + 1.
//   cnn_self_attention (K = 32): 4970;  cnn widened to K = 71 by plain_twin(): 4975.
//
//   models::LongRangeCnn model(models::LongRangeCnnOptions().self_attention(true));
//   auto out = model(images, /*need_attention=*/true);   // out.logits [B], out.attention [B, N, N]
//   Tensor loss = model.loss(out.logits, labels);          // labels [B] in {0, 1}
#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/tensor.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/self_attention_2d.h"

namespace attn::models {

class LongRangeCnnOptions {
 public:
  ATTN_OPTION(int64_t, in_channels, 3);
  ATTN_OPTION(std::vector<int64_t>, channels, {8, 32});  // one conv block per entry
  ATTN_OPTION(int64_t, head_channels, 32);                // K
  ATTN_OPTION(bool, self_attention, false);
  ATTN_OPTION(int64_t, reduction, 8);  // SelfAttention2d's C / reduction channels for f and g
};

// The plain CNN's options with about the attention model's parameter count: the same
// blocks, no attention, and the head widened to the K whose count comes closest.
LongRangeCnnOptions plain_twin(const LongRangeCnnOptions& with_attention);

// The parameter count of a model with these options, by the formulas above (equals
// LongRangeCnn(options).num_parameters()).
int64_t long_range_cnn_parameters(const LongRangeCnnOptions& options);

// The receptive field of one position of the last feature map, in pixels per side.
int64_t receptive_field(const LongRangeCnnOptions& options);

struct LongRangeOutput {
  Tensor logits;     // [B]
  Tensor attention;  // [B, N, N], row j = where position j attends; undefined without
                     // self_attention or when not asked for
};

class LongRangeCnn : public nn::Module {
 public:
  explicit LongRangeCnn(const LongRangeCnnOptions& options);
  // images [B, in_channels, S, S], S divisible by 2^blocks.
  LongRangeOutput forward(const Tensor& images, bool need_attention = false) const;
  LongRangeOutput operator()(const Tensor& images, bool need_attention = false) const {
    return forward(images, need_attention);
  }
  // The last feature map, before the attention layer: [B, D, S', S'].
  Tensor features(const Tensor& images) const;
  // Binary cross entropy of the logits [B] against labels [B] in {0, 1}, mean over the batch.
  static Tensor loss(const Tensor& logits, const Tensor& labels);
  // gamma of the attention layer; 0 without one.
  double gamma() const;

  const LongRangeCnnOptions& options() const { return options_; }

  std::vector<std::shared_ptr<nn::Conv2d>> convs;  // named conv0, conv1, ...
  std::shared_ptr<nn::SelfAttention2d> attention;  // null without self_attention
  nn::Conv2d head;
  nn::Linear classifier;

 private:
  LongRangeCnnOptions options_;
};

}  // namespace attn::models
