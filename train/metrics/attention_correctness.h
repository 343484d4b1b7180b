#pragma once
// Attention correctness (Liu, Mao, Sha, Yuille 2017, "Attention Correctness in Neural
// Image Captioning"): when the decoder emits a word that names an object, how much of
// that step's attention lies inside the object's bounding box?
//
// The attention of one step is a distribution alpha over the L = grid_h x grid_w regions
// of the CNN's feature map. Region (i, j) stands for the pixel rectangle
//   rows    [i H / grid_h, (i + 1) H / grid_h),  columns [j W / grid_w, (j + 1) W / grid_w)
// (real-valued bounds: the regions tile the image exactly even when H / grid_h is not
// whole), and its weight is spread evenly over it (nearest-neighbour upsampling). Then
//   correctness = sum_r alpha_r |region_r intersect box| / |region_r|        (in [0, 1])
// and the score of a caption set is the mean over every grounded word. The baseline is
// what uniform attention (alpha_r = 1 / L) scores: |box| / |image|, averaged the same way.
//
//   std::vector<GroundedAttention> steps = ...;   // one per generated word that names an object
//   AttentionCorrectness ac = attention_correctness(steps, 7, 7, 48, 48);
//   ac.mean;  ac.uniform_baseline;  ac.words;
#include <cstdint>
#include <span>
#include <vector>

namespace attn::train {

// A pixel box, half-open: columns x0..x1-1, rows y0..y1-1.
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// One generated word that names an object: the step's attention (grid_h * grid_w
// weights, row-major, summing to 1) and the named object's box.
struct GroundedAttention {
  std::vector<float> alpha;
  Box box;
};

struct AttentionCorrectness {
  double mean = 0;              // mean share of attention inside the named object's box
  double uniform_baseline = 0;  // the same for uniform attention: mean box area / image area
  int64_t words = 0;            // grounded words averaged over
};

// The share of one attention map inside `box`. Throws attn::Error when alpha does not
// hold grid_h * grid_w weights, or for a grid or image size < 1.
double attention_in_box(std::span<const float> alpha, int grid_h, int grid_w, int image_h,
                        int image_w, const Box& box);

// The mean over `steps` (0 words gives zeros).
AttentionCorrectness attention_correctness(const std::vector<GroundedAttention>& steps, int grid_h,
                                           int grid_w, int image_h, int image_w);

}  // namespace attn::train
