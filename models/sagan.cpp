#include "models/sagan.h"

#include <string>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "layers/upsample.h"

namespace attn::models {

namespace {

const GeneratorOptions& checked(const GeneratorOptions& o) {
  ATTN_CHECK(o.z_dim() >= 1 && o.channels() >= 1 && o.base_size() >= 1 && o.image_channels() >= 1,
             "Generator: z_dim = ", o.z_dim(), ", channels = ", o.channels(), ", base_size = ",
             o.base_size(), " and image_channels = ", o.image_channels(), " must all be >= 1");
  ATTN_CHECK(!o.attention() ||
                 (o.attention_reduction() >= 1 && 2 * o.channels() >= o.attention_reduction()),
             "Generator: the attention layer has 2 channels = ", 2 * o.channels(),
             " to reduce by attention_reduction = ", o.attention_reduction(),
             "; it needs 1 <= attention_reduction <= 2 channels");
  return o;
}

const DiscriminatorOptions& checked(const DiscriminatorOptions& o) {
  ATTN_CHECK(o.channels() >= 1 && o.image_channels() >= 1,
             "Discriminator: channels = ", o.channels(), " and image_channels = ",
             o.image_channels(), " must be >= 1");
  ATTN_CHECK(o.image_size() >= 4 && o.image_size() % 4 == 0, "Discriminator: image_size = ",
             o.image_size(), " must be a positive multiple of 4 (two stride-2 convolutions)");
  ATTN_CHECK(!o.attention() ||
                 (o.attention_reduction() >= 1 && o.channels() >= o.attention_reduction()),
             "Discriminator: the attention layer has channels = ", o.channels(),
             " to reduce by attention_reduction = ", o.attention_reduction(),
             "; it needs 1 <= attention_reduction <= channels");
  ATTN_CHECK(o.negative_slope() >= 0, "Discriminator: negative_slope = ", o.negative_slope(),
             " must be >= 0");
  return o;
}

// A 3x3 convolution that keeps the map's size.
nn::Conv2dOptions conv3x3(int64_t in, int64_t out, bool bias = true) {
  return nn::Conv2dOptions(in, out, 3).padding(1).bias(bias);
}
// A 4x4 convolution with stride 2: halves the map's side (28 -> 14 -> 7).
nn::Conv2dOptions down4x4(int64_t in, int64_t out) {
  return nn::Conv2dOptions(in, out, 4).stride(2).padding(1);
}

double gamma_of(const std::shared_ptr<nn::SelfAttention2d>& a, const char* who) {
  ATTN_CHECK(a != nullptr, who,
             "::gamma: this network was built with attention(false); it has no gamma");
  return a->gamma.item();
}

}  // namespace

// ---- G --------------------------------------------------------------------------------

Generator::Generator(const GeneratorOptions& o)
    : nn::Module("Generator"),
      options_(checked(o)),
      fc(nn::LinearOptions(o.z_dim(), 4 * o.channels() * o.base_size() * o.base_size())
             .bias(false)),
      bn0(nn::BatchNorm2dOptions(4 * o.channels())),
      conv1(conv3x3(4 * o.channels(), 2 * o.channels(), false)),
      bn1(nn::BatchNorm2dOptions(2 * o.channels())),
      conv2(conv3x3(2 * o.channels(), o.channels(), false)),
      bn2(nn::BatchNorm2dOptions(o.channels())),
      conv3(conv3x3(o.channels(), o.image_channels())) {
  // PyTorch's registration order (the twin in tests/fixtures/make_sagan_fixtures.py).
  register_module("fc", fc);
  register_module("bn0", bn0);
  register_module("conv1", conv1);
  if (o.attention())
    attention = register_module(
        "attention", std::make_shared<nn::SelfAttention2d>(
                         nn::SelfAttention2dOptions(2 * o.channels())
                             .reduction(o.attention_reduction())));
  register_module("bn1", bn1);
  register_module("conv2", conv2);
  register_module("bn2", bn2);
  register_module("conv3", conv3);
}

GanOutput Generator::forward(const Tensor& z, bool need_weights) const {
  ATTN_CHECK(z.defined() && z.dim() == 2 && z.size(1) == options_.z_dim(),
             "Generator: expected z [B, z_dim = ", options_.z_dim(), "], got ",
             z.defined() ? shape_str(z.shape()) : std::string("none"));
  const int64_t B = z.size(0), c = options_.channels(), s = options_.base_size();
  Tensor h = fc(z).reshape({B, 4 * c, s, s});
  h = conv1(nn::upsample_nearest2d(bn0(h).relu(), 2));  // [B, 2c, 2s, 2s]
  GanOutput out;
  if (attention) {
    auto [y, beta] = (*attention)(h, need_weights);
    h = y;
    out.attention = beta;
  }
  h = conv2(nn::upsample_nearest2d(bn1(h).relu(), 2));  // [B, c, 4s, 4s]
  out.output = conv3(bn2(h).relu()).tanh();             // [B, C_img, 4s, 4s]
  return out;
}

GanOutput Generator::sample(const Tensor& z) {
  const bool was_training = is_training();
  eval();
  GanOutput out;
  try {
    NoGradGuard no_grad;
    out = forward(z, true);
  } catch (...) {
    train(was_training);
    throw;
  }
  train(was_training);
  return out;
}

double Generator::gamma() const {
  return gamma_of(attention, "Generator");
}

// ---- D --------------------------------------------------------------------------------

Discriminator::Discriminator(const DiscriminatorOptions& o)
    : nn::Module("Discriminator"),
      options_(checked(o)),
      conv0(conv3x3(o.image_channels(), o.channels())),
      conv1(down4x4(o.channels(), o.channels())),
      conv2(down4x4(o.channels(), 2 * o.channels())),
      conv3(conv3x3(2 * o.channels(), 4 * o.channels())),
      fc(nn::LinearOptions(4 * o.channels(), 1)) {
  register_module("conv0", conv0);
  register_module("conv1", conv1);
  if (o.attention())
    attention = register_module(
        "attention",
        std::make_shared<nn::SelfAttention2d>(
            nn::SelfAttention2dOptions(o.channels()).reduction(o.attention_reduction())));
  register_module("conv2", conv2);
  register_module("conv3", conv3);
  register_module("fc", fc);
}

GanOutput Discriminator::forward(const Tensor& x, bool need_weights) const {
  const int64_t S = options_.image_size();
  ATTN_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options_.image_channels() &&
                 x.size(2) == S && x.size(3) == S,
             "Discriminator: expected images [B, ", options_.image_channels(), ", ", S, ", ", S,
             "], got ", x.defined() ? shape_str(x.shape()) : std::string("none"));
  const double slope = options_.negative_slope();
  Tensor h = leaky_relu(conv0(x), slope);  // [B, c, S, S]
  h = leaky_relu(conv1(h), slope);         // [B, c, S/2, S/2]
  GanOutput out;
  if (attention) {
    auto [y, beta] = (*attention)(h, need_weights);
    h = y;
    out.attention = beta;
  }
  h = leaky_relu(conv2(h), slope);  // [B, 2c, S/4, S/4]
  h = leaky_relu(conv3(h), slope);  // [B, 4c, S/4, S/4]
  const int64_t B = x.size(0);
  out.output = fc(h.sum({2, 3})).reshape({B});  // [B, 4c] -> [B]
  return out;
}

double Discriminator::gamma() const {
  return gamma_of(attention, "Discriminator");
}

}  // namespace attn::models
