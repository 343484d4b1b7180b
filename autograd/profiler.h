#pragma once
// The op profiler: where a run spends its time, op by op, forward and backward apart
// (in the spirit of torch.profiler's key_averages()). docs/profiling.md shows it in use.
//
//   ATTN_PROFILE=1 build/bin/03_attention --quick        # the table on stderr at exit
//   ATTN_PROFILE=prof.json build/bin/03_attention --quick  # the table, and its rows as JSON
//
// or from code:
//
//   attn::profiler::enable();
//   ... train ...
//   attn::profiler::report(std::cout);
//
// How it measures. Every op opens a scope at its first line, ATTN_PROFILE_OP("tanh"), named
// as the op's node (record("tanh", ...)). A scope's time from entry to exit is its inclusive
// time; minus the time of the scopes opened inside it (linear's matmul, say) it is its self
// time, and self times are what the table adds up, so no microsecond is counted twice.
// backward() times each node's backward function under the node's name (ops called inside a
// backward function are part of it, not rows of their own), and its own bookkeeping (the
// order of the nodes, the sums of gradients) as the row "backward_engine".
// Only the thread that enabled the profiler records (ops run from one thread; their kernels
// may fan out to others inside, which is part of the op's time).
//
// Off (the default), a scope costs one relaxed load of a flag.
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace attn::profiler {

// One row of the table: the op's calls and times. Times are in nanoseconds.
struct OpStats {
  std::string op;
  int64_t forward_calls = 0;
  int64_t forward_self_ns = 0;       // the op's own time, without the ops it called
  int64_t forward_inclusive_ns = 0;  // entry to exit, the ops it called included
  int64_t backward_calls = 0;
  int64_t backward_ns = 0;  // its backward function, whatever it called
  // The op made a node (record()) while no scope of its name was open: it lacks its
  // ATTN_PROFILE_OP line, so its time went to the op or the code around it.
  bool unscoped = false;

  int64_t total_ns() const { return forward_self_ns + backward_ns; }
};

struct Snapshot {
  std::vector<OpStats> rows;  // sorted by total time, largest first
  int64_t wall_ns = 0;        // since enable() or the last reset()
  int64_t in_ops_ns = 0;      // the sum of every row's total: the rest was outside any op
  // Multiply-adds done by the matrix products (simd::gemm, gemm_batched, gemm_row_table: every
  // linear layer, convolution, LSTM step and attention product) while recording, on any
  // thread. Twice this is the FLOP count that a GFLOP/s figure divides.
  int64_t multiply_adds = 0;
};

// Starts recording on the calling thread (the clock of the wall time starts too, unless it
// already runs). ATTN_PROFILE set to anything but "" or "0" calls it before main().
void enable();
// Stops recording; what was recorded stays until reset().
void disable();
bool enabled();
// Forgets every row and restarts the wall clock.
void reset();

Snapshot snapshot();
// The table, sorted by total time: op, calls and ms forward, calls and ms backward, total ms,
// share of the time in ops; then the wall time and the share spent outside any op. The
// header says how much arithmetic the matrix products did, and at what rate over the wall
// time.
void report(std::ostream& os);
// The same rows as JSON (times in ms).
void write_json(std::ostream& os);

namespace detail {

extern std::atomic<bool> g_on;
extern std::atomic<int64_t> g_multiply_adds;

// Called by the matrix products with their M N K (times the batch): a relaxed load when off.
inline void count_multiply_adds(int64_t n) {
  if (g_on.load(std::memory_order_relaxed))
    g_multiply_adds.fetch_add(n, std::memory_order_relaxed);
}

// open() returns whether it pushed a frame (it does not on another thread, nor for a forward
// op run inside a backward function); close() pops the frame open() pushed.
bool open(const char* op, bool backward);
void close();
void note_record(const char* op);

}  // namespace detail

// Times one op (or one backward function) from construction to destruction.
class Scope {
 public:
  explicit Scope(const char* op, bool backward = false) {
    if (detail::g_on.load(std::memory_order_relaxed)) open_ = detail::open(op, backward);
  }
  ~Scope() {
    if (open_) detail::close();
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  bool open_ = false;
};

// Called by record(): checks that the op making the node opened its scope.
inline void note_record(const char* op) {
  if (detail::g_on.load(std::memory_order_relaxed)) detail::note_record(op);
}

}  // namespace attn::profiler

// The first line of every op: ATTN_PROFILE_OP("tanh"), with the name its record() uses.
#define ATTN_PROFILE_OP(name) ::attn::profiler::Scope attn_profile_scope_(name)
