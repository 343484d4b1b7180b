#include "train/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <vector>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "train/io/strict_json.h"

namespace attn::train {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A header longer than this is not a weights file (the reference
// implementation refuses the same size); it guards against allocating
// gigabytes because eight random bytes said so.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DType {
  const char* name;
  size_t bytes;
};
constexpr DType kF32{"F32", 4}, kF64{"F64", 8};
// The dtype this build writes.
constexpr DType kRealDType = sizeof(real) == 4 ? kF32 : kF64;

// Bytes <-> numbers, little-endian on every host.
template <typename T>
T read_le(const unsigned char* p) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
  T x;
  std::memcpy(&x, b, sizeof(T));
  return x;
}
template <typename T>
void write_le(unsigned char* p, T x) {
  std::memcpy(p, &x, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(p, p + sizeof(T));
}

}  // namespace

// ---- writing -----------------------------------------------------------------

void save_safetensors(const std::filesystem::path& path, const nn::NamedTensors& tensors,
                      const Metadata& metadata) {
  const std::string where = "save_safetensors: '" + path.string() + "': ";
  // The header: __metadata__ first, then the tensors in the order given, each
  // at the next free offset, so that the data tiles exactly.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    ATTN_CHECK(!name.empty(), where, "a tensor has an empty name");
    ATTN_CHECK(name != "__metadata__", where,
               "'__metadata__' is reserved and cannot name a tensor");
    ATTN_CHECK(seen.insert(name).second, where, "tensor '", name, "' appears twice");
    ATTN_CHECK(t.defined(), where, "tensor '", name, "' is undefined");
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * kRealDType.bytes;
    header[name] = {{"dtype", kRealDType.name},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // e.g. a name that is not UTF-8
    fail(where, "cannot write the header: ", e.what());
  }
  // Spaces pad the header so that the data starts 8-byte aligned, as the
  // reference writer does; JSON ignores them.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<unsigned char> bytes(8 + text.size() + offset);
  write_le<uint64_t>(bytes.data(), text.size());
  std::memcpy(bytes.data() + 8, text.data(), text.size());
  unsigned char* out = bytes.data() + 8 + text.size();
  for (const auto& [name, t] : tensors) {
    const real* d = t.data();
    const int64_t n = t.numel();
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(out, d, n * sizeof(real));
      out += n * sizeof(real);
    } else {
      for (int64_t i = 0; i < n; ++i, out += sizeof(real)) write_le<real>(out, d[i]);
    }
  }
  try {
    data::write_file_atomic(path, std::span<const std::uint8_t>(bytes.data(), bytes.size()));
  } catch (const std::runtime_error& e) {
    fail("save_safetensors: ", e.what());
  }
}

// ---- reading -----------------------------------------------------------------

namespace {

// One tensor's entry in the header, checked on its own.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

// A non-negative JSON integer, or an error naming `what`.
uint64_t as_count(const json& j, const std::string& where, const std::string& what) {
  ATTN_CHECK(j.is_number_unsigned(), where, what, " must be a non-negative integer, found ",
             brief_json(j));
  return j.get<uint64_t>();
}

Entry parse_entry(const std::string& name, const json& j, uint64_t data_bytes,
                  const std::string& file) {
  const std::string where = file + "tensor '" + name + "': ";
  ATTN_CHECK(j.is_object(), where, "the entry must be a JSON object, found ", brief_json(j));
  for (const char* key : {"dtype", "shape", "data_offsets"})
    ATTN_CHECK(j.contains(key), where, "the entry has no \"", key, "\"");
  Entry e{name, kF32, {}, 0, 0};

  const json& dt = j["dtype"];
  ATTN_CHECK(dt.is_string(), where, "dtype must be a string, found ", brief_json(dt));
  const std::string dts = dt.get<std::string>();
  if (dts == "F64") {
    e.dtype = kF64;
  } else if (dts != "F32") {
    static const std::set<std::string> known = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
                                                "I16",  "U16", "F16", "BF16",    "I32",
                                                "U32",  "I64", "U64"};
    ATTN_CHECK(!known.count(dts), where, "dtype ", dts,
               " is not supported (attnlab reads F32 and F64)");
    fail(where, "unknown dtype '", dts, "'");
  }

  const json& sh = j["shape"];
  ATTN_CHECK(sh.is_array(), where, "shape must be an array, found ", brief_json(sh));
  // numel * element size, checked against overflow and the data's size.
  uint64_t bytes = e.dtype.bytes;
  bool too_big = false;
  for (const json& d : sh) {
    const uint64_t n = as_count(d, where, "every size in shape");
    too_big =
        too_big || n > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(bytes, n, &bytes);
    e.shape.push_back(static_cast<int64_t>(n));
  }

