#include "models/captioner.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/caption_batch.h"
#include "data/vocab.h"
#include "layers/losses.h"
#include "layers/pooling.h"

namespace attn::models {

using data::kBos;
using data::kEos;
using data::kPad;

namespace {

Tensor ids_tensor(const std::vector<int64_t>& ids) {
  std::vector<real> v(ids.begin(), ids.end());
  return Tensor::from_vector(v, {static_cast<int64_t>(ids.size())});
}

std::vector<float> row_of(const std::vector<real>& m, int64_t r, int64_t L) {
  return std::vector<float>(m.begin() + r * L, m.begin() + (r + 1) * L);
}

}  // namespace

bool Caption::ended() const {
  return !tokens.empty() && tokens.back() == kEos;
}

std::vector<int64_t> Caption::output() const {
  return ended() ? std::vector<int64_t>(tokens.begin(), tokens.end() - 1) : tokens;
}

ImageFeatures ImageFeatures::select(const Tensor& index) const {
  ImageFeatures s = *this;
  s.a = index_select(a, 0, index);
  if (projected.defined()) s.projected = index_select(projected, 0, index);
  return s;
}

Tensor doubly_stochastic_penalty(const Tensor& alpha, const Tensor& mask, double lambda) {
  ATTN_CHECK(alpha.dim() == 3 && mask.dim() == 2 && mask.size(0) == alpha.size(0) &&
                 mask.size(1) == alpha.size(1),
             "doubly_stochastic_penalty: expected alpha [B, T, L] and mask [B, T], got ",
             shape_str(alpha.shape()), " and ", shape_str(mask.shape()));
  // sum_t alpha_ti over the real steps: how much attention region i received in total.
  const Tensor received = (alpha * mask.unsqueeze(2)).sum({1});  // [B, L]
  const Tensor r = real(1) - received;
  return (r * r).sum() * static_cast<real>(lambda / double(alpha.size(0)));
}

Captioner::Captioner(const CaptionerOptions& o)
    : nn::Module("Captioner"),
      options_(o),
      embedding(nn::EmbeddingOptions(o.vocab_size(), o.embedding_dim()).padding_idx(kPad)),
      decoder(nn::LSTMCellOptions(
          o.embedding_dim() + (o.attention() && !o.channels().empty() ? o.channels().back() : 0),
          o.hidden_size())),
      out(nn::LinearOptions(
          o.hidden_size() + (o.attention() && !o.channels().empty() ? o.channels().back() : 0),
          o.vocab_size())) {
  ATTN_CHECK(o.vocab_size() > data::kNumSpecials, "Captioner: vocab_size ", o.vocab_size(),
             " holds no word beyond the ", data::kNumSpecials, " specials");
  ATTN_CHECK(!o.channels().empty(), "Captioner: channels is empty; give one entry per conv block");
  ATTN_CHECK(o.embedding_dim() > 0 && o.hidden_size() > 0 && o.attention_dim() > 0 &&
                 o.doubly_stochastic() >= 0,
             "Captioner: embedding_dim, hidden_size and attention_dim must be > 0 and "
             "doubly_stochastic >= 0");
  int64_t in = 3;
  for (size_t k = 0; k < o.channels().size(); ++k) {
    const int64_t c = o.channels()[k];
    ATTN_CHECK(c > 0, "Captioner: channels[", k, "] = ", c, " must be > 0");
    convs.push_back(
        register_module("conv" + std::to_string(k),
                        std::make_shared<nn::Conv2d>(
                            nn::Conv2dOptions(in, c, 3).padding(1).bias(!o.batch_norm()))));
    if (o.batch_norm())
      norms.push_back(register_module(
          "bn" + std::to_string(k), std::make_shared<nn::BatchNorm2d>(nn::BatchNorm2dOptions(c))));
    in = c;
  }
  const int64_t D = in, H = o.hidden_size();
  register_module("embedding", embedding);
  register_module("decoder", decoder);
  register_module("out", out);
  if (o.attention()) {
    attention =
        register_module("attention", std::make_shared<nn::AdditiveAttention>(
                                         nn::AdditiveAttentionOptions(H, D, o.attention_dim())));
    init_h = register_module("init_h", std::make_shared<nn::Linear>(nn::LinearOptions(D, H)));
    init_c = register_module("init_c", std::make_shared<nn::Linear>(nn::LinearOptions(D, H)));
    f_beta = register_module("f_beta", std::make_shared<nn::Linear>(nn::LinearOptions(H, 1)));
  } else {
    image_in = register_module(
        "image_in", std::make_shared<nn::Linear>(nn::LinearOptions(D, o.embedding_dim())));
  }
}

ImageFeatures Captioner::encode(const Tensor& images) const {
  ATTN_CHECK(images.defined() && images.dim() == 4 && images.size(1) == 3,
             "Captioner::encode: expected images [B, 3, H, W], got ",
             images.defined() ? shape_str(images.shape()) : std::string("none"));
  const int64_t f = int64_t{1} << convs.size();
  ATTN_CHECK(images.size(2) % f == 0 && images.size(3) % f == 0,
             "Captioner::encode: ", images.size(2), "x", images.size(3), " images; ", convs.size(),
             " pooling steps need sides divisible by ", f);
  Tensor x = images;
  for (size_t k = 0; k < convs.size(); ++k) {
    x = (*convs[k])(x);
    if (!norms.empty()) x = (*norms[k])(x);
    x = nn::max_pool2d(x.relu(), 2);
  }
  ImageFeatures feats;
  feats.grid_h = x.size(2);
  feats.grid_w = x.size(3);
  const int64_t B = x.size(0), D = x.size(1);
  feats.a = x.permute({0, 2, 3, 1}).reshape({B, feats.grid_h * feats.grid_w, D});  // [B, L, D]
  if (attention) feats.projected = attention->project_keys(feats.a);
  return feats;
}

nn::LSTMState Captioner::initial_state(const ImageFeatures& f) const {
  const Tensor mean_a = f.a.mean({1});  // [B, D]
  if (attention) return {(*init_h)(mean_a).tanh(), (*init_c)(mean_a).tanh()};
  // Show and Tell: the image vector is the input of a step before <bos>, from a zero state.
  return decoder((*image_in)(mean_a));
}

CaptionStep Captioner::step(const Tensor& prev, const nn::LSTMState& state,
                            const ImageFeatures& f) const {
  ATTN_CHECK(prev.dim() == 1 && prev.size(0) == f.batch(), "Captioner::step: prev of shape ",
             shape_str(prev.shape()), " for ", f.batch(), " images; expected [", f.batch(), "]");
  CaptionStep s;
  const Tensor e = embedding(prev);  // [B, E]
  if (!attention) {
    s.state = decoder(e, state);
    s.logits = out(s.state.h);
    return s;
  }
  auto [context, alpha] = (*attention)(state.h, f.a, Tensor(), f.projected);  // [B, D], [B, L]
  s.alpha = alpha;
  s.beta = (*f_beta)(state.h).sigmoid();  // [B, 1]
  const Tensor z = context * s.beta;
  s.state = decoder(concat({e, z}, 1), state);
  s.logits = out(concat({s.state.h, z}, 1));
  return s;
}

CaptionerOutput Captioner::forward(const Tensor& images, const Tensor& tgt_in) const {
  ATTN_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == images.size(0),
             "Captioner::forward: tgt_in of shape ", shape_str(tgt_in.shape()), " for ",
             images.size(0), " images; expected [B, T]");
  const ImageFeatures f = encode(images);
  nn::LSTMState state = initial_state(f);
  const int64_t B = tgt_in.size(0), T = tgt_in.size(1);
  std::vector<Tensor> logits, alphas;
  for (int64_t t = 0; t < T; ++t) {
    const CaptionStep s = step(tgt_in.slice(1, t, t + 1).reshape({B}), state, f);
    logits.push_back(s.logits);
    if (s.alpha.defined()) alphas.push_back(s.alpha);
    state = s.state;
  }
  CaptionerOutput o;
  o.logits = stack(logits, 1);                      // [B, T, V]
  if (!alphas.empty()) o.alpha = stack(alphas, 1);  // [B, T, L]
  return o;
}

