// A caching allocator for tensor buffers, the idea PyTorch uses on GPUs.
//
// Blocks of at least kMinCached bytes are rounded up to a whole number of
// 4 KiB pages; when freed they go on a free list for their size rather than
// back to the system, up to kMaxCachedBytes in all. The next request of that
// size takes one from the list: already mapped, so no page faults. Small
// blocks go straight to aligned_alloc, which is fast for them.
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "autograd/storage.h"

namespace attn::detail {

// Under AddressSanitizer nothing is cached, so a use after free is still caught.
#if defined(__SANITIZE_ADDRESS__)
#define ATTN_STORAGE_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTN_STORAGE_CACHE 0
#endif
#endif
#ifndef ATTN_STORAGE_CACHE
#define ATTN_STORAGE_CACHE 1
#endif

namespace {
constexpr std::size_t kAlign = 64;
constexpr std::size_t kPage = 4096;
constexpr std::size_t kMinCached = 64 * 1024;
constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 30;  // 1 GiB kept at most

std::size_t rounded(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t unit = bytes >= kMinCached ? kPage : kAlign;
  return (bytes + unit - 1) / unit * unit;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  std::size_t cached_bytes = 0;
};
// Never destroyed: tensors that outlive main (statics) may still free into it.
// Its blocks stay reachable through it, so leak checkers do not count them.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}
}  // namespace

bool storage_cache_enabled() { return ATTN_STORAGE_CACHE; }

void* storage_alloc(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  if (ATTN_STORAGE_CACHE && size >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= size;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, size);
  if (!p) throw std::bad_alloc();
  return p;
}

void storage_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const std::size_t size = rounded(bytes);
  if (ATTN_STORAGE_CACHE && size >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached_bytes + size <= kMaxCachedBytes) {
      try {
        c.free_blocks[size].push_back(p);
        c.cached_bytes += size;
        return;
      } catch (...) {  // no room for the list entry: just free the block
      }
    }
  }
  std::free(p);
}

}  // namespace attn::detail
