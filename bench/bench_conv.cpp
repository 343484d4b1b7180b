// Convolution and pooling speed: forward + backward, in ms per iteration, of the layers that
// the model benchmark (bench_models.cpp) trains (float32):
//   captioner_cnn  3 x (Conv3x3 pad 1, ReLU, MaxPool2), channels 3-32-64-128, [32, 3, 64, 64]
//   sagan_convs    Conv3x3(3, 64) pad 1, ReLU, Conv3x3(64, 3) pad 1, [16, 3, 32, 32]
// and each conv of them alone (block = conv + relu + pool), and the two convolutions a
// SAGAN's discriminator and generator change resolution with:
//   conv4x4_s2            Conv2d 4x4 stride 2 padding 1 (halves the image)
//   conv_transpose4x4_s2  ConvTranspose2d 4x4 stride 2 padding 1 (doubles it) The images are data
//   (no gradient),
// as in training; everything after them needs one. The peer is PyTorch running the same
// layers: bench/torch_conv_peer.py THREADS prints the same rows.
//
//   ATTN_THREADS=1 build/bin/bench_conv
//   /usr/bin/python3 bench/torch_conv_peer.py 1 ISA    (ISA: the attn_isa line printed here)
//
// Threads: ATTN_THREADS=N or --threads=N (0 or unset: the library's default).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/parallel.h"
#include "autograd/simd/vec.h"
#include "layers/conv2d.h"
#include "layers/conv_transpose2d.h"
#include "layers/pooling.h"

namespace {

using attn::Tensor;
namespace nn = attn::nn;

// One step: forward, then backward of sum(output) (the upstream gradient is all ones).
template <typename F>
void time_step(benchmark::State& state, F forward) {
  for (auto _ : state) {
    Tensor y = forward();
    y.sum().backward();
    benchmark::DoNotOptimize(y.data());
  }
}

void BM_captioner_cnn(benchmark::State& state) {
  attn::manual_seed(1);
  nn::Conv2d c1(nn::Conv2dOptions(3, 32, 3).padding(1)),
      c2(nn::Conv2dOptions(32, 64, 3).padding(1)), c3(nn::Conv2dOptions(64, 128, 3).padding(1));
  Tensor x = Tensor::randn({32, 3, 64, 64});
  time_step(state, [&] {
    Tensor h = nn::max_pool2d(c1(x).relu(), 2);
    h = nn::max_pool2d(c2(h).relu(), 2);
    return nn::max_pool2d(c3(h).relu(), 2);  // [32, 128, 8, 8]
  });
}

void BM_sagan_convs(benchmark::State& state) {
  attn::manual_seed(2);
  nn::Conv2d c1(nn::Conv2dOptions(3, 64, 3).padding(1)), c2(nn::Conv2dOptions(64, 3, 3).padding(1));
  Tensor x = Tensor::randn({16, 3, 32, 32});
  time_step(state, [&] { return c2(c1(x).relu()); });
}

// One conv + relu + pool block of the captioner: args {B, C_in, C_out, H, input needs grad}.
void BM_captioner_block(benchmark::State& state) {
  attn::manual_seed(3);
  const int64_t B = state.range(0), C = state.range(1), O = state.range(2), H = state.range(3);
  nn::Conv2d conv(nn::Conv2dOptions(C, O, 3).padding(1));
  Tensor x = Tensor::randn({B, C, H, H}, state.range(4) != 0);
  time_step(state, [&] { return nn::max_pool2d(conv(x).relu(), 2); });
}

// One conv alone: args {B, C_in, C_out, H, input needs grad}.
void BM_conv3x3(benchmark::State& state) {
  attn::manual_seed(4);
  const int64_t B = state.range(0), C = state.range(1), O = state.range(2), H = state.range(3);
  nn::Conv2d conv(nn::Conv2dOptions(C, O, 3).padding(1));
  Tensor x = Tensor::randn({B, C, H, H}, state.range(4) != 0);
  time_step(state, [&] { return conv(x); });
}

// The discriminator's way down: args {B, C_in, C_out, H, input needs grad}.
void BM_conv4x4_s2(benchmark::State& state) {
  attn::manual_seed(5);
  const int64_t B = state.range(0), C = state.range(1), O = state.range(2), H = state.range(3);
  nn::Conv2d conv(nn::Conv2dOptions(C, O, 4).stride(2).padding(1));
  Tensor x = Tensor::randn({B, C, H, H}, state.range(4) != 0);
  time_step(state, [&] { return conv(x); });
}

// The generator's way up: args {B, C_in, C_out, H, input needs grad}.
void BM_conv_transpose4x4_s2(benchmark::State& state) {
  attn::manual_seed(6);
  const int64_t B = state.range(0), C = state.range(1), O = state.range(2), H = state.range(3);
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(C, O, 4).stride(2).padding(1));
  Tensor x = Tensor::randn({B, C, H, H}, state.range(4) != 0);
  time_step(state, [&] { return up(x); });
}

BENCHMARK(BM_captioner_cnn)->Name("captioner_cnn")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_sagan_convs)->Name("sagan_convs")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_captioner_block)
    ->Name("captioner_block")
    ->Args({32, 3, 32, 64, 0})
    ->Args({32, 32, 64, 32, 1})
    ->Args({32, 64, 128, 16, 1})
    ->ArgNames({"B", "Cin", "Cout", "H", "dx"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_conv3x3)
    ->Name("conv3x3")
    ->Args({16, 3, 64, 32, 0})
    ->Args({16, 64, 3, 32, 1})
    ->ArgNames({"B", "Cin", "Cout", "H", "dx"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_conv4x4_s2)
    ->Name("conv4x4_s2")
    ->Args({16, 64, 128, 14, 1})
    ->ArgNames({"B", "Cin", "Cout", "H", "dx"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_conv_transpose4x4_s2)
    ->Name("conv_transpose4x4_s2")
    ->Args({16, 128, 64, 7, 1})
    ->ArgNames({"B", "Cin", "Cout", "H", "dx"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Threads from --threads=N (removed from argv before Google Benchmark parses it) or
// ATTN_THREADS; 0 keeps the library's default.
int thread_request(int* argc, char** argv) {
  int n = 0;
  if (const char* e = std::getenv("ATTN_THREADS")) n = std::atoi(e);
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      n = std::atoi(argv[i] + 10);
    else
      argv[out++] = argv[i];
  }
  *argc = out;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (const int threads = thread_request(&argc, argv); threads > 0) attn::set_num_threads(threads);
  benchmark::AddCustomContext("attn_threads", std::to_string(attn::get_num_threads()));
  benchmark::AddCustomContext("attn_isa", attn::simd::isa_name());  // the peer's ISA argument
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
