#pragma once
// ThreadScope(n): the kernels run on n threads until the scope ends, and with n > 1 every op
// that can split its work does so however small its input (the speed thresholds off), so a
// test on small inputs reaches the threaded paths. The thread count and the thresholds come
// back as they were, even when the test fails.
#include "autograd/parallel.h"

namespace attn::testing {

class ThreadScope {
 public:
  explicit ThreadScope(int n)
      : saved_threads_(get_num_threads()), saved_thresholds_(thread_thresholds()) {
    set_num_threads(n);
    set_thread_thresholds(n == 1);
  }
  ~ThreadScope() {
    set_num_threads(saved_threads_);
    set_thread_thresholds(saved_thresholds_);
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_threads_;
  bool saved_thresholds_;
};

}  // namespace attn::testing
