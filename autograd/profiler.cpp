#include "autograd/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

namespace attn::profiler {

namespace detail {
std::atomic<bool> g_on{false};
std::atomic<int64_t> g_multiply_adds{0};
}  // namespace detail

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What the recording thread adds to and report() reads, behind one lock. Made once and
// never freed, so the report at exit can still read it whatever else is being torn down.
struct Table {
  std::mutex mu;
  std::map<std::string, OpStats, std::less<>> rows;
  int64_t wall_before_ns = 0;  // wall time of earlier enabled periods since reset()
  int64_t wall_start_ns = 0;   // start of the current enabled period
  std::atomic<std::thread::id> owner{};
};

Table& table() {
  static Table* t = new Table;
  return *t;
}

OpStats& row(Table& t, const char* op) {
  auto it = t.rows.find(std::string_view(op));
  if (it == t.rows.end()) it = t.rows.emplace(op, OpStats{op}).first;
  return it->second;
}

// One open scope of the recording thread.
struct Frame {
  const char* op;
  bool backward;
  int64_t start_ns;
  int64_t children_ns;  // inclusive time of the scopes opened inside this one
};

thread_local std::vector<Frame> t_stack;
thread_local int t_backward_depth = 0;  // backward frames open: forward ops inside are theirs

int64_t wall_ns(const Table& t) {
  return t.wall_before_ns + (detail::g_on.load() ? now_ns() - t.wall_start_ns : 0);
}

std::string ms(int64_t ns, int decimals = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(ns) / 1e6);
  return buf;
}

std::string percent(int64_t part, int64_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", whole > 0 ? 100.0 * part / whole : 0.0);
  return buf;
}

}  // namespace

namespace detail {

bool open(const char* op, bool backward) {
  if (table().owner.load(std::memory_order_relaxed) != std::this_thread::get_id()) return false;
  if (!backward && t_backward_depth > 0) return false;
  if (backward) ++t_backward_depth;
  t_stack.push_back({op, backward, now_ns(), 0});
  return true;
}

void close() {
  const int64_t end = now_ns();
  const Frame f = t_stack.back();
  t_stack.pop_back();
  if (f.backward) --t_backward_depth;
  const int64_t inclusive = end - f.start_ns;
  if (!t_stack.empty()) t_stack.back().children_ns += inclusive;
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  OpStats& r = row(t, f.op);
  if (f.backward) {
    ++r.backward_calls;
    r.backward_ns += inclusive - f.children_ns;
  } else {
    ++r.forward_calls;
    r.forward_self_ns += inclusive - f.children_ns;
    r.forward_inclusive_ns += inclusive;
  }
}

void note_record(const char* op) {
  Table& t = table();
  if (t.owner.load(std::memory_order_relaxed) != std::this_thread::get_id()) return;
  if (t_backward_depth > 0) return;
  const bool scoped = !t_stack.empty() && !t_stack.back().backward &&
                      (t_stack.back().op == op || std::strcmp(t_stack.back().op, op) == 0);
  if (scoped) return;
  std::lock_guard<std::mutex> lock(t.mu);
  OpStats& r = row(t, op);
  r.unscoped = true;
  ++r.forward_calls;  // the only count it gets: no scope closes for it
}

}  // namespace detail

void enable() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.owner.store(std::this_thread::get_id());
  if (!detail::g_on.load()) t.wall_start_ns = now_ns();
  detail::g_on.store(true);
}

void disable() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  if (detail::g_on.load()) t.wall_before_ns += now_ns() - t.wall_start_ns;
  detail::g_on.store(false);
}

bool enabled() {
  return detail::g_on.load();
}

void reset() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.rows.clear();
  detail::g_multiply_adds.store(0);
  t.wall_before_ns = 0;
  t.wall_start_ns = now_ns();
}

Snapshot snapshot() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  Snapshot s;
  s.wall_ns = wall_ns(t);
  s.multiply_adds = detail::g_multiply_adds.load();
  for (const auto& [name, r] : t.rows) {
    s.rows.push_back(r);
    s.in_ops_ns += r.total_ns();
  }
  std::stable_sort(s.rows.begin(), s.rows.end(), [](const OpStats& a, const OpStats& b) {
    return a.total_ns() > b.total_ns();
  });
  return s;
}

