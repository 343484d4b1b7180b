// Checkpoints of a Module: a round trip that keeps the model's (and the
// optimizer's) tensor handles, a file written by PyTorch
// (tests/data/interop/torch_linear.safetensors, from
// tests/fixtures/safetensors_interop.py) loaded into the same network built
// here, and the strict load's errors: wrong shape, missing, unexpected.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "helpers/all_close.h"
#include "helpers/errors.h"
#include "helpers/fixtures.h"
#include "helpers/temp_dir.h"
#include "layers/module.h"
#include "train/io/checkpoint.h"
#include "train/optim/adam.h"

namespace attn {
namespace {

namespace fs = std::filesystem;
using testing::AllClose;
using testing::error_of;
using testing::TempDir;

// y = x W^T + b, PyTorch's nn.Linear layout: W is [out, in].
struct TestLinear : nn::Module {
  Tensor weight, bias;
  TestLinear(int64_t in, int64_t out)
      : nn::Module("TestLinear"), weight(Tensor::randn({out, in})), bias(Tensor::randn({out})) {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
};

// The C++ twin of TinyNet in safetensors_interop.py: y = fc2(tanh(fc1(x))) * scale.
// The switches make the near misses that a strict load must refuse.
struct TinyNet : nn::Module {
  TestLinear fc1, fc2;
  Tensor scale = Tensor::randn({2});
  Tensor extra = Tensor::randn({3});
  explicit TinyNet(int64_t in = 3, bool with_scale = true, bool with_extra = false)
      : nn::Module("TinyNet"), fc1(in, 4), fc2(4, 2) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    if (with_scale) register_buffer("scale", scale);
    if (with_extra) register_parameter("extra", extra);
  }
  // By loops, so that this test needs no matmul: the layout is what is tested.
  std::vector<double> forward(const std::vector<double>& x, int64_t rows) const {
    std::vector<double> out;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> h(4);
      for (int64_t j = 0; j < 4; ++j) {
        double s = fc1.bias.at({j});
        for (int64_t k = 0; k < 3; ++k) s += fc1.weight.at({j, k}) * x[r * 3 + k];
        h[j] = std::tanh(s);
      }
      for (int64_t j = 0; j < 2; ++j) {
        double s = fc2.bias.at({j});
        for (int64_t k = 0; k < 4; ++k) s += fc2.weight.at({j, k}) * h[k];
        out.push_back(s * scale.at({j}));
      }
    }
    return out;
  }
};

// One directory for the whole test program, removed when it ends.
const fs::path& temp_dir() {
  static const TempDir dir;
  return dir.path;
}

fs::path temp_path(const std::string& name) {
  return temp_dir() / ("attn_ckpt_" + name + ".safetensors");
}

TEST(Checkpoint, RoundTripCopiesIntoTheExistingTensors) {
  const fs::path p = temp_path("round_trip");
  TinyNet a, b;
  train::save_checkpoint(a, p, {{"step", "42"}});
  const Tensor handle = b.fc1.weight;  // e.g. what an optimizer holds
  optim::Adam opt(b.parameters(), {.lr = 1e-3});
  const train::Metadata meta = train::load_checkpoint(b, p);
  EXPECT_EQ(meta.at("step"), "42");
  const auto sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    SCOPED_TRACE(sa[i].first);
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(AllClose(sb[i].second, sa[i].second, 0, 0));
  }
  EXPECT_EQ(handle.impl(), b.fc1.weight.impl());  // the same tensor, new values
  EXPECT_TRUE(AllClose(handle, a.fc1.weight, 0, 0));
  EXPECT_TRUE(AllClose(opt.parameters()[0], a.fc1.weight, 0, 0));
  EXPECT_TRUE(b.fc1.weight.requires_grad());
  EXPECT_TRUE(b.fc1.weight.is_leaf());
}

