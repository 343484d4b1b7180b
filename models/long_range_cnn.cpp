// The long-range classifiers of tutorial 06 (Part 2): a small CNN, with or without one SAGAN
// self-attention layer on its last map. Shapes in long_range_cnn.h.
#include "models/long_range_cnn.h"

#include <cstdlib>
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/losses.h"
#include "layers/pooling.h"

namespace attn::models {

namespace {
const LongRangeCnnOptions& checked(const LongRangeCnnOptions& o) {
  ATTN_CHECK(o.in_channels() >= 1 && o.head_channels() >= 1,
             "LongRangeCnn: in_channels and head_channels must be >= 1, got ", o.in_channels(),
             " and ", o.head_channels());
  ATTN_CHECK(!o.channels().empty(), "LongRangeCnn: channels is empty; give one entry per conv "
             "block, e.g. {16, 32}");
  for (const int64_t c : o.channels())
    ATTN_CHECK(c >= 1, "LongRangeCnn: every entry of channels must be >= 1, got ", c);
  if (o.self_attention())
    ATTN_CHECK(o.reduction() >= 1 && o.channels().back() >= o.reduction(),
               "LongRangeCnn: the attention layer needs channels.back() = ", o.channels().back(),
               " >= reduction = ", o.reduction());
  return o;
}
}  // namespace

int64_t long_range_cnn_parameters(const LongRangeCnnOptions& o) {
  int64_t n = 0, c_in = o.in_channels();
  for (const int64_t c : o.channels()) {  // conv 3x3: weight c x c_in x 9, bias c
    n += c * c_in * 9 + c;
    c_in = c;
  }
  if (o.self_attention()) {
    const int64_t k = c_in / o.reduction();
    n += 2 * (k * c_in + k) + (c_in * c_in + c_in) + 1;  // f, g, h, gamma
  }
  const int64_t K = o.head_channels();
  return n + (K * c_in + K) + (K + 1);  // head 1x1, classifier
}

LongRangeCnnOptions plain_twin(const LongRangeCnnOptions& with_attention) {
  LongRangeCnnOptions plain = with_attention;
  plain.self_attention(false);
  const int64_t target = long_range_cnn_parameters(with_attention);
  int64_t best = 1, best_gap = -1;
  // The count grows with K: walk up until it passes the target, keeping the closest.
  for (int64_t K = 1;; ++K) {
    const int64_t gap = std::llabs(long_range_cnn_parameters(plain.head_channels(K)) - target);
    if (best_gap < 0 || gap < best_gap) best = K, best_gap = gap;
    if (long_range_cnn_parameters(plain) >= target) break;
  }
  return plain.head_channels(best);
}

int64_t receptive_field(const LongRangeCnnOptions& o) {
  int64_t r = 1, step = 1;  // window side, and the input step between neighbouring positions
  for (size_t b = 0; b < o.channels().size(); ++b) {
    r += 2 * step;  // conv 3x3
    r += step;      // max pool 2x2
    step *= 2;
  }
  return r;
}

LongRangeCnn::LongRangeCnn(const LongRangeCnnOptions& options)
    : Module("LongRangeCnn"),
      head(nn::Conv2dOptions(checked(options).channels().back(), options.head_channels(), 1)),
      classifier(nn::LinearOptions(options.head_channels(), 1)),
      options_(options) {
  int64_t c_in = options.in_channels();
  for (size_t k = 0; k < options.channels().size(); ++k) {
    const int64_t c = options.channels()[k];
    convs.push_back(register_module(
        "conv" + std::to_string(k),
        std::make_shared<nn::Conv2d>(nn::Conv2dOptions(c_in, c, 3).padding(1))));
    c_in = c;
  }
  if (options.self_attention())
    attention = register_module(
        "attention", std::make_shared<nn::SelfAttention2d>(
                         nn::SelfAttention2dOptions(c_in).reduction(options.reduction())));
  register_module("head", head);
  register_module("classifier", classifier);
}

Tensor LongRangeCnn::features(const Tensor& images) const {
  ATTN_CHECK(images.defined() && images.dim() == 4 && images.size(1) == options_.in_channels(),
             "LongRangeCnn: images of shape ",
             images.defined() ? shape_str(images.shape()) : std::string("(undefined)"),
             " are not [B, ", options_.in_channels(), ", S, S]");
  const int64_t f = int64_t{1} << convs.size();
  ATTN_CHECK(images.size(2) % f == 0 && images.size(3) % f == 0, "LongRangeCnn: images of ",
             images.size(2), " x ", images.size(3), " pixels; ", convs.size(),
             " blocks of 2x2 pooling need sides divisible by ", f);
  Tensor x = images;
  for (const auto& conv : convs) x = nn::max_pool2d((*conv)(x).relu(), 2);
  return x;
}

LongRangeOutput LongRangeCnn::forward(const Tensor& images, bool need_attention) const {
  Tensor x = features(images);  // [B, D, S', S']
  LongRangeOutput out;
  if (attention) {
    auto [y, beta] = (*attention)(x, need_attention);
    x = y;
    out.attention = beta;
  }
  const Tensor v = nn::global_avg_pool(head(x).relu());  // [B, K]
  out.logits = reshape(classifier(v), {v.size(0)});      // [B, 1] -> [B]
  return out;
}

Tensor LongRangeCnn::loss(const Tensor& logits, const Tensor& labels) {
  return nn::binary_cross_entropy_with_logits(logits, labels);
}

double LongRangeCnn::gamma() const { return attention ? attention->gamma.item() : 0.0; }

}  // namespace attn::models
