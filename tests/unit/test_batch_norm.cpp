// BatchNorm2d: PyTorch parity in training and evaluation (outputs, gradients, running
// statistics), the fused op against the composed reference, and the state dict's names.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "autograd/error.h"
#include "helpers/all_close.h"
#include "layers/batch_norm.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;

Tensor tensor_of(const json& c, const std::string& key, bool requires_grad = false) {
  const json& t = c.at("tensors").at(key);
  std::vector<real> data;
  for (double v : t.at("data")) data.push_back(static_cast<real>(v));
  return Tensor::from_vector(data, t.at("shape").get<Shape>(), requires_grad);
}

TEST(BatchNorm2d, MatchesPyTorchInTrainingAndEvaluation) {
  const std::string path = std::string(ATTN_TEST_DATA_DIR) + "/parity/batch_norm2d.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << " (run tests/fixtures/make_batchnorm_fixtures.py)";
  const json fixture = json::parse(in);
  ASSERT_EQ(fixture.at("cases").size(), 3u);
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const bool affine = c.at("affine");
    const int64_t C = tensor_of(c, "running_mean_0").numel();
    nn::BatchNorm2d bn(nn::BatchNorm2dOptions(C)
                           .momentum(c.at("momentum").get<double>())
                           .eps(c.at("eps").get<double>())
                           .affine(affine));
    bn.running_mean.copy_(tensor_of(c, "running_mean_0"));
    bn.running_var.copy_(tensor_of(c, "running_var_0"));
    if (affine) {
      bn.weight.copy_(tensor_of(c, "weight"));
      bn.bias.copy_(tensor_of(c, "bias"));
    }
    // A float32 standard deviation divides: rtol 1e-4, atol 1e-5 as LayerNorm's parity.
    for (const std::string tag : {"train1", "train2", "eval"}) {
      SCOPED_TRACE(tag);
      bn.train(tag != "eval");
      bn.zero_grad();
      Tensor x = tensor_of(c, "x_" + tag, true);
      Tensor y = bn(x);
      EXPECT_TRUE(AllClose(y, tensor_of(c, "y_" + tag), 1e-4, 1e-5)) << "y";
      EXPECT_TRUE(AllClose(bn.running_mean, tensor_of(c, "running_mean_" + tag), 1e-5, 1e-6));
      EXPECT_TRUE(AllClose(bn.running_var, tensor_of(c, "running_var_" + tag), 1e-5, 1e-6));
      if (!c.at("tensors").contains("grad_out_" + tag)) continue;
      y.backward(tensor_of(c, "grad_out_" + tag));
      EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x_" + tag), 1e-4, 1e-5)) << "grad x";
      if (affine) {
        EXPECT_TRUE(AllClose(bn.weight.grad(), tensor_of(c, "grad_weight_" + tag), 1e-4, 1e-5));
        EXPECT_TRUE(AllClose(bn.bias.grad(), tensor_of(c, "grad_bias_" + tag), 1e-4, 1e-4));
      }
    }
    EXPECT_EQ(bn.num_batches_tracked.item(), c.at("num_batches_tracked").get<real>());
  }
}

// The fused op and the composed reference: same values, gradients and running stats.
TEST(BatchNorm2d, FusedEqualsComposed) {
  for (const bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "evaluation");
    manual_seed(5);
    Tensor x = Tensor::randn({3, 4, 5, 2}, true), w = Tensor::randn({4}, true),
           b = Tensor::randn({4}, true), gy = Tensor::randn({3, 4, 5, 2});
    Tensor rm0 = Tensor::randn({4}), rv0 = Tensor::rand({4}) + real(0.5);
    std::vector<std::vector<real>> got[2];
    for (int fused = 0; fused < 2; ++fused) {
      x.zero_grad(), w.zero_grad(), b.zero_grad();
      Tensor rm = rm0.clone().detach(), rv = rv0.clone().detach();
      Tensor y = fused ? nn::batch_norm2d(x, rm, rv, w, b, training, 0.1, 1e-5)
                       : nn::batch_norm2d_composed(x, rm, rv, w, b, training, 0.1, 1e-5);
      y.backward(gy);
      got[fused] = {y.to_vector(),        x.grad().to_vector(), w.grad().to_vector(),
                    b.grad().to_vector(), rm.to_vector(),       rv.to_vector()};
    }
    for (size_t k = 0; k < 6; ++k)
      for (size_t i = 0; i < got[0][k].size(); ++i)
        ASSERT_NEAR(got[1][k][i], got[0][k][i], 2e-5) << "tensor " << k << " element " << i;
  }
}

TEST(BatchNorm2d, StateDictHasPyTorchsNamesAndEvalChangesNothing) {
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(3));
  std::vector<std::string> names;
  for (const auto& [n, t] : bn.state_dict()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                             "num_batches_tracked"}));
  EXPECT_EQ(bn.parameters().size(), 2u);
  bn.eval();
  const Tensor y = bn(Tensor::randn({2, 3, 2, 2}));
  EXPECT_EQ(bn.running_mean.to_vector(), (std::vector<real>{0, 0, 0}));
  EXPECT_EQ(bn.num_batches_tracked.item(), real(0));
  EXPECT_THROW(bn(Tensor::randn({2, 4, 2, 2})), Error);
  bn.train();
  EXPECT_THROW(bn(Tensor::randn({1, 3, 1, 1})), Error);  // one value per channel
}

}  // namespace
}  // namespace attn
