// Where a second thread starts to pay, op by op: each op that can split its work over threads
// (autograd/parallel.h) timed forward + backward on 1 and on 2 threads at growing sizes. The
// size where the 2-thread time drops clearly below the 1-thread time is the op's
// kMinWorkForThreads (its source file names the unit of work); docs/benchmarks.md ("Threads")
// keeps the table.
//
//   build/bin/bench_threads --benchmark_filter=layer_norm
//   build/bin/bench_threads --benchmark_format=csv > threads.csv
//
// Each in two regimes: "warm", steps back to back (the worker still spinning from the last
// job), and "cold", after a pause longer than the worker's spin (it is asleep when the op
// starts, as between the sparse ops of a small model). The thresholds follow the cold one.
// Also the pool's own cost: an empty job of 2 tasks, warm and cold.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/parallel.h"
#include "autograd/simd/gemm.h"
#include "layers/additive_attention.h"
#include "layers/batch_norm.h"
#include "layers/layer_norm.h"
#include "layers/losses.h"
#include "layers/pooling.h"
#include "layers/scaled_dot_product.h"

namespace {

using attn::Tensor;
namespace nn = attn::nn;

// One case: a name, the work per item in the op's own unit, and a maker that, given the
// number of items, builds the inputs and returns one forward + backward.
struct Case {
  const char* name;
  int64_t per_item;
  std::function<std::function<void()>(int64_t items)> make;
};

std::function<void()> step(std::function<Tensor()> forward) {
  return [forward] {
    Tensor y = forward();
    y.sum().backward();
    benchmark::DoNotOptimize(y.data());
  };
}

std::vector<Case> cases() {
  return {
      // rows of 256: layer_norm.cpp's unit is elements
      {"layer_norm", 256,
       [](int64_t m) {
         Tensor x = Tensor::randn({m, 256}, true), w = Tensor::ones({256}, true),
                b = Tensor::zeros({256}, true);
         return step([=] { return nn::layer_norm(x, {256}, w, b); });
       }},
      // element-wise: parallel.h's kMinElementsForThreads counts elements
      {"relu", 1,
       [](int64_t n) {
         Tensor x = Tensor::randn({n}, true);
         return step([=] { return attn::relu(x); });
       }},
      // 16 channels of a batch of 4 maps: batch_norm.cpp splits channels, its unit is elements
      {"batch_norm2d", 1,
       [](int64_t n) {
         const int64_t side = std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(n / 64.0)));
         Tensor x = Tensor::randn({4, 16, side, side}, true), w = Tensor::ones({16}, true),
                b = Tensor::zeros({16}, true), mean = Tensor::zeros({16}), var = Tensor::ones({16});
         return step([=] { return nn::batch_norm2d(x, mean, var, w, b, true); });
       }},
      // rows of 512 classes: losses.cpp's unit is logits
      {"cross_entropy", 512,
       [](int64_t n) {
         Tensor x = Tensor::randn({n, 512}, true);
         std::vector<attn::real> t(n);
         for (int64_t i = 0; i < n; ++i) t[i] = static_cast<attn::real>((i * 37) % 512);
         Tensor targets = Tensor::from_vector(t, {n});
         return step([=] { return nn::cross_entropy(x, targets); });
       }},
      // query rows over 128 keys, d = 16: scaled_dot_product.cpp's unit is scores
      {"attention_softmax", 128,
       [](int64_t t) {
         Tensor q = Tensor::randn({1, 1, t, 16}, true), k = Tensor::randn({1, 1, 128, 16}, true),
                v = Tensor::randn({1, 1, 128, 16}, true);
         return step([=] { return nn::scaled_dot_product_attention(q, k, v).output; });
       }},
      // batch rows over S = 16 keys, A = 64: additive_attention.cpp's unit is B S A
      {"additive_attention", 16 * 64,
       [](int64_t b) {
         Tensor ws = Tensor::randn({b, 64}, true), uh = Tensor::randn({b, 16, 64}, true),
                v = Tensor::randn({64}, true), keys = Tensor::randn({b, 16, 32}, true);
         return step([=] { return nn::additive_attention_fused(ws, uh, v, keys).output; });
       }},
      // planes of 16 x 16, 2 x 2 windows: pooling.cpp's unit is window reads
      {"max_pool2d", 256,
       [](int64_t p) {
         Tensor x = Tensor::randn({1, p, 16, 16}, true);
         return step([=] { return nn::max_pool2d(x, 2); });
       }},
      // a square product n x n x n (items = n): gemm.cpp's unit is multiply-adds
      {"gemm", 1,
       [](int64_t n) {
         std::vector<float> a(n * n, 1.0f), b(n * n, 0.5f), c(n * n);
         return std::function<void()>([=]() mutable {
           attn::simd::gemm<float>(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                                   c.data(), n);
           benchmark::DoNotOptimize(c.data());
         });
       }},
  };
}

void register_cases() {
  for (const Case& c : cases()) {
    const bool gemm = std::string(c.name) == "gemm";
    // Work from 2^11 to 2^20 units (GEMM: n from 32 to 256).
    std::vector<int64_t> sizes;
    if (gemm)
      sizes = {32, 48, 64, 96, 128, 160, 192, 256};
    else
      for (int64_t w = int64_t{1} << 11; w <= (int64_t{1} << 20); w *= 2)
        sizes.push_back(std::max<int64_t>(2, w / c.per_item));
    for (int64_t items : sizes)
      for (const bool cold : {false, true})
        for (int threads : {1, 2}) {
          const int64_t work = gemm ? items * items * items : items * c.per_item;
          const std::string name = std::string(c.name) + (cold ? "/cold" : "/warm") +
                                   "/work:" + std::to_string(work) +
                                   "/threads:" + std::to_string(threads);
          auto make = c.make;
          benchmark::RegisterBenchmark(name.c_str(), [make, items, threads,
                                                      cold](benchmark::State& s) {
            attn::manual_seed(1);
            std::function<void()> run = make(items);
            attn::set_num_threads(threads);
            run();  // warm: the pool started, the buffers cached
            for (auto _ : s) {
              if (cold) {  // the worker asleep when the op starts, as between sparse ops
                s.PauseTiming();
                std::this_thread::sleep_for(std::chrono::microseconds(300));
                s.ResumeTiming();
              }
              run();
            }
            attn::set_num_threads(1);
          })->Unit(benchmark::kMicrosecond);
        }
  }
}

// The pool's cost for a job of 2 empty tasks; `pause_us` between jobs (outside the timing).
void BM_empty_job(benchmark::State& s) {
  const auto pause = std::chrono::microseconds(s.range(0));
  attn::set_num_threads(2);
  attn::parallel_tasks(2, 2, [](int64_t) {});
  for (auto _ : s) {
    if (pause.count() > 0) {
      s.PauseTiming();
      std::this_thread::sleep_for(pause);
      s.ResumeTiming();
    }
    attn::parallel_tasks(2, 2, [](int64_t i) { benchmark::DoNotOptimize(i); });
  }
  attn::set_num_threads(1);
}
BENCHMARK(BM_empty_job)->Arg(0)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_cases();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
