#pragma once
// A cheap look at generated pictures through a classifier trained on the real ones: how many
// does it name with confidence, and are all the classes there?
//
//   ConfidentLabelStats s = confident_label_stats(classifier.forward(generated));  // [N, K]
//   s.confident_fraction;   // share of samples with max_k p_k > threshold
//   s.histogram;            // how many samples the classifier gives each class (argmax)
//   s.label_entropy;        // normalised entropy of that histogram: 1 = every class equally
//   s.classes_covered;      // classes that receive at least one confident sample
//
// What it means. A sample the classifier calls "Sneaker" with p > 0.9 looks enough like the
// real sneakers for a network that has seen 10 classes of them; a blurred, half-way picture
// spreads its probability. Mode collapse (a generator that draws one or two kinds of thing)
// shows as a histogram piled on a few classes: low entropy, few classes covered. Real test
// pictures give the reference values (their confident fraction, an entropy near 1).
//
// Its limits. It says nothing of variety within a class (a thousand copies of one perfect
// shirt score perfectly), a classifier can be confident about pictures no person would
// accept (adversarial-looking textures), and for an unconditional GAN there is no intended
// label, so "accuracy on generated samples" is only how often the confident guess agrees
// with itself. Quote it beside the Fréchet distance (frechet.h), never instead of it.
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"

namespace attn::train {

struct ConfidentLabelStats {
  int64_t samples = 0;
  int64_t classes = 0;
  double threshold = 0.9;
  double confident_fraction = 0;             // samples with max p > threshold, / samples
  double mean_max_probability = 0;           // mean over samples of max_k p_k
  std::vector<int64_t> histogram;            // [K]: samples whose argmax is k
  std::vector<int64_t> confident_histogram;  // [K]: the same, among the confident samples
  // -sum_k q_k log q_k / log K over the histogram's shares q_k (0 log 0 = 0): 1 when every
  // class gets the same share, 0 when one class gets everything.
  double label_entropy = 0;
  int64_t classes_covered = 0;  // k with confident_histogram[k] > 0
};

// logits [N, K] (K >= 2, N >= 1): p = softmax over each row, in double. Throws attn::Error
// for another shape, a threshold outside [0, 1) or a non-finite logit.
ConfidentLabelStats confident_label_stats(const Tensor& logits, double threshold = 0.9);

}  // namespace attn::train
