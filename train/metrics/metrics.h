#pragma once
// metrics.json: the machine-readable results of a tutorial run (the numbers
// its README quotes), written atomically so a reader never sees half a file.
//
//   nlohmann::json m;
//   m["final_loss"] = 0.031;
//   m["accuracy"]["length_10"] = 0.98;
//   attn::train::write_metrics(opts.out_dir, m);   // -> <out>/metrics.json
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/atomic_file.h"

namespace attn::train {

// The atomic writer lives in data/ (data cannot depend on train); it is the
// same function under this name for train's users.
using data::write_file_atomic;

// Pretty-prints (2-space indent, trailing newline) and writes atomically.
// NaN and infinities become null (JSON has no way to write them); invalid
// UTF-8 in strings is replaced with U+FFFD. Throws attn::Error naming
// the path on I/O failure.
void write_json(const std::filesystem::path& path, const nlohmann::json& value);

// Writes <out_dir>/metrics.json and returns its path.
std::filesystem::path write_metrics(const std::filesystem::path& out_dir,
                                    const nlohmann::json& metrics);

// Reads a JSON file; throws attn::Error with the path and, for a
// syntax error, the byte position of the error.
nlohmann::json read_json(const std::filesystem::path& path);

// Flattens nested objects into dotted keys, in key order (nlohmann::json
// keeps object keys sorted):
//   {"loss": 1, "acc": {"len_10": 0.9}}  ->  ("acc.len_10", 0.9), ("loss", 1)
// Arrays of objects are indexed ("runs[0].loss"); arrays of numbers or
// strings stay one value. A non-object top level becomes one entry named "value".
std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& value);

}  // namespace attn::train
