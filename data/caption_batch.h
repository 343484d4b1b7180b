#pragma once
// Captions as training data: tokens, a vocabulary, and batches of (image, caption)
// pairs padded into rectangles for a teacher-forced decoder.
//
//   Vocab vocab = caption_vocab(train_captions, /*min_count=*/2);   // specials + words seen twice
//   std::vector<CaptionExample> ex = caption_examples(train_captions, vocab);
//   for (const CaptionBatch& b : make_caption_batches(ex, 32, gen, true, true)) {
//     Tensor x = gather_images(images, b.images);                  // [B, 3, H, W]
//     ... decoder(x, b.tgt_in) vs b.tgt_out, masked by b.tgt_mask
//   }
//
// The specials are data/vocab.h's: <bos> starts every decoder input, <eos> ends every
// target, <pad> fills, <unk> stands for a word under min_count.
//
// Shapes (B captions in the batch, T longest caption + 1):
//   images       B image indices (into the image tensor the captions describe)
//   tgt_in       [B, T]  <bos> w1 ... wn, then <pad>
//   tgt_out      [B, T]  w1 ... wn <eos>, then <pad>
//   tgt_lengths  [B]     n + 1
//   tgt_mask     [B, T]  1 on the n + 1 positions of tgt_out that count
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"
#include "data/vocab.h"

namespace attn::data {

// Lower case, punctuation split off ("A dog, running." -> a dog , running .): the
// tokenizer of data/sentence_pairs.h.
std::vector<std::string> tokenize_caption(std::string_view text);

// Captions grouped by image: captions[i] are the references of image i.
using ImageCaptions = std::vector<std::vector<std::vector<std::string>>>;

// The vocabulary of every caption's tokens seen at least min_count times.
Vocab caption_vocab(const ImageCaptions& captions, int64_t min_count = 1, int64_t max_size = 0);

struct CaptionExample {
  int64_t image = 0;         // index of the image
  std::vector<int64_t> ids;  // the caption's token ids, without <bos>/<eos>
};

// One example per (image, caption), image by image.
std::vector<CaptionExample> caption_examples(const ImageCaptions& captions, const Vocab& vocab);

struct CaptionBatch {
  std::vector<int64_t> images;
  Tensor tgt_in, tgt_out, tgt_lengths, tgt_mask;
  std::vector<int64_t> indices;  // row b holds examples[indices[b]]
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

// Pads examples[which[0]], examples[which[1]], ... into one batch, in that order.
// Throws attn::Error for an empty selection, an index out of range or a negative id.
CaptionBatch collate_captions(const std::vector<CaptionExample>& examples,
                              const std::vector<int64_t>& which);

// Cuts the examples into batches of batch_size (the last may be smaller).
//   shuffle           the order is drawn from gen;
//   bucket_by_length  captions of similar length share a batch (little padding): the
//                     examples are (shuffled, then) stably sorted by length, cut, and with
//                     shuffle the batches' order is drawn again.
std::vector<CaptionBatch> make_caption_batches(const std::vector<CaptionExample>& examples,
                                               int64_t batch_size, Generator& gen,
                                               bool shuffle = true, bool bucket_by_length = true);

// images [N, C, H, W] -> [which.size(), C, H, W], rows which[0], which[1], ... (a copy,
// outside the graph: images are inputs, not parameters).
Tensor gather_images(const Tensor& images, const std::vector<int64_t>& which);

}  // namespace attn::data
