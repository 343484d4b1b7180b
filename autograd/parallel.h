#pragma once
// How many threads the kernels (the matrix multiply, batched ops) may use.
// With OpenMP this is OpenMP's thread count (default: the cores, or OMP_NUM_THREADS);
// without it everything runs on one thread and get_num_threads() is 1.
namespace attn {

// Sets the number of threads; n < 1 throws attn::Error and changes nothing.
void set_num_threads(int n);

int get_num_threads();

}  // namespace attn
