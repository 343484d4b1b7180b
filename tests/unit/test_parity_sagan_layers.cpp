// PyTorch parity of the layers SAGAN needs: LeakyReLU, ConvTranspose2d, nearest upsampling,
// spectral normalisation (SNConv2d, SNLinear) and the hinge losses. The fixture
// tests/data/parity/sagan_layers.json was written by tests/fixtures/make_sagan_layer_fixtures.py
// (torch 1.13; outputs and gradients in float64 from float32 inputs); the same inputs run
// here in float32 through the modules. Each test states its tolerance
// (|a - b| <= atol + rtol |b|).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/fixtures.h"
#include "layers/activation_modules.h"
#include "layers/conv_transpose2d.h"
#include "layers/losses.h"
#include "layers/spectral_norm.h"
#include "layers/upsample.h"

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

// Calls check(case) for every case of the fixture of that kind; fails if there is none.
template <typename Check>
void for_each_case(const std::string& kind, Check check) {
  const json fixture = load_parity("sagan_layers");
  int seen = 0;
  for (const json& c : fixture.at("cases")) {
    if (c.at("kind") != kind) continue;
    SCOPED_TRACE(kind + "/" + c.at("name").get<std::string>());
    check(c);
    ++seen;
  }
  EXPECT_GT(seen, 0) << "no " << kind << " case in sagan_layers.json";
}

TEST(ParitySaganLayers, LeakyReLUMatchesPyTorchZerosIncluded) {
  // One multiply per element: rtol 1e-6, atol 1e-7. The inputs hold exact zeros, where the
  // slope taken must be negative_slope, as PyTorch's.
  for_each_case("leaky_relu", [](const json& c) {
    nn::LeakyReLU act(c.at("negative_slope").get<double>());
    Tensor x = tensor_of(c, "x", true);
    Tensor y = act(x);
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-6, 1e-7)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-6, 1e-7)) << "grad x";
  });
}

TEST(ParitySaganLayers, ConvTranspose2dMatchesPyTorch) {
  // float32 sums of <= 100 products of N(0, 1) x N(0, 0.09) numbers against float64 truth:
  // rtol 1e-4, atol 2e-5 (as Conv2d's parity).
  const double rtol = 1e-4, atol = 2e-5;
  for_each_case("conv_transpose2d", [&](const json& c) {
    const Tensor W = tensor_of(c, "weight");
    const bool bias = has_tensor(c, "bias");
    nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(W.size(0), W.size(1), {W.size(2), W.size(3)})
                               .stride(size2_of(c, "stride"))
                               .padding(size2_of(c, "padding"))
                               .output_padding(size2_of(c, "output_padding"))
                               .bias(bias));
    up.weight.copy_(W);
    if (bias) up.bias.copy_(tensor_of(c, "bias"));
    Tensor x = tensor_of(c, "x", true);
    Tensor y = up(x);
    ASSERT_EQ(y.shape(), tensor_of(c, "y").shape());
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), rtol, atol)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), rtol, atol)) << "grad x";
    EXPECT_TRUE(AllClose(up.weight.grad(), tensor_of(c, "grad_weight"), rtol, atol))
        << "grad weight";
    if (bias) {
      EXPECT_TRUE(AllClose(up.bias.grad(), tensor_of(c, "grad_bias"), rtol, atol)) << "grad bias";
    }
  });
}

TEST(ParitySaganLayers, UpsampleNearestMatchesPyTorch) {
  // Copies forward, sums of s^2 <= 9 numbers backward: rtol 1e-6, atol 1e-6.
  for_each_case("upsample", [](const json& c) {
    nn::Upsample up(c.at("scale").get<int64_t>());
    Tensor x = tensor_of(c, "x", true);
    Tensor y = up(x);
    ASSERT_EQ(y.shape(), tensor_of(c, "y").shape());
    EXPECT_TRUE(AllClose(y, tensor_of(c, "y"), 1e-6, 1e-7)) << "y";
    y.backward(tensor_of(c, "grad_out"));
    EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x"), 1e-6, 1e-6)) << "grad x";
  });
}

