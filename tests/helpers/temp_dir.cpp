#include "helpers/temp_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>

namespace attn::testing {

namespace fs = std::filesystem;

namespace {

fs::path fresh_path() {
  static std::atomic<int> counter{0};
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = test ? std::string(test->test_suite_name()) + "." + test->name() : "setup";
  for (char& c : name)  // a parameterised test's name holds '/'
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';
  return fs::temp_directory_path() /
         ("attn_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + name);
}

}  // namespace

TempDir::TempDir() : path(fresh_path()) {
  fs::remove_all(path);  // a leftover of an earlier process that had the same id
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor must not throw; what is left is in /tmp
  fs::remove_all(path, ignored);
}

fs::path TempDir::write(const std::string& name, std::string_view bytes) const {
  const fs::path file = path / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace attn::testing
