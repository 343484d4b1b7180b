// The first layers: PyTorch's parameter names and shapes, default init,
// forward against a hand computation, train/eval, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "layers/activation_modules.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/flatten.h"
#include "layers/init.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/sequential.h"

namespace attn {
namespace {

using testing::AllClose;
using testing::error_of;

std::vector<std::string> names_of(const nn::NamedTensors& nt) {
  std::vector<std::string> out;
  for (auto& [n, _] : nt) out.push_back(n);
  return out;
}

// ---- init ----------------------------------------------------------------------------

TEST(Init, FansAsPyTorch) {
  EXPECT_EQ(nn::init::fans({8, 3}), (std::pair<int64_t, int64_t>{3, 8}));
  EXPECT_EQ(nn::init::fans({16, 3, 5, 5}), (std::pair<int64_t, int64_t>{75, 400}));
  EXPECT_THROW(nn::init::fans({4}), Error);
}

TEST(Init, KaimingAndXavierStayWithinTheirBounds) {
  manual_seed(1);
  Tensor w = Tensor::empty({64, 100});
  nn::init::kaiming_uniform_(w, std::sqrt(5.0));  // bound 1/sqrt(100) = 0.1
  real lo = 1, hi = -1;
  for (real v : w.to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, real(-0.1));
  EXPECT_LE(hi, real(0.1));
  EXPECT_LT(lo, real(-0.095));  // 6400 draws reach close to both ends
  EXPECT_GT(hi, real(0.095));
  nn::init::xavier_uniform_(w);  // bound sqrt(6 / 164) = 0.19127
  lo = 1, hi = -1;
  for (real v : w.to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, real(-0.19128));
  EXPECT_LE(hi, real(0.19128));
  EXPECT_GT(hi, real(0.18));
}

// ---- Linear --------------------------------------------------------------------------

TEST(Linear, NamesAndShapesAsPyTorch) {
  nn::Linear fc(nn::LinearOptions(4, 3));
  auto np = fc.named_parameters();
  ASSERT_EQ(names_of(np), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(np[0].second.shape(), (Shape{3, 4}));
  EXPECT_EQ(np[1].second.shape(), (Shape{3}));
  EXPECT_TRUE(np[0].second.requires_grad());
  EXPECT_EQ(fc.num_parameters(), 15);
  nn::Linear nb(nn::LinearOptions(4, 3).bias(false));
  EXPECT_EQ(names_of(nb.named_parameters()), (std::vector<std::string>{"weight"}));
  EXPECT_FALSE(nb.bias.defined());
}

TEST(Linear, DefaultInitIsUniformWithinOneOverSqrtFanIn) {
  manual_seed(5);
  nn::Linear fc(nn::LinearOptions(25, 400));
  const real bound = real(1) / real(5);
  real hi = 0;
  for (real v : fc.weight.to_vector()) {
    EXPECT_LE(std::abs(v), bound);
    hi = std::max(hi, std::abs(v));
  }
  EXPECT_GT(hi, real(0.19));
  for (real v : fc.bias.to_vector()) EXPECT_LE(std::abs(v), bound);
  manual_seed(5);
  nn::Linear again(nn::LinearOptions(25, 400));
  EXPECT_EQ(again.weight.to_vector(), fc.weight.to_vector());  // --seed repeats a run
}

TEST(Linear, ForwardIsXWTransposedPlusBOverLeadingDims) {
  nn::Linear fc(nn::LinearOptions(3, 2));
  fc.weight.copy_(Tensor::from_vector({1, 2, 3, -1, 0, 4}, {2, 3}));
  fc.bias.copy_(Tensor::from_vector({10, 20}, {2}));
  Tensor x = Tensor::from_vector({1, 1, 1, 0, 1, 2, 2, 0, -1, 1, -1, 1}, {2, 2, 3});
  Tensor y = fc(x);
  ASSERT_EQ(y.shape(), (Shape{2, 2, 2}));
  // row (1,1,1): 1+2+3+10 = 16, -1+0+4+20 = 23; (0,1,2): 8+10, 8+20; ...
  std::vector<real> expected;
  const real W[2][3] = {{1, 2, 3}, {-1, 0, 4}};
  const real b[2] = {10, 20};
  for (int r = 0; r < 4; ++r)
    for (int o = 0; o < 2; ++o) {
      real acc = b[o];
      for (int i = 0; i < 3; ++i) acc += x.data()[r * 3 + i] * W[o][i];
      expected.push_back(acc);
    }
  EXPECT_EQ(expected[0], 16);
  EXPECT_TRUE(AllClose(y.to_vector(), expected, 0, 1e-6));
}

TEST(Linear, GradientsReachWeightAndBias) {
  nn::Linear fc(nn::LinearOptions(3, 2));
  Tensor x = Tensor::ones({5, 3});
  fc(x).sum().backward();
  // dL/db = number of rows; dL/dW[o][i] = sum over rows of x[r][i] = 5.
  EXPECT_TRUE(AllClose(fc.bias.grad(), Tensor::full({2}, 5), 0, 1e-6));
  EXPECT_TRUE(AllClose(fc.weight.grad(), Tensor::full({2, 3}, 5), 0, 1e-6));
}

TEST(Linear, WrongInputSizeNamesBothShapes) {
  nn::Linear fc(nn::LinearOptions(4, 3));
  EXPECT_ERROR_HAS(fc(Tensor::zeros({2, 5})),
                   "input of shape [2,5] does not end in in_features = 4");
}

// ---- Embedding -----------------------------------------------------------------------

TEST(Embedding, NamesShapesAndNormalInit) {
  manual_seed(2);
  nn::Embedding emb(nn::EmbeddingOptions(100, 50));
  auto np = emb.named_parameters();
  ASSERT_EQ(names_of(np), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(np[0].second.shape(), (Shape{100, 50}));
  double mean = 0, sq = 0;
  for (real v : emb.weight.to_vector()) mean += v, sq += double(v) * v;
  mean /= 5000;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sq / 5000 - mean * mean, 1.0, 0.06);  // N(0, 1) as PyTorch
}

TEST(Embedding, LooksUpRowsForAnyIdShape) {
  nn::Embedding emb(nn::EmbeddingOptions(5, 2));
  Tensor ids = Tensor::from_vector({4, 0, 4, 2, 1, 3}, {2, 3});
  Tensor out = emb(ids);
  ASSERT_EQ(out.shape(), (Shape{2, 3, 2}));
  for (int p = 0; p < 6; ++p)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(out.data()[p * 2 + j], emb.weight.at({int64_t(ids.data()[p]), j}));
}

TEST(Embedding, PaddingRowStartsAtZeroAndGetsNoGradient) {
  nn::Embedding emb(nn::EmbeddingOptions(6, 3).padding_idx(0));
  for (int j = 0; j < 3; ++j) EXPECT_EQ(emb.weight.at({0, j}), 0);
  Tensor ids = Tensor::from_vector({0, 2, 2, 0, 5}, {5});
  emb(ids).sum().backward();
  Tensor g = emb.weight.grad();
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(g.at({0, j}), 0) << "padding row";
    EXPECT_EQ(g.at({2, j}), 2) << "a repeated id accumulates";
    EXPECT_EQ(g.at({5, j}), 1);
    EXPECT_EQ(g.at({1, j}), 0) << "an unused row";
  }
}

TEST(Embedding, NegativePaddingIdxCountsFromTheEnd) {
  nn::Embedding emb(nn::EmbeddingOptions(4, 2).padding_idx(-1));
  ASSERT_TRUE(emb.padding_idx.has_value());
  EXPECT_EQ(*emb.padding_idx, 3);
  EXPECT_EQ(emb.weight.at({3, 1}), 0);
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(4, 2).padding_idx(4)), Error);
}

