#include "models/image_classifier.h"

#include <algorithm>
#include <sstream>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "layers/pooling.h"

namespace attn::models {

ImageClassifier::ImageClassifier(const ImageClassifierOptions& o)
    : nn::Module("ImageClassifier"), options_(o) {
  ATTN_CHECK(o.in_channels() >= 1 && o.feature_dim() >= 1 && o.classes() >= 2,
             "ImageClassifier: need in_channels >= 1, feature_dim >= 1 and classes >= 2; got ",
             o.in_channels(), ", ", o.feature_dim(), ", ", o.classes());
  ATTN_CHECK(!o.channels().empty(), "ImageClassifier: channels is empty; give one per conv block");
  const int64_t f = int64_t{1} << o.channels().size();
  ATTN_CHECK(o.image_size() >= f && o.image_size() % f == 0, "ImageClassifier: image_size ",
             o.image_size(), " must be a multiple of ", f, " (", o.channels().size(),
             " pooling steps halve it)");
  int64_t in = o.in_channels();
  for (size_t k = 0; k < o.channels().size(); ++k) {
    const int64_t c = o.channels()[k];
    ATTN_CHECK(c >= 1, "ImageClassifier: channels[", k, "] = ", c, " must be >= 1");
    convs.push_back(
        register_module("conv" + std::to_string(k),
                        std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, c, 3).padding(1))));
    in = c;
  }
  const int64_t side = o.image_size() / f;
  fc = register_module(
      "fc", std::make_shared<nn::Linear>(nn::LinearOptions(in * side * side, o.feature_dim())));
  out = register_module(
      "out", std::make_shared<nn::Linear>(nn::LinearOptions(o.feature_dim(), o.classes())));
}

void ImageClassifier::check_input(const Tensor& x, const char* who) const {
  const int64_t s = options_.image_size(), c = options_.in_channels();
  ATTN_CHECK(x.defined() && x.dim() == 4 && x.size(1) == c && x.size(2) == s && x.size(3) == s,
             "ImageClassifier::", who, ": expected pictures [B, ", c, ", ", s, ", ", s, "], got ",
             x.defined() ? shape_str(x.shape()) : std::string("none"));
}

Tensor ImageClassifier::features(const Tensor& x) const {
  check_input(x, "features");
  Tensor h = x;
  for (const auto& conv : convs) h = nn::max_pool2d((*conv)(h).relu(), 2);
  return (*fc)(h.reshape({h.size(0), -1})).relu();
}

Tensor ImageClassifier::head(const Tensor& features) const {
  return (*out)(features);
}

Tensor ImageClassifier::forward(const Tensor& x) const {
  return head(features(x));
}

namespace {

// f applied to rows [start, start + batch) of x in turn, without a graph, concatenated.
template <typename F>
Tensor in_batches(const Tensor& x, int64_t batch, const char* who, F&& f) {
  ATTN_CHECK(batch >= 1, "ImageClassifier::", who, ": batch must be >= 1, got ", batch);
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += batch)
    parts.push_back(f(x.slice(0, start, std::min(x.size(0), start + batch))));
  ATTN_CHECK(!parts.empty(), "ImageClassifier::", who, ": no picture (N = 0)");
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

}  // namespace

Tensor ImageClassifier::features_in_batches(const Tensor& x, int64_t batch) const {
  check_input(x, "features_in_batches");
  return in_batches(x, batch, "features_in_batches", [&](const Tensor& b) { return features(b); });
}

Tensor ImageClassifier::logits_in_batches(const Tensor& x, int64_t batch) const {
  check_input(x, "logits_in_batches");
  return in_batches(x, batch, "logits_in_batches", [&](const Tensor& b) { return forward(b); });
}

double ImageClassifier::accuracy(const Tensor& x, const Tensor& labels, int64_t batch) const {
  ATTN_CHECK(labels.defined() && labels.dim() == 1 && x.defined() && x.dim() >= 1 &&
                 labels.size(0) == x.size(0),
             "ImageClassifier::accuracy: expected one label per picture, labels [N]; got labels ",
             labels.defined() ? shape_str(labels.shape()) : std::string("none"), " for pictures ",
             x.defined() ? shape_str(x.shape()) : std::string("none"));
  const Tensor predicted = logits_in_batches(x, batch).argmax(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) correct += predicted.data()[i] == labels.data()[i];
  return double(correct) / double(labels.numel());
}

std::string ImageClassifier::architecture() const {
  std::ostringstream s;
  s << "ImageClassifier(in=" << options_.in_channels() << " size=" << options_.image_size()
    << " channels=";
  for (size_t k = 0; k < options_.channels().size(); ++k)
    s << (k ? "," : "") << options_.channels()[k];
  s << " features=" << options_.feature_dim() << " classes=" << options_.classes() << ")";
  return s.str();
}

}  // namespace attn::models