// One spectral-norm case through a module (SNConv2d or SNLinear): weight_orig, bias, u and v
// loaded from the fixture; train forward 1 with its backward, then forwards 2 and 3, then an
// evaluation forward, each compared with PyTorch's u, v, sigma and weight.
template <typename SN>
void check_spectral_norm(SN& sn, const json& c) {
  // Power iteration and sigma: float32 dot products of <= 32 terms of unit vectors, and the
  // layer's outputs and gradients through them: rtol 1e-4, atol 1e-5.
  const double rtol = 1e-4, atol = 1e-5;
  sn.weight_orig.copy_(tensor_of(c, "weight_orig"));
  sn.bias.copy_(tensor_of(c, "bias"));
  sn.weight_u.copy_(tensor_of(c, "u_0"));
  sn.weight_v.copy_(tensor_of(c, "v_0"));
  auto expect_state = [&](const std::string& tag) {
    SCOPED_TRACE(tag);
    EXPECT_TRUE(AllClose(sn.weight_u, tensor_of(c, "u_" + tag), rtol, atol)) << "u";
    EXPECT_TRUE(AllClose(sn.weight_v, tensor_of(c, "v_" + tag), rtol, atol)) << "v";
    EXPECT_NEAR(sn.sigma(), tensor_of(c, "sigma_" + tag).item(),
                rtol * std::abs(tensor_of(c, "sigma_" + tag).item()))
        << "sigma";
    Tensor u = sn.weight_u.clone(), v = sn.weight_v.clone();  // the weight of those u, v
    const Tensor weight = nn::spectral_normalize(sn.weight_orig.detach(), u, v, false);
    EXPECT_TRUE(AllClose(weight, tensor_of(c, "weight_" + tag), rtol, atol)) << "weight";
  };
  sn.train();
  Tensor x = tensor_of(c, "x_train1", true);
  Tensor y = sn(x);
  EXPECT_TRUE(AllClose(y, tensor_of(c, "y_train1"), rtol, atol)) << "y train 1";
  y.backward(tensor_of(c, "grad_out_train1"));
  EXPECT_TRUE(AllClose(x.grad(), tensor_of(c, "grad_x_train1"), rtol, atol)) << "grad x";
  EXPECT_TRUE(AllClose(sn.weight_orig.grad(), tensor_of(c, "grad_weight_orig_train1"), rtol, atol))
      << "grad weight_orig";
  EXPECT_TRUE(AllClose(sn.bias.grad(), tensor_of(c, "grad_bias_train1"), rtol, atol))
      << "grad bias";
  expect_state("train1");
  // Forwards 2 and 3 (their inputs do not matter to u and v, so any will do).
  for (int step = 2; step <= 3; ++step) sn(tensor_of(c, "x_eval"));
  expect_state("train3");
  sn.eval();
  y = sn(tensor_of(c, "x_eval"));
  EXPECT_TRUE(AllClose(y, tensor_of(c, "y_eval"), rtol, atol)) << "y eval";
  expect_state("eval");  // evaluation moved neither u nor v
}

TEST(ParitySaganLayers, SpectralNormMatchesPyTorchInTrainingAndEvaluation) {
  for_each_case("spectral_norm", [](const json& c) {
    const Tensor W = tensor_of(c, "weight_orig");
    if (c.at("layer") == "conv2d") {
      nn::SNConv2d sn(nn::Conv2dOptions(W.size(1), W.size(0), {W.size(2), W.size(3)})
                          .stride(size2_of(c, "stride"))
                          .padding(size2_of(c, "padding")));
      check_spectral_norm(sn, c);
    } else {
      nn::SNLinear sn(nn::LinearOptions(W.size(1), W.size(0)));
      check_spectral_norm(sn, c);
    }
  });
}

TEST(ParitySaganLayers, HingeLossesMatchPyTorchOnTheKinksToo) {
  // Means of <= 6 numbers: rtol 1e-6, atol 1e-7. A score exactly on a kink (d_real = 1,
  // d_fake = -1) takes relu's slope 0 there, as PyTorch's.
  for_each_case("hinge", [](const json& c) {
    Tensor d_real = tensor_of(c, "d_real", true), d_fake = tensor_of(c, "d_fake", true);
    Tensor loss_d = nn::hinge_loss_discriminator(d_real, d_fake);
    EXPECT_NEAR(loss_d.item(), tensor_of(c, "loss_d").item(), 1e-6);
    loss_d.backward();
    EXPECT_TRUE(AllClose(d_real.grad(), tensor_of(c, "grad_d_real"), 1e-6, 1e-7));
    EXPECT_TRUE(AllClose(d_fake.grad(), tensor_of(c, "grad_d_fake_from_d"), 1e-6, 1e-7));
    d_fake.zero_grad();
    Tensor loss_g = nn::hinge_loss_generator(d_fake);
    EXPECT_NEAR(loss_g.item(), tensor_of(c, "loss_g").item(), 1e-6);
    loss_g.backward();
    EXPECT_TRUE(AllClose(d_fake.grad(), tensor_of(c, "grad_d_fake_from_g"), 1e-6, 1e-7));
  });
}

}  // namespace
}  // namespace attn
