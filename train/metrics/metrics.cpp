#include "train/metrics/metrics.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autograd/error.h"

namespace attn::train {

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  const std::string text =
      value.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace) + "\n";
  write_file_atomic(path, std::string_view(text));
}

std::filesystem::path write_metrics(const std::filesystem::path& out_dir,
                                    const nlohmann::json& metrics) {
  if (!metrics.is_object()) {
    throw Error(std::string("write_metrics: metrics is a JSON ") + metrics.type_name() +
                "; expected an object of named results (e.g. {\"final_loss\": 0.1})");
  }
  const std::filesystem::path path = out_dir / "metrics.json";
  write_json(path, metrics);
  return path;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("read_json: cannot open '" + path.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() already names the line/column or byte and what was expected.
    throw Error("read_json: '" + path.string() + "' is not valid JSON: " + e.what());
  }
}

namespace {

void flatten_into(const std::string& prefix, const nlohmann::json& v,
                  std::vector<std::pair<std::string, nlohmann::json>>& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [key, child] : v.items()) {
      flatten_into(prefix.empty() ? key : prefix + "." + key, child, out);
    }
    return;
  }
  const bool array_of_structures =
      v.is_array() && !v.empty() &&
      std::any_of(v.begin(), v.end(), [](const auto& e) { return e.is_structured(); });
  if (array_of_structures) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      flatten_into(prefix + "[" + std::to_string(i) + "]", v[i], out);
    }
    return;
  }
  out.emplace_back(prefix.empty() ? "value" : prefix, v);
}

}  // namespace

std::vector<std::pair<std::string, nlohmann::json>> flatten_json(const nlohmann::json& value) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  flatten_into("", value, out);
  return out;
}

}  // namespace attn::train
