#include "train/run/memory_estimate.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/error.h"

namespace attn::train {

namespace {

std::string gigabytes(double bytes) {
  std::ostringstream s;
  s << std::fixed;
  s.precision(bytes < 1e10 ? 1 : 0);  // 0.3 GB, 7.5 GB, 77514 GB
  s << bytes / 1e9 << " GB";
  return s.str();
}

}  // namespace

void MemoryEstimate::add(std::string what, std::vector<std::string> keys, double floats) {
  terms_.push_back({std::move(what), std::move(keys), std::max(0.0, floats)});
}

double MemoryEstimate::bytes() const {
  double total = 0;
  for (const Term& t : terms_) total += 4.0 * t.floats;
  return total;
}

void MemoryEstimate::check(double limit_bytes) const {
  const double limit = limit_bytes > 0 ? limit_bytes : physical_memory_bytes();
  const double total = bytes();
  if (total <= limit) return;
  std::vector<Term> largest = terms_;
  std::sort(largest.begin(), largest.end(),
            [](const Term& a, const Term& b) { return a.floats > b.floats; });
  std::ostringstream msg;
  msg << "config: these sizes need about " << gigabytes(total)
      << " of memory for one training step, more than this machine's " << gigabytes(limit)
      << "; the largest parts:";
  for (size_t i = 0; i < largest.size() && i < 3; ++i) {
    msg << (i ? ";" : "") << " " << largest[i].what << " " << gigabytes(4.0 * largest[i].floats)
        << " (";
    for (size_t k = 0; k < largest[i].keys.size(); ++k)
      msg << (k ? " x " : "") << largest[i].keys[k];
    msg << ")";
  }
  msg << ". Lower one of those keys.";
  throw Error(msg.str());
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 8.0 * 1024 * 1024 * 1024;
  return double(pages) * double(page_size);
}

}  // namespace attn::train
