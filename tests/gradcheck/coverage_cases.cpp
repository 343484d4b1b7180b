// Rows for the backward paths the other tables never entered, each found by
// planting a bug there that every other row missed:
//   - conv2d's and conv_transpose2d's threaded weight gradient: partial dW per
//     thread, summed after.
//     It runs only with several threads, several images and enough work per
//     image, and the threads must stay set through the backward, so these rows
//     hold the thread count for the whole check (ThreadedGradcheck below);
//   - the fused scaled-dot-product attention's test of whether the returned
//     weights fed the loss: rows whose loss leaves the first weight (or all of
//     them) out;
//   - Embedding's padding row, whose gradient is 0 by definition rather than by
//     calculus: a row whose numeric gradient sees the padding row as constant
//     while its analytic one comes from the op's own backward.
// Then a consistency test for the row-parallel loops that switch on above a
// size threshold (too large for central differences): the gradients on two
// threads must equal those on one.
#include <cmath>
#include <functional>

#include "autograd/grad_mode.h"
#include "autograd/parallel.h"
#include "gradcheck/gradcheck_case.h"
#include "helpers/thread_scope.h"
#include "layers/additive_attention.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/conv_transpose2d.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/losses.h"
#include "layers/pooling.h"
#include "layers/scaled_dot_product.h"
#include "layers/upsample.h"

