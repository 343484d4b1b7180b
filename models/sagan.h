#pragma once
// A small SAGAN (Zhang, Goodfellow, Metaxas, Odena 2018): a generator G and a discriminator D
// for single-channel images in [-1, 1] (Fashion-MNIST's 28 x 28), with spectral
// normalisation on every convolution and linear layer of both networks (as the paper) and a
// self-attention layer (nn::SelfAttention2d, gamma starting at 0) at the larger feature map
// of each. With attention(false) the same classes, minus that layer, are the baseline.
//
// Sizes: c = channels, s = base_size (7), image side 4 s (28), N = (2 s)^2 positions (196).
//
// G: z [B, z_dim]
//   fc     SNLinear(z_dim, 4c s s), reshaped              -> [B, 4c, s, s]
//   bn0, ReLU, nearest upsampling x2, conv1 SNConv3x3      -> [B, 2c, 2s, 2s]
//   attention  SelfAttention2d(2c)  (attention only)       -> [B, 2c, 2s, 2s]   beta [B, N, N]
//   bn1, ReLU, nearest upsampling x2, conv2 SNConv3x3      -> [B, c, 4s, 4s]
//   bn2, ReLU, conv3 SNConv3x3, tanh                        -> x [B, C_img, 4s, 4s] in (-1, 1)
// D: x [B, C_img, 4s, 4s]
//   conv0 SNConv3x3 (C_img -> c), LeakyReLU(0.1)            -> [B, c, 4s, 4s]
//   conv1 SNConv4x4 stride 2 (c -> c), LeakyReLU(0.1)       -> [B, c, 2s, 2s]
//   attention  SelfAttention2d(c)  (attention only)         -> [B, c, 2s, 2s]    beta [B, N, N]
//   conv2 SNConv4x4 stride 2 (c -> 2c), LeakyReLU(0.1)      -> [B, 2c, s, s]
//   conv3 SNConv3x3 (2c -> 4c), LeakyReLU(0.1)              -> [B, 4c, s, s]
//   sum over the s x s positions, fc SNLinear(4c, 1)        -> score [B]  (no sigmoid: hinge)
// fc, conv1 and conv2 have no bias: a batch norm follows each (after conv1, through the
// attention layer, which starts as the identity), and its mean would take a bias away.
// Upsampling by nearest neighbour then a 3x3 convolution (rather than a transposed
// convolution) keeps every weight of G under spectral norm and avoids the checkerboard
// pattern of stride-2 transposed kernels. Names as PyTorch's state dict: fc.weight_orig,
// conv1.weight_u, bn0.running_mean, attention.gamma, ...
//
// The attention map beta [B, N, N]: row j is where position j of the 2s x 2s map attends
// (beta_j, summing to 1 over i), as nn::SelfAttention2d returns it. Position j = (j / 2s,
// j % 2s), one position per 2 x 2 pixels of the image.
//
//   models::Generator G(models::GeneratorOptions().channels(16).attention(true));
//   models::Discriminator D(models::DiscriminatorOptions().channels(16).attention(true));
//   Tensor x = G(Tensor::randn({64, G.options().z_dim()}));   // [64, 1, 28, 28]
//   Tensor score = D(x);                                        // [64]
//   GeneratorSample s = G.sample(z);    // eval mode, no graph: images and beta [B, 196, 196]
//   G.gamma(), D.gamma()                // the attention layers' gates (attn::Error without)
#include <cstdint>
#include <memory>

#include "autograd/tensor.h"
#include "layers/batch_norm.h"
#include "layers/module.h"
#include "layers/options.h"
#include "layers/self_attention_2d.h"
#include "layers/spectral_norm.h"

namespace attn::models {

class GeneratorOptions {
 public:
  ATTN_OPTION(int64_t, z_dim, 64);
  ATTN_OPTION(int64_t, channels, 16);  // c: the last feature map's; 2c and 4c before it
  ATTN_OPTION(int64_t, base_size, 7);  // s: the first map is s x s, images 4s x 4s
  ATTN_OPTION(int64_t, image_channels, 1);
  ATTN_OPTION(bool, attention, true);
  ATTN_OPTION(int64_t, attention_reduction, 8);  // f, g of the attention: 2c / this channels
};

class DiscriminatorOptions {
 public:
  ATTN_OPTION(int64_t, channels, 16);     // c: the first feature maps'; 2c and 4c after
  ATTN_OPTION(int64_t, image_size, 28);   // a multiple of 4
  ATTN_OPTION(int64_t, image_channels, 1);
  ATTN_OPTION(bool, attention, true);
  ATTN_OPTION(int64_t, attention_reduction, 8);  // f, g of the attention: c / this channels
  ATTN_OPTION(double, negative_slope, 0.1);      // LeakyReLU's
};

// What the networks return when asked for the attention map.
struct GanOutput {
  Tensor output;     // G: images [B, C_img, 4s, 4s]; D: scores [B]
  Tensor attention;  // beta [B, N, N], undefined without attention or when not asked
};

class Generator : public nn::Module {
 public:
  explicit Generator(const GeneratorOptions& options = {});
  // z [B, z_dim] -> images [B, C_img, 4s, 4s] in (-1, 1) (and beta when asked).
  GanOutput forward(const Tensor& z, bool need_weights) const;
  Tensor forward(const Tensor& z) const { return forward(z, false).output; }
  Tensor operator()(const Tensor& z) const { return forward(z); }
  // For figures: images and beta of a batch of z with G in evaluation mode and no graph
  // (nothing in G changes: neither batch norm's running statistics nor spectral norm's
  // vectors); G's mode is put back after.
  GanOutput sample(const Tensor& z);

  bool has_attention() const { return attention != nullptr; }
  double gamma() const;  // the attention layer's gamma; attn::Error without attention
  const GeneratorOptions& options() const { return options_; }

 private:
  GeneratorOptions options_;

 public:
  nn::SNLinear fc;
  nn::BatchNorm2d bn0;
  nn::SNConv2d conv1;
  std::shared_ptr<nn::SelfAttention2d> attention;  // null without attention
  nn::BatchNorm2d bn1;
  nn::SNConv2d conv2;
  nn::BatchNorm2d bn2;
  nn::SNConv2d conv3;
};

class Discriminator : public nn::Module {
 public:
  explicit Discriminator(const DiscriminatorOptions& options = {});
  // x [B, C_img, H, W] (H = W = image_size) -> scores [B] (and beta when asked).
  GanOutput forward(const Tensor& x, bool need_weights) const;
  Tensor forward(const Tensor& x) const { return forward(x, false).output; }
  Tensor operator()(const Tensor& x) const { return forward(x); }

  bool has_attention() const { return attention != nullptr; }
  double gamma() const;  // the attention layer's gamma; attn::Error without attention
  const DiscriminatorOptions& options() const { return options_; }

 private:
  DiscriminatorOptions options_;

 public:
  nn::SNConv2d conv0, conv1;
  std::shared_ptr<nn::SelfAttention2d> attention;  // null without attention
  nn::SNConv2d conv2, conv3;
  nn::SNLinear fc;
};

}  // namespace attn::models
