#pragma once
// The buffer behind a tensor: contiguous, 64-byte aligned so that SIMD loads
// of a row start on a cache line, shared between views (reshape, detach).
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "autograd/scalar.h"

namespace attn {

template <typename T, std::size_t Align = 64>
struct AlignedAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) {}
  T* allocate(std::size_t n) {
    if (n == 0) n = 1;
    const std::size_t bytes = (n * sizeof(T) + Align - 1) / Align * Align;
    void* p = std::aligned_alloc(Align, bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <typename U>
  bool operator==(const AlignedAllocator<U, Align>&) const {
    return true;
  }
};

struct Storage {
  std::vector<real, AlignedAllocator<real>> data;
};

}  // namespace attn
