// Matrix multiply speed: attn::simd::gemm against a CBLAS's cblas_sgemm in the same binary
// (when CMake found one that links: OpenBLAS, or another BLAS, whose rows are then named
// "cblas"), float32, row-major, C = A B, counter FLOPS = 2 M N K per iteration as a rate.
// Shapes: square n = 64..1024 and the ones the models use. bench/gemm_peer.py THREADS
// prints the same rows for NumPy (on its BLAS) and PyTorch.
//
// Threads: ATTN_THREADS=N (or --threads=N) sets ours and OpenBLAS's alike; without it each
// library keeps its default (OpenBLAS reads OPENBLAS_NUM_THREADS). For example
//   ATTN_THREADS=1 OPENBLAS_NUM_THREADS=1 build/bin/bench_gemm
//   ATTN_THREADS=2 OPENBLAS_NUM_THREADS=2 build/bin/bench_gemm --benchmark_filter=square
// The context printed first names our instruction set and blocks, the OpenBLAS kernel that
// ran (its core name: OPENBLAS_CORETYPE, if set, chooses it; only when the peer is OpenBLAS)
// and the clock: with one thread the CPU time of that thread, with more the wall clock.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "autograd/parallel.h"
#include "autograd/simd/gemm.h"
#include "autograd/simd/vec.h"

#ifdef ATTN_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using attn::simd::gemm;
using attn::simd::gemm_batched;

#ifdef ATTN_HAVE_OPENBLAS
constexpr const char* kPeer = "openblas";  // the rows' name for the peer
#else
constexpr const char* kPeer = "cblas";
#endif

std::vector<float> random_matrix(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& x : v) x = u(gen);
  return v;
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOPS"] = benchmark::Counter(flops_per_iteration * double(state.iterations()),
                                               benchmark::Counter::kIsRate);
}

// --- one product: args {M, N, K, trans_b} -----------------------------------------------
void BM_ours(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const bool tb = state.range(3) != 0;
  const auto A = random_matrix(M * K, 1), B = random_matrix(K * N, 2);
  std::vector<float> C(M * N);
  for (auto _ : state) {
    gemm<float>(false, tb, M, N, K, 1.f, A.data(), K, B.data(), tb ? K : N, 0.f, C.data(), N);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * M * N * K);
}

#ifdef ATTN_HAVE_CBLAS
void BM_cblas(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const bool tb = state.range(3) != 0;
  const auto A = random_matrix(M * K, 1), B = random_matrix(K * N, 2);
  std::vector<float> C(M * N);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, A.data(),
                K, B.data(), tb ? K : N, 0.f, C.data(), N);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * M * N * K);
}
#endif

// --- a batch of small products: args {batch, M, N, K, trans_b} ---------------------------
void BM_ours_batched(benchmark::State& state) {
  const int64_t batch = state.range(0), M = state.range(1), N = state.range(2), K = state.range(3);
  const bool tb = state.range(4) != 0;
  const auto A = random_matrix(batch * M * K, 1), B = random_matrix(batch * K * N, 2);
  std::vector<float> C(batch * M * N);
  for (auto _ : state) {
    gemm_batched<float>(batch, false, tb, M, N, K, 1.f, A.data(), K, M * K, B.data(), tb ? K : N,
                        K * N, 0.f, C.data(), N, M * N);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * batch * M * N * K);
}

#ifdef ATTN_HAVE_CBLAS
// CBLAS (and OpenBLAS 0.3.21) has no batched call: one cblas_sgemm per item, as a caller
// would write.
void BM_cblas_batched(benchmark::State& state) {
  const int64_t batch = state.range(0), M = state.range(1), N = state.range(2), K = state.range(3);
  const bool tb = state.range(4) != 0;
  const auto A = random_matrix(batch * M * K, 1), B = random_matrix(batch * K * N, 2);
  std::vector<float> C(batch * M * N);
  for (auto _ : state) {
    for (int64_t b = 0; b < batch; ++b)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f,
                  A.data() + b * M * K, K, B.data() + b * K * N, tb ? K : N, 0.f,
                  C.data() + b * M * N, N);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * batch * M * N * K);
}
#endif

void square_args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {64, 128, 256, 512, 1024}) b->Args({n, n, n, 0});
  b->ArgNames({"M", "N", "K", "transB"});
}