void report(std::ostream& os) {
  const Snapshot s = snapshot();
  const int64_t outside = std::max<int64_t>(s.wall_ns - s.in_ops_ns, 0);
  os << "attnlab profiler: " << ms(s.wall_ns) << " ms of wall time, " << ms(s.in_ops_ns)
     << " ms in ops, " << ms(outside) << " ms outside ops\n";
  if (s.multiply_adds > 0 && s.wall_ns > 0) {
    const double gflop = 2e-9 * static_cast<double>(s.multiply_adds);
    char head[160];
    std::snprintf(head, sizeof head,
                  "matrix products: %.3f GFLOP (2 x %lld multiply-adds), %.1f GFLOP/s over the "
                  "wall time\n",
                  gflop, static_cast<long long>(s.multiply_adds),
                  gflop / (1e-9 * static_cast<double>(s.wall_ns)));
    os << head;
  }
  size_t w = std::strlen("(outside ops)");
  for (const OpStats& r : s.rows) w = std::max(w, r.op.size() + (r.unscoped ? 1 : 0));
  char line[256];
  const int W = static_cast<int>(w);
  std::snprintf(line, sizeof line, "%-*s %9s %10s %10s %9s %10s %10s %6s\n", W, "op", "calls",
                "self ms", "incl ms", "bwd calls", "bwd ms", "total ms", "%");
  os << line;
  bool any_unscoped = false;
  for (const OpStats& r : s.rows) {
    any_unscoped |= r.unscoped;
    const std::string name = r.op + (r.unscoped ? "*" : "");
    std::snprintf(line, sizeof line, "%-*s %9lld %10s %10s %9lld %10s %10s %6s\n", W,
                  name.c_str(), static_cast<long long>(r.forward_calls),
                  ms(r.forward_self_ns).c_str(), ms(r.forward_inclusive_ns).c_str(),
                  static_cast<long long>(r.backward_calls), ms(r.backward_ns).c_str(),
                  ms(r.total_ns()).c_str(), percent(r.total_ns(), s.wall_ns).c_str());
    os << line;
  }
  std::snprintf(line, sizeof line, "%-*s %9s %10s %10s %9s %10s %10s %6s\n", W, "(outside ops)",
                "", "", "", "", "", ms(outside).c_str(), percent(outside, s.wall_ns).c_str());
  os << line;
  os << "self ms: the op's own time; incl ms: with the ops it called; bwd ms: its backward "
        "function;\ntotal ms = self ms + bwd ms; % of the wall time. docs/profiling.md explains.\n";
  if (any_unscoped)
    os << "* made a node without an ATTN_PROFILE_OP scope of its name: its time counted in "
          "the op or code around it.\n";
}

void write_json(std::ostream& os) {
  const Snapshot s = snapshot();
  auto quoted = [](const std::string& str) {
    std::string q = "\"";
    for (char c : str) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\"";
  };
  os << "{\n  \"wall_ms\": " << ms(s.wall_ns, 3) << ",\n  \"in_ops_ms\": " << ms(s.in_ops_ns, 3)
     << ",\n  \"multiply_adds\": " << s.multiply_adds << ",\n  \"ops\": [";
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const OpStats& r = s.rows[i];
    os << (i ? "," : "") << "\n    {\"op\": " << quoted(r.op)
       << ", \"forward_calls\": " << r.forward_calls
       << ", \"forward_self_ms\": " << ms(r.forward_self_ns, 3)
       << ", \"forward_inclusive_ms\": " << ms(r.forward_inclusive_ns, 3)
       << ", \"backward_calls\": " << r.backward_calls
       << ", \"backward_ms\": " << ms(r.backward_ns, 3) << ", \"total_ms\": "
       << ms(r.total_ns(), 3) << ", \"unscoped\": " << (r.unscoped ? "true" : "false") << "}";
  }
  os << "\n  ]\n}\n";
}

namespace {

// ATTN_PROFILE: read once, before main(). "1" (or any value but "" and "0") turns the
// profiler on and prints the table on stderr at exit; a value ending in ".json" also writes
// the rows to that file.
std::string g_json_path;

void report_at_exit() {
  disable();
  std::cerr << "\n";
  report(std::cerr);
  if (!g_json_path.empty()) {
    std::ofstream f(g_json_path);
    if (f) {
      write_json(f);
      std::cerr << "profile rows written to " << g_json_path << "\n";
    } else {
      std::cerr << "ATTN_PROFILE: cannot write " << g_json_path << "\n";
    }
  }
}

const bool g_from_environment = [] {
  const char* v = std::getenv("ATTN_PROFILE");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "0") == 0) return false;
  const std::string value = v;
  if (value.size() > 5 && value.compare(value.size() - 5, 5, ".json") == 0) g_json_path = value;
  enable();
  std::atexit(report_at_exit);
  return true;
}();

}  // namespace

}  // namespace attn::profiler
