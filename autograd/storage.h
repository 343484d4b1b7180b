#pragma once
// The buffer behind a tensor: contiguous, 64-byte aligned so that SIMD loads
// of a row start on a cache line, shared between views (reshape, detach).
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include "autograd/scalar.h"

namespace attn {

namespace detail {
// Tensor buffers come from here. A training step allocates the same sizes
// every step, so large freed blocks are kept and handed out again instead of
// going back to the system, which would map fresh pages (and fault on each of
// them) the next step. See storage.cpp.
void* storage_alloc(std::size_t bytes);
void storage_free(void* p, std::size_t bytes) noexcept;
bool storage_cache_enabled();  // false under AddressSanitizer
}  // namespace detail

template <typename T, std::size_t Align = 64>
struct AlignedAllocator {
  static_assert(Align == 64, "storage_alloc aligns to 64 bytes");
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::storage_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::storage_free(p, n * sizeof(T)); }
  // resize() default-initialises: a new float is left as the memory held it, not zeroed,
  // so an op that writes every element of its output does not pay for a memset first.
  // Tensor::empty still zeroes; Tensor::uninitialized is the one that skips it.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const AlignedAllocator<U, Align>&) const {
    return true;
  }
};

struct Storage {
  std::vector<real, AlignedAllocator<real>> data;
};

}  // namespace attn
