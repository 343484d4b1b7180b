#include "helpers/fixtures.h"

#include <fstream>
#include <stdexcept>

namespace attn::testing {

using nlohmann::json;

json read_test_json(const std::string& relative) {
  const std::string path = std::string(ATTN_TEST_DATA_DIR) + "/" + relative;
  const std::string made_by =
      " (tests/fixtures/*.py write the files of tests/data/; the "
      "test's first comment names the one)";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open the fixture " + path + made_by);
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error("the fixture " + path + " is not valid JSON: " + e.what() + made_by);
  }
}

json load_parity(const std::string& name) {
  json j = read_test_json("parity/" + name + ".json");
  if (!j.contains("cases") || !j.at("cases").is_array() || j.at("cases").empty())
    throw std::runtime_error("the fixture parity/" + name + ".json has no \"cases\"");
  return j;
}

Tensor tensor_of(const json& c, const std::string& key, bool requires_grad) {
  const json& t = c.at("tensors").at(key);
  return Tensor::from_vector(as_reals(t.at("data")), t.at("shape").get<Shape>(), requires_grad);
}

bool has_tensor(const json& c, const std::string& key) {
  return c.at("tensors").contains(key);
}

std::vector<real> as_reals(const json& numbers) {
  std::vector<real> out;
  out.reserve(numbers.size());
  for (const json& x : numbers) out.push_back(static_cast<real>(x.get<double>()));
  return out;
}

}  // namespace attn::testing
