// The kernels' thread pool (autograd/parallel.h): every task runs once, on the threads asked
// for, nested calls stay serial, a task's exception reaches the caller, and a worker that
// wakes late never runs a task of a job that has ended.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "autograd/error.h"
#include "autograd/parallel.h"

namespace attn {
namespace {

struct Threads {
  int saved = get_num_threads();
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(saved); }
};

TEST(Parallel, EveryTaskRunsExactlyOnce) {
  Threads four(4);
  for (int64_t count : {1, 2, 3, 7, 64, 1000}) {
    std::vector<std::atomic<int>> runs(count);
    parallel_tasks(count, 0, [&](int64_t i) { runs[i].fetch_add(1); });
    for (int64_t i = 0; i < count; ++i) EXPECT_EQ(runs[i].load(), 1) << "task " << i << " of " << count;
  }
}

TEST(Parallel, UsesMoreThanOneThreadWhenTheTasksWait) {
  Threads two(2);
  // Two tasks that each wait until both have started can only finish on two threads (the
  // caller alone would wait forever, so the wait is bounded and the result counted).
  std::atomic<int> started{0};
  std::set<std::thread::id> ids;
  std::mutex m;
  parallel_tasks(2, 2, [&](int64_t) {
    started.fetch_add(1);
    for (int i = 0; i < 2000 && started.load() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(Parallel, OneThreadRunsEverythingOnTheCaller) {
  Threads one(1);
  std::set<std::thread::id> ids;
  parallel_tasks(50, 0, [&](int64_t) { ids.insert(std::this_thread::get_id()); });
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(*ids.begin(), std::this_thread::get_id());
}

TEST(Parallel, NestedCallsRunSeriallyOnTheTasksThread) {
  Threads two(2);
  EXPECT_FALSE(in_parallel());
  std::atomic<int> inner{0}, wrong_thread{0}, not_marked{0};
  parallel_tasks(4, 0, [&](int64_t) {
    if (!in_parallel()) not_marked.fetch_add(1);
    const auto me = std::this_thread::get_id();
    parallel_tasks(8, 0, [&](int64_t) {
      inner.fetch_add(1);
      if (std::this_thread::get_id() != me) wrong_thread.fetch_add(1);
    });
  });
  EXPECT_EQ(inner.load(), 32);
  EXPECT_EQ(wrong_thread.load(), 0);
  EXPECT_EQ(not_marked.load(), 0);
  EXPECT_FALSE(in_parallel());
}

TEST(Parallel, ATasksExceptionReachesTheCallerAndThePoolStillWorks) {
  Threads two(2);
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_tasks(16, 0,
                              [&](int64_t i) {
                                ran.fetch_add(1);
                                if (i == 5) throw std::runtime_error("task 5");
                              }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 16);  // the others still ran: the caller waited for them
  std::atomic<int> after{0};
  parallel_tasks(16, 0, [&](int64_t) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 16);
}

// Many short jobs in a row: a worker that wakes after its job ended must not take a task
// of the next one twice, nor a task of a job that has ended. Each job counts its own runs.
TEST(Parallel, ManyShortJobsEachRunEveryTaskOnce) {
  Threads two(2);
  constexpr int kJobs = 20000;
  std::vector<int> counts(kJobs * 3, 0);
  for (int j = 0; j < kJobs; ++j)
    parallel_tasks(3, 0, [&](int64_t i) { ++counts[j * 3 + i]; });  // each slot written once
  int wrong = 0;
  for (int c : counts) wrong += c != 1;
  EXPECT_EQ(wrong, 0);
}

TEST(Parallel, TwoCallingThreadsBothGetTheirWorkDone) {
  Threads two(2);
  std::atomic<int64_t> a{0}, b{0};
  std::thread other([&] {
    for (int j = 0; j < 2000; ++j) parallel_tasks(4, 0, [&](int64_t i) { b.fetch_add(i + 1); });
  });
  for (int j = 0; j < 2000; ++j) parallel_tasks(4, 0, [&](int64_t i) { a.fetch_add(i + 1); });
  other.join();
  EXPECT_EQ(a.load(), 2000 * 10);
  EXPECT_EQ(b.load(), 2000 * 10);
}

TEST(Parallel, ParallelForCoversTheRangeInContiguousPiecesAboveItsThreshold) {
  Threads two(2);
  std::vector<std::atomic<int>> hit(1000);
  std::atomic<int> pieces{0};
  parallel_for(1000, 100, 1000, [&](int64_t lo, int64_t hi) {
    pieces.fetch_add(1);
    for (int64_t i = lo; i < hi; ++i) hit[i].fetch_add(1);
  });
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(hit[i].load(), 1) << i;
  EXPECT_GT(pieces.load(), 1);
  EXPECT_LE(pieces.load(), 8);  // at most 4 pieces per thread
  pieces = 0;
  parallel_for(1000, 1, 1 << 20, [&](int64_t lo, int64_t hi) {  // below the threshold: one piece
    pieces.fetch_add(1);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 1000);
  });
  EXPECT_EQ(pieces.load(), 1);
}

TEST(Parallel, ThreadCountsOutsideOneTo1024AreRefused) {
  const int before = get_num_threads();
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_THROW(set_num_threads(-3), Error);
  EXPECT_THROW(set_num_threads(5000), Error);
  EXPECT_EQ(get_num_threads(), before);
}

}  // namespace
}  // namespace attn
