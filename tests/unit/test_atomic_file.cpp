// write_file_atomic under stress: two writers sharing a folder, a writer
// killed (SIGKILL) at random moments many times, a write that fails half-way.
// A reader must always find the old file or a new one, whole; no temp file
// may be left behind once a save has finished.
#include <gtest/gtest.h>

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "helpers/temp_dir.h"

namespace attn::data {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// A file that proves its own wholeness: "<n>:" then n copies of one letter.
std::string record(char letter, std::size_t n) { return std::to_string(n) + ":" + std::string(n, letter); }
bool whole(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::size_t n = std::stoul(s.substr(0, colon));
  if (s.size() != colon + 1 + n) return false;
  return s.find_first_not_of(s[colon + 1], colon + 1) == std::string::npos;
}
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
int temp_files(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".tmp";
  return n;
}

TEST(AtomicFile, TwoWritersSharingAFolderNeverTearTheFile) {
  TempDir tmp;
  const fs::path p = tmp.path / "metrics.json";
  write_file_atomic(p, record('a', 10));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  auto writer = [&](char letter) {
    for (std::size_t i = 0; !stop; ++i) {
      try {
        write_file_atomic(p, record(letter, 1000 + (i * 7919) % 200000));
      } catch (const Error&) {
        ++failures;
      }
    }
  };
  std::thread a(writer, 'a'), b(writer, 'b');
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  int samples = 0;
  while (std::chrono::steady_clock::now() < end) {
    const std::string s = read_all(p);
    ASSERT_TRUE(whole(s)) << "torn file of " << s.size() << " bytes";
    ++samples;
  }
  stop = true;
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(samples, 10);
  EXPECT_EQ(temp_files(tmp.path), 0);
}

// Kills a writer at random moments, round after round (bounded to ~2 s): the
// file is always whole, and the next save clears what the killed ones left.
TEST(AtomicFile, AWriterKilledAtRandomLeavesTheOldOrTheNewFile) {
  TempDir tmp;
  const fs::path p = tmp.path / "model.safetensors";
  write_file_atomic(p, record('0', 100));
  std::mt19937 random(12345);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int rounds = 0, saw_new = 0;
  while (std::chrono::steady_clock::now() < end && rounds < 400) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (std::size_t i = 1;; ++i) {
        try {
          write_file_atomic(p, record(static_cast<char>('a' + i % 26), 50000 + i * 997 % 300000));
        } catch (...) {
          _exit(1);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed instead of being killed";
    const std::string s = read_all(p);
    ASSERT_TRUE(whole(s)) << "torn file of " << s.size() << " bytes after round " << rounds;
    saw_new += s[s.find(':') + 1] != '0';
    ++rounds;
  }
  EXPECT_GT(rounds, 10);
  EXPECT_GT(saw_new, 0) << "no writer ever finished a save: the test proved nothing";
  // The killed writers' temp files are gone after one more save.
  write_file_atomic(p, record('z', 10));
  EXPECT_EQ(temp_files(tmp.path), 0);
}

// A write that fails half-way (the file size limit, EFBIG): the old file
// stays, the temp file is removed, the message names the path.
TEST(AtomicFile, AFailedWriteLeavesTheOldFileAndNoTempFile) {
  TempDir tmp;
  const fs::path p = tmp.path / "index.html";
  write_file_atomic(p, record('o', 10));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      write_file_atomic(p, record('n', 100000));
    } catch (const Error& e) {
      _exit(std::string(e.what()).find(p.string()) != std::string::npos ? 0 : 2);
    }
    _exit(3);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error; 2: the message lacks the path";
  EXPECT_EQ(read_all(p), record('o', 10));
  EXPECT_EQ(temp_files(tmp.path), 0);
}

}  // namespace
}  // namespace attn::data
#endif