// [64*24 x 128] x [128 x 512]: seq2seq/self-attention feed-forward; [1536 x 512] x
// [512 x 128]: its way back; [32*64 x 128] x [128 x 384]: the Q, K, V projection, with the
// weight stored [out, in] as PyTorch does (transB = 1).
void model_args(benchmark::internal::Benchmark* b) {
  b->Args({64 * 24, 512, 128, 0});
  b->Args({1536, 128, 512, 0});
  b->Args({32 * 64, 384, 128, 0});
  b->Args({32 * 64, 384, 128, 1});
  b->Args({64, 128, 512, 0});
  b->ArgNames({"M", "N", "K", "transB"});
}

// Attention per (item, head): scores Q K^T (24 x 24 over 128) and weights times V.
void batched_args(benchmark::internal::Benchmark* b) {
  b->Args({64 * 4, 24, 24, 128, 1});
  b->Args({64 * 4, 24, 128, 24, 0});
  b->ArgNames({"batch", "M", "N", "K", "transB"});
}

// Threads from --threads=N (removed from argv before Google Benchmark parses it) or
// ATTN_THREADS; 0 keeps the libraries' defaults.
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

#ifdef ATTN_HAVE_CBLAS
// Forcing an OpenBLAS kernel (OPENBLAS_CORETYPE) on a processor the build does not know can
// give wrong results: compare one product with ours before timing it.
std::string cblas_agreement() {
  const int64_t n = 200;
  const auto A = random_matrix(n * n, 3), B = random_matrix(n * n, 4);
  std::vector<float> C1(n * n), C2(n * n);
  gemm<float>(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C1.data(), n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, A.data(), n, B.data(), n,
              0.f, C2.data(), n);
  double worst = 0;
  for (int64_t i = 0; i < n * n; ++i) worst = std::max(worst, double(std::fabs(C1[i] - C2[i])));
  // |a|, |b| < 1: both are within n eps n of the exact sums
  const bool ok = worst <= 2.0 * n * n * 1.2e-7;
  return (ok ? "agrees with ours, max |diff| " : "DISAGREES with ours, max |diff| ") +
         std::to_string(worst);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int threads = thread_request(&argc, argv);
  if (threads > 0) {
    attn::set_num_threads(threads);
#ifdef ATTN_HAVE_OPENBLAS
    openblas_set_num_threads(threads);
#endif
  }
  const auto bk = attn::simd::gemm_blocking<float>();
  benchmark::AddCustomContext("attn_isa", attn::simd::isa_name());
  benchmark::AddCustomContext("attn_threads", std::to_string(attn::get_num_threads()));
  benchmark::AddCustomContext("attn_blocks",
                              "MR=" + std::to_string(bk.mr) + " NR=" + std::to_string(bk.nr) +
                                  " KC=" + std::to_string(bk.kc) + " MC=" + std::to_string(bk.mc) +
                                  " NC=" + std::to_string(bk.nc));
#ifdef ATTN_HAVE_OPENBLAS
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  benchmark::AddCustomContext("openblas_threads", std::to_string(openblas_get_num_threads()));
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype ? coretype : "(unset)");
#endif
#ifdef ATTN_HAVE_CBLAS
  benchmark::AddCustomContext(std::string(kPeer) + "_check", cblas_agreement());
#endif
  // One thread: time the calling thread's CPU, which a busy shared machine disturbs least.
  // More threads: wall-clock time, the only honest measure of a parallel run.
  const bool wall = attn::get_num_threads() > 1;
  benchmark::AddCustomContext("timing", wall ? "real time" : "CPU time of the one thread");
  auto add = [wall](const std::string& name, void (*fn)(benchmark::State&),
                    void (*args)(benchmark::internal::Benchmark*)) {
    auto* b = benchmark::RegisterBenchmark(name.c_str(), fn)->Apply(args);
    if (wall) b->UseRealTime();
  };
  add("square/ours", BM_ours, square_args);
  add("model/ours", BM_ours, model_args);
  add("batched/ours", BM_ours_batched, batched_args);
#ifdef ATTN_HAVE_CBLAS
  add(std::string("square/") + kPeer, BM_cblas, square_args);
  add(std::string("model/") + kPeer, BM_cblas, model_args);
  add(std::string("batched/") + kPeer, BM_cblas_batched, batched_args);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