Captioner::LossParts Captioner::loss_parts(const Tensor& images,
                                           const data::CaptionBatch& batch) const {
  const CaptionerOutput o = forward(images, batch.tgt_in);
  LossParts p;
  p.cross_entropy =
      nn::cross_entropy(o.logits, batch.tgt_out, nn::CrossEntropyOptions().ignore_index(kPad));
  p.penalty = o.alpha.defined() && options_.doubly_stochastic() > 0
                  ? doubly_stochastic_penalty(o.alpha, batch.tgt_mask, options_.doubly_stochastic())
                  : Tensor::scalar(0);
  p.total = p.cross_entropy + p.penalty;
  return p;
}

Tensor Captioner::loss(const Tensor& images, const data::CaptionBatch& batch) const {
  return loss_parts(images, batch).total;
}

std::vector<Caption> Captioner::greedy(const Tensor& images, int64_t max_len) const {
  ATTN_CHECK(max_len >= 1, "Captioner::greedy: max_len must be >= 1, got ", max_len);
  NoGradGuard no_grad;
  const ImageFeatures f = encode(images);
  const int64_t B = f.batch(), V = options_.vocab_size();
  nn::LSTMState state = initial_state(f);
  std::vector<Caption> caps(static_cast<size_t>(B));
  std::vector<int64_t> prev(static_cast<size_t>(B), kBos);
  std::vector<bool> done(static_cast<size_t>(B), false);
  int64_t running = B;
  for (int64_t t = 0; t < max_len && running > 0; ++t) {
    const CaptionStep s = step(ids_tensor(prev), state, f);
    const std::vector<real> logp = log_softmax(s.logits, 1).to_vector();
    const std::vector<real> w = s.alpha.defined() ? s.alpha.to_vector() : std::vector<real>();
    const int64_t L = s.alpha.defined() ? s.alpha.size(1) : 0;
    for (int64_t b = 0; b < B; ++b) {
      if (done[size_t(b)]) continue;  // a finished row still runs in the batch; its step is dropped
      const real* row = logp.data() + b * V;
      const int64_t y = std::max_element(row, row + V) - row;  // the first maximum
      Caption& c = caps[size_t(b)];
      c.tokens.push_back(y);
      c.log_prob += double(row[y]);
      if (!w.empty()) c.attention.push_back(row_of(w, b, L));
      prev[size_t(b)] = y;
      if (y == kEos) done[size_t(b)] = true, --running;
    }
    state = s.state;
  }
  for (Caption& c : caps) c.score = c.log_prob;
  return caps;
}

