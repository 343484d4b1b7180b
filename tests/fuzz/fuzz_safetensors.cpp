// Fuzzes the safetensors reader and, through it, load_checkpoint into a small
// module (the shape and name checks that follow a successful read).
#include <string>

#include "autograd/autograd.h"
#include "fuzz/fuzz_target.h"
#include "layers/module.h"
#include "train/io/checkpoint.h"
#include "train/io/safetensors.h"

namespace {

// Two tensors, as the seed corpus files hold them: "w" [2, 3] and "b" [3].
struct Small : attn::nn::Module {
  attn::Tensor w = attn::Tensor::zeros({2, 3});
  attn::Tensor b = attn::Tensor::zeros({3});
  Small() : attn::nn::Module("Small") {
    register_parameter("w", w);
    register_parameter("b", b);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = attn::fuzz::as_file({data, size}, "fuzz.safetensors");
  attn::fuzz::expect_clean([&] {
    attn::train::Metadata meta;
    const auto tensors = attn::train::load_safetensors(path, &meta);
    for (const auto& [name, t] : tensors) (void)t.numel();
  });
  static Small model;
  attn::fuzz::expect_clean([&] { attn::train::load_checkpoint(model, path); });
  return 0;
}
