#include "train/metrics/confident_labels.h"

#include <cmath>
#include <string>

#include "autograd/error.h"

namespace attn::train {

ConfidentLabelStats confident_label_stats(const Tensor& logits, double threshold) {
  ATTN_CHECK(logits.defined() && logits.dim() == 2 && logits.size(0) >= 1 && logits.size(1) >= 2,
             "confident_label_stats: expected logits [N, K] with N >= 1 samples and K >= 2 "
             "classes, got ",
             logits.defined() ? shape_str(logits.shape()) : std::string("none"));
  ATTN_CHECK(threshold >= 0 && threshold < 1,
             "confident_label_stats: threshold must be in [0, 1), got ", threshold);
  const int64_t N = logits.size(0), K = logits.size(1);
  ConfidentLabelStats s;
  s.samples = N;
  s.classes = K;
  s.threshold = threshold;
  s.histogram.assign(static_cast<size_t>(K), 0);
  s.confident_histogram.assign(static_cast<size_t>(K), 0);
  const real* z = logits.data();
  int64_t confident = 0;
  double sum_max = 0;
  for (int64_t n = 0; n < N; ++n) {
    const real* row = z + n * K;
    int64_t best = 0;
    for (int64_t k = 0; k < K; ++k) {
      ATTN_CHECK(std::isfinite(row[k]), "confident_label_stats: logit ", k, " of sample ", n,
                 " is ", row[k]);
      if (row[k] > row[best]) best = k;
    }
    // max_k p_k = 1 / sum_k exp(z_k - z_max): the softmax's largest entry, no overflow.
    double denom = 0;
    for (int64_t k = 0; k < K; ++k) denom += std::exp(double(row[k]) - double(row[best]));
    const double p_max = 1.0 / denom;
    sum_max += p_max;
    ++s.histogram[static_cast<size_t>(best)];
    if (p_max > threshold) {
      ++confident;
      ++s.confident_histogram[static_cast<size_t>(best)];
    }
  }
  s.confident_fraction = double(confident) / double(N);
  s.mean_max_probability = sum_max / double(N);
  double h = 0;
  for (int64_t count : s.histogram)
    if (count > 0) {
      const double q = double(count) / double(N);
      h -= q * std::log(q);
    }
  s.label_entropy = h / std::log(double(K));
  for (int64_t count : s.confident_histogram) s.classes_covered += count > 0;
  return s;
}

}  // namespace attn::train