TEST(Embedding, OutOfRangeIdNamesIdPositionAndVocabulary) {
  nn::Embedding emb(nn::EmbeddingOptions(10, 4));
  Tensor ids = Tensor::from_vector({1, 2, 3, 4, 12, 5}, {2, 3});
  const std::string msg = error_of([&] { emb(ids); });
  EXPECT_NE(msg.find("id 12"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position [1,1]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("vocabulary of 10"), std::string::npos) << msg;
  EXPECT_ERROR_HAS(emb(Tensor::from_vector({-1}, {1})), "id -1");
  EXPECT_ERROR_HAS(emb(Tensor::from_vector({1.5}, {1})), "id 1.5");
}

// ---- Dropout -------------------------------------------------------------------------

TEST(Dropout, TrainingKeepsTheMeanAndZeroesAboutP) {
  manual_seed(11);
  nn::Dropout drop(nn::DropoutOptions(0.3));
  EXPECT_TRUE(drop.is_training());
  Tensor x = Tensor::ones({100000});
  Tensor y = drop(x);
  int64_t zeros = 0;
  double mean = 0;
  for (real v : y.to_vector()) {
    if (v == 0)
      ++zeros;
    else
      EXPECT_NEAR(v, 1 / 0.7, 1e-6);  // survivors scaled by 1/(1-p)
    mean += v;
  }
  mean /= 100000;
  EXPECT_NEAR(double(zeros) / 100000, 0.3, 0.01);  // ~7 sigma
  EXPECT_NEAR(mean, 1.0, 0.015);                   // inverted dropout: E[y] = x
}

TEST(Dropout, EvalIsTheIdentityAndTrainComesBack) {
  nn::Dropout drop(nn::DropoutOptions(0.5));
  Tensor x = Tensor::randn({1000});
  drop.eval();
  EXPECT_FALSE(drop.is_training());
  EXPECT_EQ(drop(x).to_vector(), x.to_vector());
  drop.train();
  EXPECT_NE(drop(x).to_vector(), x.to_vector());
}

TEST(Dropout, BackwardUsesTheSameMask) {
  manual_seed(4);
  Tensor x = Tensor::randn({200}, true);
  Tensor y = nn::dropout(x, 0.4, true);
  y.sum().backward();
  for (int64_t i = 0; i < 200; ++i) {
    const real expected = y.data()[i] == 0 ? real(0) : real(1 / 0.6);
    EXPECT_NEAR(x.grad().data()[i], expected, 1e-6) << i;
  }
}

TEST(Dropout, ValidatesPAndHandlesTheEnds) {
  EXPECT_ERROR_HAS(nn::Dropout(nn::DropoutOptions(1.5)), "p = 1.5 is outside [0, 1]");
  EXPECT_ERROR_HAS(nn::dropout(Tensor::ones({3}), -0.1, true), "p = -0.1");
  Tensor x = Tensor::ones({50});
  for (real v : nn::dropout(x, 1.0, true).to_vector()) EXPECT_EQ(v, 0);
  EXPECT_EQ(nn::dropout(x, 0.0, true).to_vector(), x.to_vector());
}

// ---- LayerNorm -----------------------------------------------------------------------

TEST(LayerNorm, NamesShapesAndInit) {
  nn::LayerNorm ln(nn::LayerNormOptions({3, 4}));
  auto np = ln.named_parameters();
  ASSERT_EQ(names_of(np), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(np[0].second.shape(), (Shape{3, 4}));
  EXPECT_EQ(ln.weight.to_vector(), std::vector<real>(12, 1));
  EXPECT_EQ(ln.bias.to_vector(), std::vector<real>(12, 0));
  nn::LayerNorm plain(nn::LayerNormOptions({8}).elementwise_affine(false));
  EXPECT_TRUE(plain.named_parameters().empty());
}

TEST(LayerNorm, EachRowHasMeanZeroAndVarianceOne) {
  manual_seed(8);
  nn::LayerNorm ln(nn::LayerNormOptions({64}));
  Tensor x = Tensor::randn({5, 64}) * 3.0 + 7.0;
  Tensor y = ln(x);
  for (int r = 0; r < 5; ++r) {
    double m = 0, v = 0;
    for (int j = 0; j < 64; ++j) m += y.at({r, j});
    m /= 64;
    for (int j = 0; j < 64; ++j) v += (y.at({r, j}) - m) * (y.at({r, j}) - m);
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(v / 64, 1.0, 1e-4);  // var / (var + eps), eps = 1e-5 against var ~ 9
  }
}

// The fused op (hand-written backward) and the composed reference agree, in
// value and in every gradient. float: tolerance 1e-5 relative + 1e-5 absolute.
TEST(LayerNorm, FusedEqualsComposed) {
  for (const Shape& xs : {Shape{4, 16}, Shape{2, 3, 5, 7}}) {
    SCOPED_TRACE(shape_str(xs));
    const Shape S = xs.size() == 2 ? Shape{16} : Shape{5, 7};
    manual_seed(21);
    Tensor x = Tensor::randn(xs, true), w = Tensor::randn(S, true), b = Tensor::randn(S, true);
    Tensor gy = Tensor::randn(xs);
    auto run = [&](bool fused) {
      x.zero_grad(), w.zero_grad(), b.zero_grad();
      Tensor y =
          fused ? nn::layer_norm(x, S, w, b, 1e-5) : nn::layer_norm_composed(x, S, w, b, 1e-5);
      y.backward(gy);
      return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.grad()};
    };
    auto f = run(true), c = run(false);
    const char* what[] = {"y", "dx", "dweight", "dbias"};
    for (int k = 0; k < 4; ++k) EXPECT_TRUE(AllClose(f[k], c[k], 1e-5, 1e-5)) << what[k];
  }
}

TEST(LayerNorm, ShapeErrorsNameTheShapes) {
  nn::LayerNorm ln(nn::LayerNormOptions({8}));
  EXPECT_ERROR_HAS(ln(Tensor::zeros({2, 7})),
                   "input of shape [2,7] does not end in normalized_shape [8]");
  EXPECT_ERROR_HAS(nn::layer_norm(Tensor::zeros({2, 8}), {8}, Tensor::ones({4})),
                   "weight of shape [4] differs from normalized_shape [8]");
}

// ---- activations, Flatten, Sequential ------------------------------------------------

TEST(ActivationModules, AgreeWithTheOps) {
  Tensor x = Tensor::randn({4, 5});
  EXPECT_EQ(nn::ReLU()(x).to_vector(), relu(x).to_vector());
  EXPECT_EQ(nn::Tanh()(x).to_vector(), tanh(x).to_vector());
  EXPECT_EQ(nn::Sigmoid()(x).to_vector(), sigmoid(x).to_vector());
  EXPECT_EQ(nn::GELU()(x).to_vector(), gelu(x).to_vector());
  EXPECT_TRUE(nn::ReLU().named_parameters().empty());
}

TEST(Flatten, KeepsTheBatchDimensionByDefault) {
  Tensor x = Tensor::randn({2, 3, 4, 5});
  EXPECT_EQ(nn::Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(nn::FlattenOptions().start_dim(2))(x).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x).shape(), (Shape{6, 4, 5}));
}

