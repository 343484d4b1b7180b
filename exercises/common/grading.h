#pragma once
// What every exercise's tests share: checks whose failure tells the learner what is wrong
// (which tensor or gradient, which element, by how much), not only that something is.
//
//   EXPECT_TRUE(Matches(h1, tensor_of(c, "h1"), "h' (the new hidden state)"));
//     -> h' (the new hidden state)[1,3]: yours 0.412, expected 0.398, off by 0.014
//        (allowed 1e-09); 5 of 12 elements are off
//   EXPECT_TRUE(GradientsAgree(f, {x, w}, {"x", "weight"}));
//     -> dL/dweight[2,0]: your backward gives 0.31, central differences give 0.27, ...
//   const json fixture = load_exercise_fixture("01_gru/fixtures/gru.json");
//
// Everything runs in double precision (the _f64 libraries), so the tolerances are tight:
// a right answer agrees with the fixtures to ~1e-12, a slip (a gate in the wrong order, a
// missing bias) is off by ~1e-1.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/tensor.h"

namespace attn::exercises {

// "[1,3]": the flat index `flat` of a tensor of shape `shape` as a multi-index.
std::string index_str(const Shape& shape, int64_t flat);

// Success when `yours` has `expected`'s shape and every element is within
// tol * (1 + |expected|); else the shape, or the worst element and the first few off ones,
// each with its multi-index, both values and the difference. NaN is never close.
::testing::AssertionResult Matches(const Tensor& yours, const Tensor& expected,
                                   const std::string& what, double tol = 1e-9);
::testing::AssertionResult Matches(double yours, double expected, const std::string& what,
                                   double tol = 1e-9);

// attn::gradcheck of f at `inputs` (those that require grad), reporting every failing
// element as dL/d<name>[index]: your backward gives ..., central differences give ...
::testing::AssertionResult GradientsAgree(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                                          const std::vector<std::string>& names,
                                          const GradcheckOptions& options = {});

// exercises/<relative>, parsed; a missing or broken file throws std::runtime_error naming it
// and the script that writes it.
nlohmann::json load_exercise_fixture(const std::string& relative);

// Sets a parameter (or any tensor) to `src`'s values in place, outside the graph, as
// PyTorch's `with torch.no_grad(): dst.copy_(src)`: to load fixture weights into a module.
// Throws attn::Error when the shapes differ.
void copy_into(Tensor dst, const Tensor& src);

}  // namespace attn::exercises
