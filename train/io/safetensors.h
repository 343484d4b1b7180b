#pragma once
// The safetensors file format (Hugging Face), which PyTorch, JAX and the Hub
// read: weights saved here load there, and back.
//
//   bytes 0..7      N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N    a JSON object, UTF-8, maybe padded with spaces:
//                     {"__metadata__": {"step": "1200"},           (optional, string -> string)
//                      "fc.weight": {"dtype": "F32", "shape": [4, 3],
//                                    "data_offsets": [0, 48]}, ...}
//   the rest        the data: each tensor's elements row-major, little-endian,
//                   at [begin, end) counted from the first byte after the
//                   header; the tensors tile the data exactly (no gap, no
//                   overlap, nothing after the last one).
//
// A file is read whole and checked before any tensor is made, so a
// truncated, corrupt or foreign file gives an attn::Error that names the file
// and (where there is one) the tensor, never a crash or a wrong tensor.
#include <filesystem>
#include <map>
#include <string>

#include "autograd/tensor.h"
#include "layers/module.h"

namespace attn::train {

using Metadata = std::map<std::string, std::string>;

// Writes the tensors in the given order, as F32 (F64 in the double build),
// atomically: the bytes go to a temp file in the same directory, which is
// flushed to disk and renamed over `path`, so a run killed mid-save leaves the
// previous file whole. Names must be unique, non-empty and not "__metadata__".
void save_safetensors(const std::filesystem::path& path, const nn::NamedTensors& tensors,
                      const Metadata& metadata = {});

// Reads every tensor (F32 or F64 in the file, converted to real) by name.
// When `metadata` is given it receives the file's __metadata__ (or nothing).
std::map<std::string, Tensor> load_safetensors(const std::filesystem::path& path,
                                               Metadata* metadata = nullptr);

}  // namespace attn::train