Caption Captioner::beam_search(const Tensor& image, const CaptionBeamOptions& opt) const {
  ATTN_CHECK(opt.width >= 1 && opt.max_len >= 1 && opt.alpha >= 0,
             "Captioner::beam_search: width = ", opt.width, ", max_len = ", opt.max_len,
             ", alpha = ", opt.alpha, ": expected width >= 1, max_len >= 1, alpha >= 0");
  ATTN_CHECK(image.dim() == 4 && image.size(0) == 1,
             "Captioner::beam_search: expected one image [1, 3, H, W], got ",
             shape_str(image.shape()));
  NoGradGuard no_grad;
  const int64_t V = options_.vocab_size(), k = opt.width;
  const ImageFeatures f1 = encode(image);
  const auto score_of = [&](const Caption& c) {
    return c.log_prob / std::pow(double(c.tokens.size()), opt.alpha);
  };
  std::vector<Caption> live(1), finished;
  nn::LSTMState state = initial_state(f1);
  for (int64_t t = 0; t < opt.max_len; ++t) {
    const int64_t n = int64_t(live.size());
    const ImageFeatures f = n == 1 ? f1 : f1.select(Tensor::zeros({n}));
    std::vector<int64_t> prev(static_cast<size_t>(n));
    for (int64_t b = 0; b < n; ++b)
      prev[size_t(b)] = live[size_t(b)].tokens.empty() ? kBos : live[size_t(b)].tokens.back();
    const CaptionStep s = step(ids_tensor(prev), state, f);
    const std::vector<real> logp = log_softmax(s.logits, 1).to_vector();
    const std::vector<real> w = s.alpha.defined() ? s.alpha.to_vector() : std::vector<real>();
    const int64_t L = s.alpha.defined() ? s.alpha.size(1) : 0;

    // Every (beam, word) extension by total log-probability; ties to the lower beam, then
    // the lower word id (greedy's first maximum). The best 2k suffice: at most k end in
    // <eos>, so k can always continue.
    struct Candidate {
      double log_prob;
      int64_t beam, token;
    };
    std::vector<Candidate> cand;
    cand.reserve(size_t(n * V));
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < V; ++y)
        cand.push_back({live[size_t(b)].log_prob + double(logp[size_t(b * V + y)]), b, y});
    const size_t keep = std::min(cand.size(), size_t(2 * k));
    std::partial_sort(cand.begin(), cand.begin() + std::ptrdiff_t(keep), cand.end(),
                      [](const Candidate& a, const Candidate& b) {
                        return std::tie(b.log_prob, a.beam, a.token) <
                               std::tie(a.log_prob, b.beam, b.token);
                      });
    std::vector<Caption> next;
    std::vector<real> parents;
    for (size_t r = 0; r < keep && int64_t(next.size()) < k; ++r) {
      const Candidate& c = cand[r];
      // <eos> among the top k finishes a caption; further down it is not good enough.
      if (c.token == kEos && int64_t(r) >= k) continue;
      Caption h = live[size_t(c.beam)];
      h.tokens.push_back(c.token);
      h.log_prob = c.log_prob;
      if (!w.empty()) h.attention.push_back(row_of(w, c.beam, L));
      h.score = score_of(h);
      if (c.token == kEos) {
        finished.push_back(std::move(h));
      } else {
        next.push_back(std::move(h));
        parents.push_back(real(c.beam));
      }
    }
    if (int64_t(finished.size()) >= k || next.empty()) break;
    const Tensor index = Tensor::from_vector(parents, {int64_t(parents.size())});
    state = {index_select(s.state.h, 0, index), index_select(s.state.c, 0, index)};
    live = std::move(next);
    // Cut off at max_len: a beam that never wrote <eos> competes with its best unfinished
    // captions, so there is always an answer.
    if (t + 1 == opt.max_len)
      for (Caption& h : live) finished.push_back(std::move(h));
  }
  ATTN_CHECK(!finished.empty(), "Captioner::beam_search: no caption (internal error)");
  return *std::max_element(finished.begin(), finished.end(),
                           [](const Caption& a, const Caption& b) { return a.score < b.score; });
}

}  // namespace attn::models
