#pragma once
// Writing a file so that a reader never sees half of it.
//
// Every file a tutorial leaves behind (figures, metrics.json, index.html,
// checkpoints, PNGs) goes through write_file_atomic: the bytes go to a temp
// file of a name no other save uses (".<name>.<pid>-<n>-<random>.tmp", created
// with O_EXCL) in the same directory, are flushed to disk (fsync), and the
// temp file is renamed over <path>. A rename inside one directory is atomic
// on POSIX file systems, so a run killed half-way leaves either the old file
// or the new one, never a truncated mix, and two runs saving into one folder
// never write into each other's temp file. The temp files of a process killed
// mid-save are removed by the next save of the same path. It lives in data/
// because both data/ (PNG writing) and train/ (figures, reports, checkpoints)
// need it, and the dependency arrow runs train -> data.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace attn::data {

// Replaces (or creates) `path` with `bytes`. The parent directory must exist.
// Throws attn::Error naming the path and the system's reason on any
// failure; the temp file is removed first, and `path` is left untouched.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
void write_file_atomic(const std::filesystem::path& path, std::string_view text);

}  // namespace attn::data
