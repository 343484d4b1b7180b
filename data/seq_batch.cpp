#include "data/seq_batch.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "autograd/error.h"
#include "data/vocab.h"

namespace attn::data {

namespace {

// Ids are stored as `real`; float holds every whole number up to 2^24 exactly.
constexpr int64_t kMaxExactId = int64_t{1} << 24;

void check_ids(const std::vector<int64_t>& ids, int64_t pair, const char* side) {
  for (size_t t = 0; t < ids.size(); ++t) {
    ATTN_CHECK(ids[t] >= 0 && ids[t] < kMaxExactId, "collate: pair ", pair, ": ", side, " token ",
               t, " has id ", ids[t], ", expected an id in [0, 2^24)");
  }
}

}  // namespace

SeqBatch collate(const std::vector<SeqPair>& pairs, const std::vector<int64_t>& which) {
  ATTN_CHECK(!which.empty(), "collate: no pairs selected, expected at least one");
  const int64_t B = static_cast<int64_t>(which.size());
  int64_t S = 0, T = 0;
  for (const int64_t i : which) {
    ATTN_CHECK(i >= 0 && i < static_cast<int64_t>(pairs.size()), "collate: index ", i,
               " is outside the ", pairs.size(), " pairs");
    const SeqPair& p = pairs[static_cast<size_t>(i)];
    ATTN_CHECK(!p.src.empty(), "collate: pair ", i,
               " has an empty source, expected at least one token (an encoder needs one step)");
    check_ids(p.src, i, "source");
    check_ids(p.tgt, i, "target");
    S = std::max<int64_t>(S, static_cast<int64_t>(p.src.size()));
    T = std::max<int64_t>(T, static_cast<int64_t>(p.tgt.size()) + 1);  // + <bos> / <eos>
  }

  SeqBatch b;
  b.indices = which;
  // Tensor::zeros pads with 0 == kPad and leaves the masks 0 past each row's end.
  static_assert(kPad == 0, "padding relies on <pad> being id 0");
  b.src = Tensor::zeros({B, S});
  b.src_lengths = Tensor::zeros({B});
  b.src_mask = Tensor::zeros({B, S});
  b.tgt_in = Tensor::zeros({B, T});
  b.tgt_out = Tensor::zeros({B, T});
  b.tgt_lengths = Tensor::zeros({B});
  b.tgt_mask = Tensor::zeros({B, T});
  real* src = b.src.data();
  real* src_mask = b.src_mask.data();
  real* tgt_in = b.tgt_in.data();
  real* tgt_out = b.tgt_out.data();
  real* tgt_mask = b.tgt_mask.data();
  for (int64_t r = 0; r < B; ++r) {
    const SeqPair& p = pairs[static_cast<size_t>(which[static_cast<size_t>(r)])];
    const int64_t n_src = static_cast<int64_t>(p.src.size());
    const int64_t n_tgt = static_cast<int64_t>(p.tgt.size());
    for (int64_t s = 0; s < n_src; ++s) {
      src[r * S + s] = static_cast<real>(p.src[static_cast<size_t>(s)]);
      src_mask[r * S + s] = 1;
    }
    b.src_lengths.data()[r] = static_cast<real>(n_src);
    // Teacher forcing: the decoder reads y_{t-1} (y_0 = <bos>) and predicts y_t (y_{n+1} = <eos>).
    tgt_in[r * T] = static_cast<real>(kBos);
    for (int64_t t = 0; t < n_tgt; ++t) {
      const real y = static_cast<real>(p.tgt[static_cast<size_t>(t)]);
      tgt_in[r * T + t + 1] = y;
      tgt_out[r * T + t] = y;
    }
    tgt_out[r * T + n_tgt] = static_cast<real>(kEos);
    for (int64_t t = 0; t <= n_tgt; ++t) tgt_mask[r * T + t] = 1;
    b.tgt_lengths.data()[r] = static_cast<real>(n_tgt + 1);
  }
  return b;
}

SeqBatch collate(const std::vector<SeqPair>& pairs) {
  std::vector<int64_t> all(pairs.size());
  std::iota(all.begin(), all.end(), int64_t{0});
  return collate(pairs, all);
}

void shuffle_indices(std::vector<int64_t>& order, Generator& gen) {
  for (size_t j = order.size(); j > 1; --j) {
    const size_t m = static_cast<size_t>(gen.randint(static_cast<int64_t>(j)));
    std::swap(order[j - 1], order[m]);
  }
}

std::vector<SeqBatch> make_batches(const std::vector<SeqPair>& pairs, int64_t batch_size,
                                   Generator& gen, bool shuffle, bool bucket_by_length) {
  ATTN_CHECK(batch_size >= 1, "make_batches: batch_size is ", batch_size, ", expected at least 1");
  ATTN_CHECK(!pairs.empty(), "make_batches: no pairs, expected at least one");
  std::vector<int64_t> order(pairs.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  if (shuffle) shuffle_indices(order, gen);
  if (bucket_by_length) {
    // Stable: among equal lengths the (shuffled or original) order survives.
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      const SeqPair& pa = pairs[static_cast<size_t>(a)];
      const SeqPair& pb = pairs[static_cast<size_t>(b)];
      if (pa.src.size() != pb.src.size()) return pa.src.size() < pb.src.size();
      return pa.tgt.size() < pb.tgt.size();
    });
  }

  std::vector<std::vector<int64_t>> groups;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
    groups.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                        order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  if (shuffle && bucket_by_length) {
    // Otherwise every epoch would run from the shortest batch to the longest.
    std::vector<int64_t> perm(groups.size());
    std::iota(perm.begin(), perm.end(), int64_t{0});
    shuffle_indices(perm, gen);
    std::vector<std::vector<int64_t>> shuffled;
    shuffled.reserve(groups.size());
    for (const int64_t g : perm) shuffled.push_back(std::move(groups[static_cast<size_t>(g)]));
    groups = std::move(shuffled);
  }

  std::vector<SeqBatch> batches;
  batches.reserve(groups.size());
  for (const auto& g : groups) batches.push_back(collate(pairs, g));
  return batches;
}

}  // namespace attn::data
