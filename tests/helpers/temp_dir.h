#pragma once
// TempDir: a fresh, empty directory of its own under the system's temp directory, removed
// with everything in it when the object goes out of scope.
//
//   TempDir tmp;
//   const fs::path cfg = tmp.write("c.json", R"({"epochs": 7})");
//   save_png(tmp.path / "a.png", img);
//
// Its name holds the process id, a counter and the running test's name, so tests that run
// side by side (ctest -j, several build trees sharing /tmp) never meet in one directory,
// and a directory left behind by a crash says which test made it.
#include <filesystem>
#include <string>
#include <string_view>

namespace attn::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes bytes into the file `name` inside the directory; returns its path.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const;

  const std::filesystem::path path;
};

// The whole content of a file, byte for byte ("" when it cannot be read).
std::string read_file(const std::filesystem::path& file);

}  // namespace attn::testing
