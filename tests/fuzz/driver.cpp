// A main() for the fuzz harnesses where libFuzzer is not available (g++, or
// any build without -fsanitize=fuzzer): it replays every file of the seed
// corpus, then feeds random mutations of them for a bounded time. Not
// coverage-guided, so weaker than libFuzzer, but it runs in every sanitizer
// build (ctest -L fuzz).
//
//   fuzz_config [--seconds S] [--runs N] [--seed N] [--max-len N] CORPUS...
//
// CORPUS is a directory of seed files (or single files). On a crash the
// input being run is written to ./fuzz-crash-<pid>.bin (for a sanitizer
// report too) so that `fuzz_config fuzz-crash-<pid>.bin` replays it.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// The input being run, for the crash handlers (which may only call
// async-signal-safe functions: open, write, close).
const std::uint8_t* g_current = nullptr;
std::size_t g_current_size = 0;
char g_crash_path[64];

void save_current_input() {
  if (g_current == nullptr) return;
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < g_current_size) {
    const ssize_t n = ::write(fd, g_current + done, g_current_size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const char msg[] = "\nfuzz: the input that crashed is in ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, g_crash_path, std::strlen(g_crash_path));
  (void)!::write(2, "\n", 1);
}

void on_crash(int sig) {
  save_current_input();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void run_one(const Bytes& input) {
  g_current = input.data();
  g_current_size = input.size();
  LLVMFuzzerTestOneInput(input.data(), input.size());
  g_current = nullptr;
}

// Tokens that matter to the loaders: JSON syntax, big numbers, tabs and
// newlines, IDX magic numbers, PNG/JPEG markers.
const std::vector<std::string>& dictionary() {
  static const std::vector<std::string> words = {
      "[", "]", "{", "}", "\"", ":", ",", "1e400", "-1", "9.223372036854775808e18", "0.5",
      "true", "null", "\"__metadata__\"", "\"dtype\"", "\"F32\"", "\"F64\"", "\"shape\"",
      "\"data_offsets\"", "\t", "\n", "\r\n", "\xEF\xBB\xBF", "\xC3\xA9", "\xE2\x80\x99", "\xFF",
      std::string("\x00\x00\x08\x03", 4), std::string("\x00\x00\x08\x01", 4), "IHDR", "IDAT",
      "IEND", "\xFF\xC0", "\xFF\xC4", "\xFF\xDA", "\xFF\xD9", "\xFF\xDB"};
  return words;
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : random_(seed) {}

  Bytes mutate(const std::vector<Bytes>& corpus, std::size_t max_len) {
    Bytes b = corpus[pick(corpus.size())];
    const int steps = 1 + static_cast<int>(pick(8));
    for (int s = 0; s < steps; ++s) step(b, corpus);
    if (b.size() > max_len) b.resize(max_len);
    return b;
  }

 private:
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : random_() % n; }

  void step(Bytes& b, const std::vector<Bytes>& corpus) {
    static const std::uint32_t interesting[] = {0,          1,          0x7F,      0x80,
                                                0xFF,       0x100,      0x7FFF,    0xFFFF,
                                                0x1000000,  0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
    switch (pick(9)) {
      case 0:  // flip a bit
        if (!b.empty()) b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
        break;
      case 1:  // a random byte
        if (!b.empty()) b[pick(b.size())] = static_cast<std::uint8_t>(random_());
        break;
      case 2: {  // a 32-bit boundary value, either byte order
        if (b.size() < 4) break;
        const std::uint32_t v = interesting[pick(std::size(interesting))];
        const std::size_t at = pick(b.size() - 3);
        const bool big = random_() & 1;
        for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * (big ? 3 - i : i)));
        break;
      }
      case 3: {  // insert random bytes
        const std::size_t n = 1 + pick(8);
        const std::size_t at = pick(b.size() + 1);
        Bytes ins(n);
        for (auto& x : ins) x = static_cast<std::uint8_t>(random_());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        break;
      }
      case 4: {  // erase a range
        if (b.empty()) break;
        const std::size_t at = pick(b.size());
        const std::size_t n = 1 + pick(std::min<std::size_t>(b.size() - at, 64));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 5: {  // duplicate a range (repetition: nesting, long lines)
        if (b.empty()) break;
        const std::size_t at = pick(b.size());
        const std::size_t n = 1 + pick(std::min<std::size_t>(b.size() - at, 32));
        const Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
        const std::size_t times = 1 + pick(pick(2) ? 4 : 200);
        for (std::size_t t = 0; t < times; ++t) b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), piece.begin(), piece.end());
        break;
      }
      case 6: {  // a dictionary word, inserted or overwriting
        const std::string& w = dictionary()[pick(dictionary().size())];
        const std::size_t at = pick(b.size() + 1);
        if (random_() & 1 || at + w.size() > b.size()) {
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), w.begin(), w.end());
        } else {
          std::copy(w.begin(), w.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
        }
        break;
      }
      case 7: {  // splice with another input
        const Bytes& other = corpus[pick(corpus.size())];
        if (other.empty()) break;
        const std::size_t cut = pick(b.size() + 1);
        const std::size_t from = pick(other.size());
        b.resize(cut);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 8:  // cut the end off (truncated files)
        b.resize(pick(b.size() + 1));
        break;
    }
  }

  std::mt19937_64 random_;
};

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--seconds S] [--runs N] [--seed N] [--max-len N] CORPUS...\n",
               argv0);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  long long runs = -1;  // -1: until the time is up
  std::uint64_t seed = 1;
  std::size_t max_len = 1 << 16;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (a == "--seconds") {
      seconds = std::stod(value());
    } else if (a == "--runs") {
      runs = std::stoll(value());
    } else if (a == "--seed") {
      seed = std::stoull(value());
    } else if (a == "--max-len") {
      max_len = std::stoull(value());
    } else if (a.rfind("--", 0) == 0) {
      usage(argv[0]);
    } else {
      inputs.emplace_back(a);
    }
  }
  if (inputs.empty()) usage(argv[0]);
  std::snprintf(g_crash_path, sizeof g_crash_path, "fuzz-crash-%ld.bin", static_cast<long>(::getpid()));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_crash);

  std::vector<Bytes> corpus;
  for (const fs::path& p : inputs) {
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) corpus.push_back(read_file(f));
    } else if (fs::is_regular_file(p)) {
      corpus.push_back(read_file(p));
    } else {
      std::fprintf(stderr, "fuzz: no such file or directory: %s\n", p.c_str());
      return 2;
    }
  }
  if (corpus.empty()) corpus.emplace_back();

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  for (const Bytes& b : corpus) run_one(b);  // the seeds themselves first
  long long done = 0;
  Mutator mutator(seed);
  while (runs < 0 ? elapsed() < seconds : done < runs) {
    run_one(mutator.mutate(corpus, max_len));
    ++done;
  }
  std::printf("fuzz: %zu seeds and %lld mutations in %.1f s, no finding (seed %llu)\n",
              corpus.size(), done, elapsed(), static_cast<unsigned long long>(seed));
  return 0;
}

// AddressSanitizer calls this before its report: save the input first.
extern "C" void __asan_on_error() { save_current_input(); }
