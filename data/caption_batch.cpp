#include "data/caption_batch.h"

#include <algorithm>
#include <cstring>

#include "autograd/error.h"
#include "data/sentence_pairs.h"
#include "data/seq_batch.h"

namespace attn::data {

std::vector<std::string> tokenize_caption(std::string_view text) {
  return tokenize(text);
}

Vocab caption_vocab(const ImageCaptions& captions, int64_t min_count, int64_t max_size) {
  std::vector<std::vector<std::string>> all;
  for (const auto& refs : captions)
    for (const auto& c : refs) all.push_back(c);
  return Vocab::from_sentences(all, min_count, max_size);
}

std::vector<CaptionExample> caption_examples(const ImageCaptions& captions, const Vocab& vocab) {
  std::vector<CaptionExample> out;
  for (size_t i = 0; i < captions.size(); ++i)
    for (const auto& c : captions[i]) out.push_back({int64_t(i), vocab.encode(c)});
  return out;
}

CaptionBatch collate_captions(const std::vector<CaptionExample>& examples,
                              const std::vector<int64_t>& which) {
  ATTN_CHECK(!which.empty(), "collate_captions: the selection is empty");
  int64_t T = 0;
  for (int64_t k : which) {
    ATTN_CHECK(k >= 0 && k < int64_t(examples.size()), "collate_captions: index ", k,
               " is outside the ", examples.size(), " examples");
    T = std::max(T, int64_t(examples[size_t(k)].ids.size()) + 1);
  }
  const int64_t B = int64_t(which.size());
  CaptionBatch b;
  b.tgt_in = Tensor::zeros({B, T});  // zero is <pad>
  b.tgt_out = Tensor::zeros({B, T});
  b.tgt_mask = Tensor::zeros({B, T});
  b.tgt_lengths = Tensor::zeros({B});
  for (int64_t r = 0; r < B; ++r) {
    const CaptionExample& e = examples[size_t(which[size_t(r)])];
    const int64_t n = int64_t(e.ids.size());
    real* in = b.tgt_in.data() + r * T;
    real* out = b.tgt_out.data() + r * T;
    real* mask = b.tgt_mask.data() + r * T;
    in[0] = real(kBos);
    for (int64_t t = 0; t < n; ++t) {
      ATTN_CHECK(e.ids[size_t(t)] >= 0, "collate_captions: example ", which[size_t(r)],
                 " holds the negative id ", e.ids[size_t(t)]);
      in[t + 1] = real(e.ids[size_t(t)]);
      out[t] = real(e.ids[size_t(t)]);
    }
    out[n] = real(kEos);
    for (int64_t t = 0; t <= n; ++t) mask[t] = real(1);
    b.tgt_lengths.data()[r] = real(n + 1);
    b.images.push_back(e.image);
    b.indices.push_back(which[size_t(r)]);
  }
  return b;
}

std::vector<CaptionBatch> make_caption_batches(const std::vector<CaptionExample>& examples,
                                               int64_t batch_size, Generator& gen, bool shuffle,
                                               bool bucket_by_length) {
  ATTN_CHECK(batch_size >= 1, "make_caption_batches: batch_size must be >= 1, got ", batch_size);
  std::vector<int64_t> order(examples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  if (shuffle) shuffle_indices(order, gen);
  if (bucket_by_length)
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return examples[size_t(a)].ids.size() < examples[size_t(b)].ids.size();
    });
  std::vector<CaptionBatch> batches;
  for (size_t s = 0; s < order.size(); s += size_t(batch_size)) {
    const size_t e = std::min(order.size(), s + size_t(batch_size));
    batches.push_back(
        collate_captions(examples, {order.begin() + long(s), order.begin() + long(e)}));
  }
  if (shuffle && bucket_by_length) {
    std::vector<int64_t> perm(batches.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = int64_t(i);
    shuffle_indices(perm, gen);
    std::vector<CaptionBatch> mixed;
    for (int64_t p : perm) mixed.push_back(std::move(batches[size_t(p)]));
    batches = std::move(mixed);
  }
  return batches;
}

Tensor gather_images(const Tensor& images, const std::vector<int64_t>& which) {
  ATTN_CHECK(images.defined() && images.dim() == 4, "gather_images: expected images [N, C, H, W]",
             images.defined() ? ", got " + shape_str(images.shape()) : std::string(", got none"));
  const int64_t N = images.size(0), per = images.numel() / std::max<int64_t>(N, 1);
  Shape s = images.shape();
  s[0] = int64_t(which.size());
  Tensor out = Tensor::empty(s);
  for (size_t r = 0; r < which.size(); ++r) {
    ATTN_CHECK(which[r] >= 0 && which[r] < N, "gather_images: image index ", which[r],
               " is outside the ", N, " images");
    std::memcpy(out.data() + int64_t(r) * per, images.data() + which[r] * per,
                sizeof(real) * size_t(per));
  }
  return out;
}

}  // namespace attn::data
