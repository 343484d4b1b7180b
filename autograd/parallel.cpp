#include "autograd/parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autograd/error.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace attn {
namespace {

// One pass of a spin-wait: tells the core we are waiting (pause / yield), so the other
// hardware thread of the core, or the power budget, gets the cycles.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long an idle worker spins, waiting for the next job, before it sleeps. The ops of a
// training step follow each other within microseconds, and a sleeping worker takes tens of
// microseconds to wake; between steps (data, logging) and on a busy machine, a worker that
// kept spinning would burn a core for nothing. Measured in docs/benchmarks.md ("Threads").
// ATTN_SPIN_US overrides it, for that measurement.
std::chrono::microseconds spin_time() {
  static const std::chrono::microseconds t = [] {
    const char* e = std::getenv("ATTN_SPIN_US");
    if (!e || !*e) return std::chrono::microseconds(50);
    char* end = nullptr;
    const long us = std::strtol(e, &end, 10);
    ATTN_CHECK(*end == '\0' && us >= 0 && us <= 1000000, "ATTN_SPIN_US=\"", e,
               "\": expected whole microseconds from 0 to 1000000");
    return std::chrono::microseconds(us);
  }();
  return t;
}

thread_local bool t_in_task = false;

// Marks this thread as running a task, so a kernel it calls stays on this thread.
struct InTask {
  bool was = t_in_task;
  InTask() { t_in_task = true; }
  ~InTask() { t_in_task = was; }
};

// Every task on the calling thread, in order.
void run_serially(int64_t count, TaskRef task) {
  InTask mark;
  for (int64_t i = 0; i < count; ++i) task(i);
}

int threads_from_environment() {
  if (const char* e = std::getenv("ATTN_THREADS"); e && *e) {
    char* end = nullptr;
    const long n = std::strtol(e, &end, 10);
    ATTN_CHECK(*end == '\0' && n >= 1 && n <= 1024, "ATTN_THREADS=\"", e,
               "\": expected a whole number of threads from 1 to 1024");
    return static_cast<int>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int>& wanted_threads() {
  static std::atomic<int> n{threads_from_environment()};
  return n;
}

// The pool. A job is published by bumping `generation_`; its tasks are handed out by
// `cursor_`, which holds the job's generation (high 32 bits) and the tasks not yet taken
// (low 32 bits), so a worker that wakes late, after its job has ended and another begun,
// cannot take a task of the wrong job: its compare-exchange sees a different generation.
class Pool {
 public:
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void run(int64_t count, int nt, TaskRef task) {
    std::unique_lock<std::mutex> one_job(job_mutex_, std::try_to_lock);
    if (!one_job.owns_lock()) {  // another thread of the program is using the pool
      run_serially(count, task);
      return;
    }
    if (size() != wanted_threads().load()) resize(wanted_threads().load());
    nt = static_cast<int>(std::min<int64_t>({int64_t{nt}, int64_t{size()}, count}));
    if (nt <= 1) {
      run_serially(count, task);
      return;
    }
    const uint64_t g = generation_.load(std::memory_order_relaxed) + 1;
    task_.store(&task, std::memory_order_relaxed);
    count_.store(count, std::memory_order_relaxed);
    job_threads_.store(nt, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    cursor_.store(tag(g) | static_cast<uint64_t>(count), std::memory_order_release);
    generation_.store(g, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lock(sleep_mutex_); }  // a sleeper is now inside wait()
      wake_.notify_all();
    }
    take_tasks(g);
    // Wait only for tasks that workers have started; what no one took, take_tasks did.
    for (int spins = 0; done_.load(std::memory_order_acquire) < count; ++spins) {
      if (spins < 4096)
        cpu_relax();
      else
        std::this_thread::yield();
    }
    if (error_) {
      std::exception_ptr e = std::exchange(error_, nullptr);
      std::rethrow_exception(e);
    }
  }

 private:
  static uint64_t tag(uint64_t g) { return (g & 0xffffffffu) << 32; }

  // Takes tasks of job g until none is left (or the job is over).
  void take_tasks(uint64_t g) {
    uint64_t c = cursor_.load(std::memory_order_acquire);
    while ((c & ~uint64_t{0xffffffffu}) == tag(g) && (c & 0xffffffffu) != 0) {
      if (!cursor_.compare_exchange_weak(c, c - 1, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
        continue;
      // The task is ours, so job g is not over: task_ and count_ still describe it.
      const int64_t i =
          count_.load(std::memory_order_relaxed) - static_cast<int64_t>(c & 0xffffffffu);
      {
        InTask mark;
        try {
          (*task_.load(std::memory_order_relaxed))(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex_);
          if (!error_) error_ = std::current_exception();
        }
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
      c = cursor_.load(std::memory_order_acquire);
    }
  }

  void worker(int id, uint64_t seen) {
    for (;;) {
      // Spin a little, then sleep until the generation moves.
      const auto until = std::chrono::steady_clock::now() + spin_time();
      uint64_t g = generation_.load(std::memory_order_acquire);
      for (int i = 0; g == seen; ++i) {
        cpu_relax();
        if ((i & 255) == 255 && std::chrono::steady_clock::now() >= until) {
          std::unique_lock<std::mutex> lock(sleep_mutex_);
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        }
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load(std::memory_order_acquire)) return;
      if (id < job_threads_.load(std::memory_order_relaxed)) take_tasks(g);
    }
  }

  // Called with job_mutex_ held: no job is running.
  void resize(int n) {
    if (!workers_.empty()) {
      stop_.store(true, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_seq_cst);
      { std::lock_guard<std::mutex> lock(sleep_mutex_); }
      wake_.notify_all();
      for (std::thread& t : workers_) t.join();
      workers_.clear();
      stop_.store(false, std::memory_order_release);
    }
    const uint64_t g = generation_.load(std::memory_order_seq_cst);
    for (int id = 1; id < n; ++id) workers_.emplace_back([this, id, g] { worker(id, g); });
  }

  std::mutex job_mutex_;  // one job at a time
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> cursor_{0};
  std::atomic<const TaskRef*> task_{nullptr};
  std::atomic<int64_t> count_{0};
  std::atomic<int> job_threads_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

// Never destroyed: a kernel may run from another static's destructor, and the sleeping
// workers end with the process.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

std::atomic<bool> g_thresholds{true};

}  // namespace

void set_thread_thresholds(bool on) {
  g_thresholds.store(on);
}

bool thread_thresholds() {
  return g_thresholds.load(std::memory_order_relaxed);
}

void set_num_threads(int n) {
  ATTN_CHECK(n >= 1 && n <= 1024, "set_num_threads: got ", n,
             ", expected a thread count from 1 to 1024");
  wanted_threads().store(n);
}

int get_num_threads() {
  return wanted_threads().load();
}

bool in_parallel() {
  return t_in_task;
}

void parallel_tasks(int64_t count, int threads, TaskRef task) {
  if (count <= 0) return;
  ATTN_CHECK(count < (int64_t{1} << 31), "parallel_tasks: ", count,
             " tasks, expected fewer than 2^31");
  const int nt = threads < 1 ? get_num_threads() : std::min(threads, get_num_threads());
  if (nt <= 1 || t_in_task || count == 1) {
    run_serially(count, task);
    return;
  }
  pool().run(count, nt, task);
}

}  // namespace attn
