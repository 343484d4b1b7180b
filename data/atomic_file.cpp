#include "data/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "autograd/error.h"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace attn::data {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw Error("write_file_atomic: cannot write '" + path.string() + "': " + what);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  namespace fs = std::filesystem;
  if (path.empty() || !path.has_filename()) fail(path, "the path names no file");
  const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    fail(path, "the directory '" + parent.string() + "' does not exist");
  }
  fs::path tmp = path;
  tmp += ".tmp";

  // On any failure below: remove the half-written temp file, keep `path` as it was.
  auto abandon = [&](std::FILE* f, const std::string& why) {
    if (f != nullptr) std::fclose(f);
    std::error_code ignored;
    fs::remove(tmp, ignored);
    fail(path, why);
  };

  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr)
    fail(path, std::string("cannot create '") + tmp.string() + "': " + std::strerror(errno));
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
    abandon(f, std::string("short write: ") + std::strerror(errno));
  }
  if (std::fflush(f) != 0) abandon(f, std::string("flush failed: ") + std::strerror(errno));
#if defined(__unix__) || defined(__APPLE__)
  // Without fsync a crash right after the rename can leave an empty file.
  if (::fsync(::fileno(f)) != 0) abandon(f, std::string("fsync failed: ") + std::strerror(errno));
#endif
  if (std::fclose(f) != 0) abandon(nullptr, std::string("close failed: ") + std::strerror(errno));

  fs::rename(tmp, path, ec);
  if (ec) abandon(nullptr, "rename from '" + tmp.string() + "' failed: " + ec.message());
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  write_file_atomic(path, std::as_bytes(bytes));
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  write_file_atomic(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace attn::data