  const json& off = j["data_offsets"];
  ATTN_CHECK(off.is_array() && off.size() == 2, where,
             "data_offsets must be an array [begin, end], found ", brief_json(off));
  e.begin = as_count(off[0], where, "data_offsets[0]");
  e.end = as_count(off[1], where, "data_offsets[1]");
  ATTN_CHECK(e.begin <= e.end, where, "data_offsets [", e.begin, ",", e.end,
             "] end before they begin");
  ATTN_CHECK(e.end <= data_bytes, where, "data_offsets [", e.begin, ",", e.end,
             "] run past the end of the data, which has ", data_bytes,
             " bytes (is the file truncated?)");
  ATTN_CHECK(!too_big && e.end - e.begin == bytes, where, "data_offsets [", e.begin, ",", e.end,
             "] hold ", e.end - e.begin, " bytes, but shape ", shape_str(e.shape), " of ",
             e.dtype.name, " needs ",
             too_big ? std::string("more than 2^64") : std::to_string(bytes));
  return e;
}

}  // namespace

std::map<std::string, Tensor> load_safetensors(const std::filesystem::path& path,
                                               Metadata* metadata) {
  const std::string file = "load_safetensors: '" + path.string() + "': ";
  // A directory opens as a stream on some systems and claims an absurd size.
  std::error_code ec;
  ATTN_CHECK(fs::exists(path, ec), file, "no such file");
  ATTN_CHECK(fs::is_regular_file(path, ec), file, "not a regular file (a directory?)");
  const uint64_t size = fs::file_size(path, ec);
  ATTN_CHECK(!ec, file, "cannot tell the file's size (", ec.message(), ")");
  std::ifstream in(path, std::ios::binary);
  ATTN_CHECK(in, file, "cannot open the file (", std::strerror(errno), ")");
  // Reads the next `count` bytes (the header, then the data: a foreign file
  // is refused before its bulk is read).
  auto read = [&](uint64_t count) {
    std::vector<unsigned char> buf(count);
    if (count > 0)
      in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(count));
    ATTN_CHECK(in && static_cast<uint64_t>(in.gcount()) == count, file, "reading ", count,
               " bytes failed");
    return buf;
  };

  // 1. The header's length, then the header.
  ATTN_CHECK(size >= 8, file, "the file has ", size,
             " bytes, fewer than the 8 that give the header's length: not a safetensors file");
  const uint64_t n = read_le<uint64_t>(read(8).data());
  ATTN_CHECK(n <= kMaxHeaderBytes, file, "the header length ", n,
             " is absurd (more than 100 MB): not a safetensors file");
  ATTN_CHECK(n <= size - 8, file, "the header length ", n, " is larger than the ", size - 8,
             " bytes that follow it: the file is truncated or not a safetensors file");
  // A key given twice, deep nesting, or a number past a double's range is an
  // error here, like a syntax error.
  const std::vector<unsigned char> text = read(n);
  const json header = parse_strict_json(
      std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
      file + "the header");
  ATTN_CHECK(header.is_object(), file, "the header must be a JSON object, but it is a JSON ",
             header.type_name());

  // 2. Every entry on its own.
  const uint64_t data_bytes = size - 8 - n;
  std::vector<Entry> entries;
  Metadata meta;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      ATTN_CHECK(value.is_object(), file, "__metadata__ must be an object of strings, found ",
                 brief_json(value));
      for (const auto& [k, v] : value.items()) {
        ATTN_CHECK(v.is_string(), file, "__metadata__ '", k, "' must be a string, found ",
                   brief_json(v));
        meta[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(name, value, data_bytes, file));
  }

  // 3. Together they tile the data region: sorted by where they start, each
  // begins where the one before ends, and the last ends at the end of the file.
  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : order) {
    ATTN_CHECK(e->begin >= covered, file, "tensor '", e->name, "' at [", e->begin, ",", e->end,
               ") overlaps tensor '", prev ? prev->name : "", "' at [", prev ? prev->begin : 0, ",",
               prev ? prev->end : 0, ")");
    ATTN_CHECK(e->begin == covered, file, "bytes [", covered, ",", e->begin,
               ") of the data, before tensor '", e->name, "', belong to no tensor");
    covered = e->end;
    prev = e;
  }
  ATTN_CHECK(covered == data_bytes, file, data_bytes - covered, " bytes are left over after ",
             prev ? "the last tensor '" + prev->name + "'" : std::string("the header"),
             ": the data region has ", data_bytes, " bytes, the tensors cover ", covered);

  // 4. Only now, the tensors.
  std::map<std::string, Tensor> out;
  const std::vector<unsigned char> bytes = read(data_bytes);
  const unsigned char* data = bytes.data();
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape);
    real* dst = t.data();
    const unsigned char* src = data + e.begin;
    const int64_t count = t.numel();
    if (e.dtype.bytes == 4) {
      for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<real>(read_le<float>(src + 4 * i));
    } else {
      for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<real>(read_le<double>(src + 8 * i));
    }
    out.emplace(e.name, std::move(t));
  }
  if (metadata) *metadata = std::move(meta);
  return out;
}

}  // namespace attn::train