// A file written by PyTorch (by hand, in the format) loads into the same
// network built here, and gives PyTorch's output. It is then saved back, to
// the path that `safetensors_interop.py check` reads.
TEST(Checkpoint, LoadsAFileWrittenByPyTorch) {
  const std::string dir = std::string(ATTN_TEST_DATA_DIR) + "/interop/";
  const auto fx = testing::read_test_json("interop/torch_linear.json");
  TinyNet net;
  const train::Metadata meta = train::load_checkpoint(net, dir + "torch_linear.safetensors");
  EXPECT_EQ(meta.at("source").rfind("torch ", 0), 0u);
  for (const auto& [name, t] : net.state_dict()) {
    SCOPED_TRACE(name);
    const auto& e = fx["state_dict"].at(name);
    EXPECT_EQ(t.shape(), e["shape"].get<Shape>());
    std::vector<real> expected;
    for (double v : e["values"]) expected.push_back(static_cast<real>(v));
    EXPECT_TRUE(AllClose(t.to_vector(), expected, 0, 0));  // float32 bits as written
  }
  const auto x = fx["input"]["values"].get<std::vector<double>>();
  const auto y = fx["output"]["values"].get<std::vector<double>>();
  const std::vector<double> ours = net.forward(x, fx["input"]["shape"][0].get<int64_t>());
  ASSERT_EQ(ours.size(), y.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(ours[i], y[i], 1e-5 * (1 + std::abs(y[i])));

  // ATTN_INTEROP_OUT=path keeps a copy for `safetensors_interop.py check path`.
  const char* keep = std::getenv("ATTN_INTEROP_OUT");
  const fs::path back = keep ? fs::path(keep) : temp_dir() / "for_torch.safetensors";
  train::save_checkpoint(net, back, {{"source", "attnlab"}});
  TinyNet again;
  train::load_checkpoint(again, back);
  EXPECT_TRUE(AllClose(again.fc2.weight, net.fc2.weight, 0, 0));
}

TEST(Checkpoint, WrongShapeNamesTheTensorAndBothShapes) {
  const fs::path p = temp_path("wrong_shape");
  TinyNet saved;
  train::save_checkpoint(saved, p);
  TinyNet wider(/*in=*/5);
  const std::vector<real> before = wider.fc1.bias.to_vector();
  const std::string msg = error_of([&] { train::load_checkpoint(wider, p); });
  EXPECT_NE(msg.find("checkpoint " + p.string() +
                     " does not fit this model: 'fc1.weight' has shape [4,3] in the file, the "
                     "model expects [4,5]"),
            std::string::npos)
      << msg;
  // Nothing was loaded, not even the tensors that did fit.
  EXPECT_TRUE(AllClose(wider.fc1.bias.to_vector(), before, 0, 0));
}

TEST(Checkpoint, MissingTensorIsNamed) {
  const fs::path p = temp_path("missing");
  TinyNet saved;
  train::save_checkpoint(saved, p);
  TinyNet more(3, true, /*with_extra=*/true);
  const std::string msg = error_of([&] { train::load_checkpoint(more, p); });
  EXPECT_NE(msg.find("'extra' (shape [3]) is missing from the file"), std::string::npos) << msg;
}

TEST(Checkpoint, UnexpectedTensorsAreListed) {
  const fs::path p = temp_path("unexpected");
  TinyNet saved(3, true, /*with_extra=*/true);
  train::save_checkpoint(saved, p);
  TinyNet fewer(3, /*with_scale=*/false);
  const std::string msg = error_of([&] { train::load_checkpoint(fewer, p); });
  EXPECT_NE(msg.find("the file has tensors the model does not: 'extra', 'scale'"),
            std::string::npos)
      << msg;
}

TEST(Checkpoint, EveryProblemIsReportedAtOnce) {
  const fs::path p = temp_path("all_problems");
  TinyNet saved(3, /*with_scale=*/true);
  train::save_checkpoint(saved, p);
  TinyNet other(5, /*with_scale=*/false, /*with_extra=*/true);
  const std::string msg = error_of([&] { train::load_checkpoint(other, p); });
  for (const char* part :
       {"'fc1.weight' has shape [4,3]", "'extra' (shape [3]) is missing", "does not: 'scale'"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
}

TEST(Checkpoint, ACorruptFileIsAnErrorNotACrash) {
  const fs::path p = temp_path("corrupt");
  std::ofstream(p, std::ios::binary) << "not a checkpoint";
  TinyNet net;
  EXPECT_THROW(train::load_checkpoint(net, p), Error);
}

}  // namespace
}  // namespace attn
