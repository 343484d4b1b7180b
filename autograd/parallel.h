#pragma once
// The threads the kernels share: the matrix multiply, convolutions over a batch, row-wise
// ops. One pool of worker threads for the process, started on first use (std::thread, so
// the same on Linux and macOS, with or without OpenMP).
//
// Three rules make a second thread pay and never hurt:
//  - The calling thread takes tasks too, and a task waits for nobody: a worker that has not
//    picked one up yet (asleep, or without a core on a busy machine) just finds the work
//    done. So two threads are never much slower than one, even beside another busy program.
//  - An idle worker spins briefly (the next op of a step usually follows within
//    microseconds) and then sleeps, so between steps it takes no CPU from other programs.
//  - An op asks for threads only above a size where, measured, they pay for themselves
//    (bench/bench_threads.cpp; the figures are in docs/benchmarks.md).
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace attn {

// Sets the number of threads (the caller plus n - 1 workers); n < 1 throws attn::Error and
// changes nothing. The default is the ATTN_THREADS environment variable, else the
// machine's hardware threads.
void set_num_threads(int n);

int get_num_threads();

// Ops split their work only above a measured size (each op's kMinWorkForThreads, the GEMM's
// kMinWorkPerThread). Off, every op that can split does so whatever its size: the tests turn
// them off so that the threaded paths run on inputs small enough to check in double.
void set_thread_thresholds(bool on);
bool thread_thresholds();

// True while this thread runs a task of parallel_tasks: a kernel called from inside one
// (a GEMM per image of a batch) then runs on this thread alone.
bool in_parallel();

// A non-owning reference to a callable taking the task index; what parallel_tasks runs.
class TaskRef {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TaskRef>>>
  TaskRef(F&& f)  // NOLINT(google-explicit-constructor): built at the call from a lambda
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int64_t i) { (*static_cast<std::remove_reference_t<F>*>(o))(i); }) {}
  void operator()(int64_t i) const { call_(obj_, i); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t);
};

// Runs task(i) for every i in [0, count), on up to min(threads, count) threads (threads < 1:
// get_num_threads()), and returns when all have finished. The tasks must be independent;
// which thread runs which task is not fixed, but each task's own work is, so results do not
// depend on the timing. Nested calls (from inside a task) run serially. An exception thrown
// by a task is rethrown here after the others have finished.
void parallel_tasks(int64_t count, int threads, TaskRef task);

// Splits [0, n) into contiguous ranges and runs body(begin, end) on each: on one thread when
// n * cost_per_item < min_work (the size below which a second thread does not pay, measured
// per op), else in up to 4 ranges per thread, so that a thread slowed by another program
// leaves its share to the others.
template <typename Body>
void parallel_for(int64_t n, int64_t cost_per_item, int64_t min_work, Body&& body) {
  if (n <= 0) return;
  const int nt = get_num_threads();
  const bool measured = thread_thresholds();
  if (nt <= 1 || in_parallel() || n < 2 || (measured && n * cost_per_item < min_work)) {
    body(int64_t{0}, n);
    return;
  }
  // Each range at least min_work / 2 of work, so splitting never costs more than it saves.
  const int64_t by_work =
      measured ? std::max<int64_t>(1, 2 * n * cost_per_item / std::max<int64_t>(1, min_work)) : n;
  const int64_t ranges = std::min<int64_t>({n, int64_t{4} * nt, by_work});
  parallel_tasks(ranges, nt, [&](int64_t r) { body(n * r / ranges, n * (r + 1) / ranges); });
}

// Element-wise loops (activations, arithmetic, their backwards, gradient sums, fills) split
// from this many elements on. Set from whole training steps (docs/benchmarks.md, "Threads"):
// from 2^17 to 2^19 the convolutional models' steps on 2 threads were 3-10% shorter than
// with these loops on one thread, and the same within noise between the two; alone, in
// bench/bench_threads.cpp ("relu", "batch_norm2d"), such a loop gains nothing at any size,
// its arrays far from the cache, so the higher of the two.
inline constexpr int64_t kMinElementsForThreads = int64_t{1} << 19;

// body(begin, end) over [0, n) elements of an element-wise loop, on as many threads as the
// size pays for (see parallel_for). Give body its pointers and scalars by value ([=]); each
// range runs on its own copy of body. Without the copy, a float inside body (the slope of
// leaky_relu) could be, as far as the compiler knows, the very float the loop writes through
// its output pointer: it reloads it at every element and the loop is not vectorised
// (measured: leaky_relu at 2 threads twice as slow as at 1).
template <typename Body>
void parallel_elements(int64_t n, const Body& body) {
  parallel_for(n, 1, kMinElementsForThreads, [&body](int64_t begin, int64_t end) {
    Body own = body;
    own(begin, end);
  });
}

}  // namespace attn
