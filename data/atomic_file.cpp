#include "data/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

#include "autograd/error.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#define ATTN_POSIX_FILES 1
#endif

namespace attn::data {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw Error("write_file_atomic: cannot write '" + path.string() + "': " + what);
}

long process_id() {
#ifdef ATTN_POSIX_FILES
  return static_cast<long>(::getpid());
#else
  return 0;
#endif
}

// ".<name>.<pid>-<n>-<random>.tmp": unique to this process and this save, so
// two runs (or two threads) writing the same file never share a temp file.
// The leading dot keeps it out of a plain `ls`; the pid lets a later save
// recognise the leftovers of a process that was killed.
std::string temp_prefix(const fs::path& path) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) on "." + s + ".".
  std::string prefix = ".";
  prefix += path.filename().string();
  prefix += '.';
  return prefix;
}
fs::path temp_name(const fs::path& path) {
  static std::atomic<unsigned long> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return path.parent_path() / (temp_prefix(path) + std::to_string(process_id()) + "-" +
                               std::to_string(counter++) + "-" + std::to_string(random() % 1000000) +
                               ".tmp");
}

// Removes the temp files that earlier saves of `path` left behind when their
// process was killed between creating and renaming them (a process that is
// still alive may be saving right now: its files stay).
void remove_orphaned_temps(const fs::path& path, const fs::path& dir) {
#ifdef ATTN_POSIX_FILES
  const std::string prefix = temp_prefix(path);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - 4, 4, ".tmp") != 0) {
      continue;
    }
    const std::string rest = name.substr(prefix.size());
    long pid = 0;
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9' && digits < 18) {
      pid = pid * 10 + (rest[digits++] - '0');
    }
    if (digits == 0 || digits >= rest.size() || rest[digits] != '-' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
#else
  (void)path;
  (void)dir;
#endif
}

}  // namespace

void write_file_atomic(const fs::path& path, std::span<const std::byte> bytes) {
  if (path.empty() || !path.has_filename()) fail(path, "the path names no file");
  const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    fail(path, "the directory '" + parent.string() + "' does not exist");
  }
  remove_orphaned_temps(path, parent);
  const fs::path tmp = temp_name(path);

#ifdef ATTN_POSIX_FILES
  // O_EXCL: the name is new, or this save fails rather than share a file.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    fail(path, std::string("cannot create '") + tmp.string() + "': " + std::strerror(errno));
  }
  // On any failure below: remove the half-written temp file, keep `path` as it was.
  auto abandon = [&](bool close_fd, const std::string& why) {
    if (close_fd) ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, why);
  };
  const auto* p = reinterpret_cast<const char*>(bytes.data());
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) abandon(true, std::string("short write: ") + std::strerror(errno));
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // Without fsync a crash right after the rename can leave an empty file.
  if (::fsync(fd) != 0) abandon(true, std::string("fsync failed: ") + std::strerror(errno));
  if (::close(fd) != 0) abandon(false, std::string("close failed: ") + std::strerror(errno));
  // rename() replaces `path` in one step: a reader sees the old file or the new.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    abandon(false, "rename from '" + tmp.string() + "' failed: " + std::strerror(errno));
  }
#else
  std::FILE* f = std::fopen(tmp.string().c_str(), "wb");
  if (f == nullptr) {
    fail(path, std::string("cannot create '") + tmp.string() + "': " + std::strerror(errno));
  }
  auto abandon = [&](std::FILE* open_file, const std::string& why) {
    if (open_file != nullptr) std::fclose(open_file);
    std::error_code ignored;
    fs::remove(tmp, ignored);
    fail(path, why);
  };
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
    abandon(f, std::string("short write: ") + std::strerror(errno));
  }
  if (std::fclose(f) != 0) abandon(nullptr, std::string("close failed: ") + std::strerror(errno));
  fs::rename(tmp, path, ec);
  if (ec) abandon(nullptr, "rename from '" + tmp.string() + "' failed: " + ec.message());
#endif
}

void write_file_atomic(const fs::path& path, std::span<const std::uint8_t> bytes) {
  write_file_atomic(path, std::as_bytes(bytes));
}

void write_file_atomic(const fs::path& path, std::string_view text) {
  write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace attn::data
