#pragma once
// The numbers PyTorch wrote for the tests: JSON files under tests/data/ (parity/*.json,
// interop/*.json), made by the scripts in tests/fixtures/ and committed with them.
//
//   const json fixture = load_parity("linear");       // tests/data/parity/linear.json
//   for (const json& c : fixture.at("cases")) {
//     Tensor x = tensor_of(c, "x", /*requires_grad=*/true);   // c["tensors"]["x"]
//     ...
//   }
//
// Keep the fixture in a variable, as above: a range-for over a member of a temporary
// would walk freed memory.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace attn::testing {

// tests/data/<relative>, parsed; a missing or broken file throws std::runtime_error that
// names it and the scripts that write it.
nlohmann::json read_test_json(const std::string& relative);

// tests/data/parity/<name>.json, which must hold a non-empty "cases" array.
nlohmann::json load_parity(const std::string& name);

// The tensor `key` of a case: c["tensors"][key] = {"shape": [...], "data": [...]}, the
// numbers rounded to `real`.
Tensor tensor_of(const nlohmann::json& c, const std::string& key, bool requires_grad = false);
// Whether the case has a tensor `key` (an optional bias, an initial state).
bool has_tensor(const nlohmann::json& c, const std::string& key);

// A JSON array of numbers as `real`s.
std::vector<real> as_reals(const nlohmann::json& numbers);

}  // namespace attn::testing
