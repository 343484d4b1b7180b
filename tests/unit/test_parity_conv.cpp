// PyTorch parity of Conv2d and the pooling layers: the fixtures in tests/data/parity/
// {conv2d, conv2d_stride_pad, maxpool2d, avgpool2d}.json were written by
// tests/fixtures/make_conv_fixtures.py (torch 1.13; outputs and gradients in float64 from
// float32 inputs). The same inputs run here in float32 through the layers (the modules, so
// their options are exercised too); each test states its tolerance
// (|a - b| <= atol + rtol |b|) and a failure prints the worst difference.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "layers/conv2d.h"
#include "layers/pooling.h"

namespace attn {
namespace {

using nlohmann::json;
using testing::AllClose;
using testing::has_tensor;
using testing::load_parity;
using testing::tensor_of;
nn::Size2 size2_of(const json& c, const std::string& key) {
  return {c.at(key).at(0).get<int64_t>(), c.at(key).at(1).get<int64_t>()};
}

// Every case of a conv fixture through nn::Conv2d with the case's weights.
void check_conv_fixture(const std::string& name) {
  // float32 sums of <= 75 products of numbers ~N(0, 1) x N(0, 0.09) against float64 truth:
  // rtol 1e-4, atol 2e-5.
  const double rtol = 1e-4, atol = 2e-5;
  const json fixture = load_parity(name);
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(name + "/" + c.at("name").get<std::string>());
    const Tensor W = tensor_of(c, "weight");
    const bool bias = has_tensor(c, "bias");
    nn::Conv2d conv(nn::Conv2dOptions(W.size(1), W.size(0), {W.size(2), W.size(3)})
                        .stride(size2_of(c, "stride"))
                        .padding(size2_of(c, "padding"))
                        .bias(bias));
    conv.weight.copy_(W);
    if (bias) conv.bias.copy_(tensor_of(c, "bias"));
    Tensor x = tensor_of(c, "x", true);
    Tensor y = conv(x);
    ASSERT_EQ(y.shape(), tensor_of(c, "y").shape());
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), rtol, atol)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), rtol, atol)) << "grad x";
    EXPECT_TRUE(AllClose(conv.weight.grad(), tensor_of(c, "grad_weight"), rtol, atol))
        << "grad weight";
    if (bias) {
      EXPECT_TRUE(AllClose(conv.bias.grad(), tensor_of(c, "grad_bias"), rtol, atol)) << "grad bias";
    }
  }
}

TEST(ParityConv, Conv2dMatchesPyTorch) {
  check_conv_fixture("conv2d");
}

TEST(ParityConv, Conv2dStridePaddingMatchesPyTorch) {
  check_conv_fixture("conv2d_stride_pad");
}

TEST(ParityConv, MaxPool2dMatchesPyTorchTiesIncluded) {
  // A max copies a number and its gradient is routed, not computed: exact (0, 0) would hold
  // but for float32 rounding of the stored grad_out, so rtol 1e-6, atol 1e-7. The cases of
  // whole numbers are full of ties: they pass only if the first maximum is the one chosen,
  // as in PyTorch.
  const json fixture = load_parity("maxpool2d");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    nn::MaxPool2d pool(nn::MaxPool2dOptions(size2_of(c, "kernel"))
                           .stride(size2_of(c, "stride"))
                           .padding(size2_of(c, "padding")));
    Tensor x = tensor_of(c, "x", true);
    Tensor y = pool(x);
    ASSERT_EQ(y.shape(), tensor_of(c, "y").shape());
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-6, 1e-7)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-6, 1e-7)) << "grad x";
  }
}

TEST(ParityConv, AvgPool2dAndAdaptiveMatchPyTorch) {
  // Means of <= 35 float32 numbers and their spread-out gradients: rtol 1e-5, atol 1e-6.
  const json fixture = load_parity("avgpool2d");
  for (const json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    Tensor x = tensor_of(c, "x", true);
    Tensor y;
    if (c.at("kind") == "adaptive") {
      y = nn::AdaptiveAvgPool2d(size2_of(c, "output_size"))(x);
    } else {
      nn::AvgPool2d pool(nn::AvgPool2dOptions(size2_of(c, "kernel"))
                             .stride(size2_of(c, "stride"))
                             .padding(size2_of(c, "padding"))
                             .count_include_pad(c.at("count_include_pad").get<bool>()));
      y = pool(x);
    }
    ASSERT_EQ(y.shape(), tensor_of(c, "y").shape());
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-5, 1e-6)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-5, 1e-6)) << "grad x";
  }
}

}  // namespace
}  // namespace attn
