#include "autograd/parallel.h"

#include "autograd/error.h"

#ifdef ATTN_HAVE_OPENMP
#include <omp.h>
#endif

namespace attn {

void set_num_threads(int n) {
  ATTN_CHECK(n >= 1, "set_num_threads: got ", n, ", expected a thread count >= 1");
#ifdef ATTN_HAVE_OPENMP
  omp_set_num_threads(n);
#endif
}

int get_num_threads() {
#ifdef ATTN_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace attn