TEST(Sequential, RegistersByPositionAsPyTorch) {
  nn::Sequential mlp(std::make_shared<nn::Linear>(nn::LinearOptions(2, 8)),
                     std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(nn::LinearOptions(8, 3)));
  EXPECT_EQ(mlp.size(), 3u);
  auto np = mlp.named_parameters();
  ASSERT_EQ(names_of(np), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(np[0].second.shape(), (Shape{8, 2}));
  EXPECT_EQ(np[2].second.shape(), (Shape{3, 8}));
  EXPECT_EQ(mlp.num_parameters(), 2 * 8 + 8 + 8 * 3 + 3);
}

TEST(Sequential, ForwardChainsTheModules) {
  nn::Sequential mlp;
  mlp.push_back(std::make_shared<nn::Linear>(nn::LinearOptions(3, 4)));
  mlp.push_back(std::make_shared<nn::Tanh>());
  mlp.push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4, 2)));
  Tensor x = Tensor::randn({5, 3});
  auto& l0 = mlp.at<nn::Linear>(0);
  auto& l2 = mlp.at<nn::Linear>(2);
  Tensor expected = l2(tanh(l0(x)));
  EXPECT_EQ(mlp(x).to_vector(), expected.to_vector());
  EXPECT_ERROR_HAS(mlp.at<nn::Linear>(1), "module 1 is a Tanh");
  EXPECT_THROW(mlp[3], Error);
}

TEST(Sequential, TrainAndEvalReachEveryChild) {
  nn::Sequential net(std::make_shared<nn::Linear>(nn::LinearOptions(4, 4)),
                     std::make_shared<nn::Dropout>(nn::DropoutOptions(0.5)));
  net.eval();
  EXPECT_FALSE(net[1].is_training());
  Tensor x = Tensor::randn({3, 4});
  EXPECT_EQ(net(x).to_vector(), net.at<nn::Linear>(0)(x).to_vector());  // dropout is off
  net.train();
  EXPECT_TRUE(net[0].is_training());
  EXPECT_TRUE(net[1].is_training());
}

}  // namespace
}  // namespace attn