namespace attn::testing {
namespace {

using X = std::vector<Tensor>;

// ---- functions of two rows below --------------------------------------------------------

// BatchNorm2d in training on x[0] [B, C, H, W], weight x[1] and bias x[2] (both [C]).
Tensor batch_norm2d_training(const X& x) {
  const int64_t C = x[1].size(0);
  const Tensor mean = Tensor::zeros({C}), var = Tensor::ones({C});
  return nn::batch_norm2d(x[0], mean, var, x[1], x[2], /*training=*/true);
}

// Activations and arithmetic, same shapes and a scalar x[2] (> 0); x[0] feeds four ops, so
// the engine sums its gradients too.
Tensor elementwise_chain(const X& x) {
  const Tensor a = leaky_relu(x[0], 0.2) * tanh(x[1]) + sigmoid(x[0]) / x[2];
  return gelu(a) - relu(x[1]) * exp(neg(x[0]));
}

// ---- rows held at two threads --------------------------------------------------------

class ThreadedGradcheck : public ::testing::TestWithParam<GradcheckCase> {};

TEST_P(ThreadedGradcheck, MatchesCentralDifferencesOnTwoThreads) {
  const GradcheckCase& c = GetParam();
  ThreadScope two(2);  // forward, backward and the differences alike
  ASSERT_EQ(get_num_threads(), 2);
  std::vector<Tensor> xs = make_inputs(c);
  GradcheckResult r = gradcheck(c.f, xs, c.options, c.name);
  EXPECT_TRUE(r.ok) << r.report(xs);
  EXPECT_GT(r.checked, 0);
}

// Large enough that conv2d splits the images between threads: at least two
// images and O * (C kh kw) * (Ho Wo) >= 2^15 (here 8 * 36 * 144 = 41472).
std::vector<GradcheckCase> threaded_cases() {
  GradcheckOptions linear;  // conv2d is linear in each input: a large step is exact
  linear.eps = 1e-3;
  return {
      {"conv2d_threaded_dW_B3_C4_O8_12x12",
       {{3, 4, 12, 12}, {8, 4, 3, 3}, {8}},
       [](const X& x) { return nn::conv2d(x[0], x[1], x[2], 1, 1); },
       linear},
      {"conv2d_threaded_dW_B2_no_bias_stride2",
       {{2, 4, 23, 23}, {8, 4, 3, 3}},
       [](const X& x) { return nn::conv2d(x[0], x[1], Tensor(), 2, 1); },
       linear},
      // conv_transpose2d splits its images the same way: C_in (C_out kh kw) (H W) =
      // 16 * 128 * 16 = 2^15, 4x4 stride 2 padding 1 as a generator uses it.
      {"conv_transpose2d_threaded_dW_B3_C16_O8_4x4_s2",
       {{3, 16, 4, 4}, {16, 8, 4, 4}, {8}},
       [](const X& x) { return nn::conv_transpose2d(x[0], x[1], x[2], 2, 1); },
       linear},
      // Channels split between threads (statistics, normalisation and backward alike).
      {"batch_norm2d_threaded_channels_B2_C3_4x5", {{2, 3, 4, 5}, {3}, {3}}, batch_norm2d_training},
      // Planes split between threads.
      {"upsample_nearest2d_threaded_planes_B2_C3_3x4_s2",
       {{2, 3, 3, 4}},
       [](const X& x) { return nn::upsample_nearest2d(x[0], 2); },
       linear},
      // Element-wise loops split into ranges, and the engine's sums of gradients.
      {"elementwise_threaded_ranges_37",
       {{37}, {37}, {}},
       elementwise_chain,
       {},
       [](X& x) { make_positive(x[2]); }},
  };
}
INSTANTIATE_TEST_SUITE_P(Coverage, ThreadedGradcheck, ::testing::ValuesIn(threaded_cases()),
                         [](const ::testing::TestParamInfo<GradcheckCase>& row) {
                           return row.param.name;
                         });

// ---- rows of the ordinary table --------------------------------------------------------

// The attention weights of sdpa without their first element, after the output:
// the weights feed the loss, but the gradient of weight [0,0,0,0] is 0.
template <bool Fused>
Tensor sdpa_all_weights_but_the_first(const X& x) {
  const nn::AttentionOutput r =
      Fused ? nn::scaled_dot_product_attention(x[0], x[1], x[2], {})
            : nn::scaled_dot_product_attention_composed(x[0], x[1], x[2], {});
  const Tensor w = reshape(r.weights, {-1});
  return concat({reshape(r.output, {-1}), slice(w, 0, 1, w.size(0))}, 0);
}
// Only the output: the weights feed nothing (their gradient is all zeros).
Tensor sdpa_output_only(const X& x) {
  return nn::scaled_dot_product_attention(x[0], x[1], x[2], {}).output;
}
// Only the weights of the second query onwards, and no output.
Tensor sdpa_late_weights_only(const X& x) {
  const nn::AttentionOutput r = nn::scaled_dot_product_attention(x[0], x[1], x[2], {});
  return slice(r.weights, 2, 1, r.weights.size(2));
}

// Embedding with padding_idx 2, the whole table an input. The op holds the
// padding row's gradient at 0; central differences would see the row's values
// pass to the output. Subtracting the padded positions' output computed
// without the graph (a constant for the backward, but recomputed from the
// perturbed table by the differences) makes the numeric gradient of the
// padding row 0 too, while leaving the analytic one to the op's backward.
constexpr int64_t kPad = 2;
Tensor embedding_padding_row_constant(const X& x) {
  const Tensor& W = x[0];
  const Tensor& ids = x[1];
  const Tensor out = nn::embedding(ids, W, kPad);
  Tensor padded_part;
  {
    NoGradGuard no_grad;
    Tensor is_pad = Tensor::zeros({ids.numel(), 1});
    for (int64_t p = 0; p < ids.numel(); ++p) is_pad.data()[p] = ids.data()[p] == kPad ? 1 : 0;
    padded_part = nn::embedding(ids, W, kPad) * reshape(is_pad, {ids.numel(), 1});
  }
  return out - padded_part;
}

std::vector<GradcheckCase> cases() {
  const std::vector<Shape> qkv{{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 3}};
  return {
      {"sdpa_fused_weights_feed_all_but_the_first", qkv, sdpa_all_weights_but_the_first<true>},
      {"sdpa_composed_weights_feed_all_but_the_first", qkv, sdpa_all_weights_but_the_first<false>},
      {"sdpa_fused_output_only", qkv, sdpa_output_only},
      {"sdpa_fused_late_weights_only", qkv, sdpa_late_weights_only},
      {"embedding_padding_row_held_at_zero_V6_D3",
       {{6, 3}, {9}},
       embedding_padding_row_constant,
       {},
       [](X& x) {
         integer_values(x[1], 6);
         for (int64_t i = 0; i < 9; i += 3) x[1].data()[i] = kPad;
       }},
  };
}
ATTN_GRADCHECK_TABLE(cases());

// ---- threaded loops: every op split over two threads -----------------------------------
// ThreadScope turns the speed thresholds off, so these inputs, small enough for double,
// take the threaded branch of each loop (the sizes also clear the thresholds of an earlier
// version, noted per row).

// The gradients of every input that requires one, after one backward of
// sum(f(x) * R), on `threads` threads.
std::vector<double> gradients(const std::function<Tensor(const X&)>& f, const X& inputs,
                              int threads) {
  ThreadScope n(threads);
  X xs;
  for (const Tensor& x : inputs) {
    Tensor c = x.detach().clone();
    c.requires_grad_(x.requires_grad());
    xs.push_back(c);
  }
  const Tensor y = f(xs);
  Tensor R = Tensor::empty(y.shape());
  for (int64_t i = 0; i < R.numel(); ++i) R.data()[i] = std::sin(0.37 * static_cast<double>(i));
  sum(y * R).backward();
  std::vector<double> g;
  for (const Tensor& x : xs) {
    if (!x.requires_grad()) continue;
    const std::vector<real> v = x.grad().to_vector();
    g.insert(g.end(), v.begin(), v.end());
  }
  return g;
}

struct ThresholdCase {
  const char* name;
  std::vector<Shape> shapes;
  std::function<Tensor(const X&)> f;
  std::function<void(X&)> prepare = nullptr;
};

TEST(CoverageThreads, LoopsAboveTheirThresholdsAgreeOnOneAndTwoThreads) {
  const std::vector<ThresholdCase> rows = {
      // was: M * N >= 2^15
      {"layer_norm",
       {{256, 160}, {160}, {160}},
       [](const X& x) { return nn::layer_norm(x[0], {160}, x[1], x[2]); }},
      // was: N * V >= 2^15
      {"cross_entropy",
       {{300, 128}, {300}},
       [](const X& x) { return nn::cross_entropy(x[0], x[1]); },
       [](X& x) { integer_values(x[1], 128); }},
      // was: B * H * T * S >= 2^16
      {"sdpa_fused",
       {{2, 4, 64, 16}, {2, 4, 160, 16}, {2, 4, 160, 8}},
       [](const X& x) {
         const auto r = nn::scaled_dot_product_attention(x[0], x[1], x[2], {});
         return concat({reshape(r.output, {-1}), reshape(r.weights, {-1})}, 0);
       }},
      // was: B * S * A >= 2^16
      {"additive_attention_fused",
       {{8, 64}, {8, 160, 64}, {64}, {8, 160, 6}},
       [](const X& x) {
         const auto r = nn::additive_attention_fused(x[0], x[1], x[2], x[3]);
         return concat({reshape(r.output, {-1}), reshape(r.weights, {-1})}, 0);
       }},
      // was: planes * window >= 2^16
      {"max_pool2d",
       {{4, 16, 32, 34}},
       [](const X& x) { return nn::max_pool2d(x[0], 2); },
       [](X& x) { distinct_values(x[0]); }},
      {"avg_pool2d", {{4, 16, 32, 34}}, [](const X& x) { return nn::avg_pool2d(x[0], 3, 2, 1); }},
      // batch split between threads
      {"conv2d",
       {{4, 8, 20, 20}, {16, 8, 3, 3}, {16}},
       [](const X& x) { return nn::conv2d(x[0], x[1], x[2], 1, 1); }},
      {"conv_transpose2d",
       {{4, 32, 6, 6}, {32, 16, 4, 4}, {16}},
       [](const X& x) { return nn::conv_transpose2d(x[0], x[1], x[2], 2, 1); }},
      // channels split between threads
      {"batch_norm2d", {{8, 16, 12, 12}, {16}, {16}}, batch_norm2d_training},
      {"upsample_nearest2d",
       {{4, 16, 12, 12}},
       [](const X& x) { return nn::upsample_nearest2d(x[0], 2); }},
      // element-wise ranges, and the engine's sums of gradients
      {"elementwise", {{3000}, {3000}, {}}, elementwise_chain, [](X& x) { make_positive(x[2]); }},
  };
  for (const ThresholdCase& row : rows) {
    SCOPED_TRACE(row.name);
    const GradcheckCase c{row.name, row.shapes, row.f, {}, row.prepare};
    const X xs = make_inputs(c);
    const std::vector<double> one = gradients(row.f, xs, 1);
    const std::vector<double> two = gradients(row.f, xs, 2);
    ASSERT_EQ(one.size(), two.size());
    double worst = 0;
    for (size_t i = 0; i < one.size(); ++i) {
      worst = std::max(worst, std::abs(one[i] - two[i]) / (1e-12 + std::abs(one[i])));
    }
    // Only the order of a sum may differ between the two (the convolutions' partial dW).
    EXPECT_LT(worst, 1e-9) << "gradients differ between one and two threads";
  }
}

}  // namespace
}  // namespace attn::testing
