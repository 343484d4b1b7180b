#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/fuzz_target.h"

namespace attn::fuzz {

namespace {

namespace fs = std::filesystem;

struct OwnDirectory {
  fs::path path;
  OwnDirectory() {
    // In memory where there is a tmpfs: the harness writes a file per input,
    // and on a disk the writes, not the loader, would set the pace.
    std::error_code ec;
    const char* tmpdir = std::getenv("TMPDIR");
    const fs::path base = (tmpdir == nullptr || *tmpdir == '\0') && fs::is_directory("/dev/shm", ec)
                              ? fs::path("/dev/shm")
                              : fs::temp_directory_path();
    std::string pattern = (base / "attn_fuzz_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    path = pattern;
  }
  ~OwnDirectory() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

fs::path as_file(std::span<const std::uint8_t> bytes, std::string_view name) {
  static OwnDirectory dir;
  const fs::path p = dir.path / std::string(name);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::perror("fuzz: writing the input file");
    std::abort();
  }
  return p;
}

}  // namespace attn::fuzz
