#pragma once
// One row of a gradient-check table. Adding an op or a layer to the suite is
// adding one GradcheckCase to a table (see elementwise_cases.cpp):
//
//   {"mul_broadcast", {{3, 1, 7}, {7}}, [](auto& x) { return x[0] * x[1]; }},
//
// Inputs are drawn from N(0,1) (seeded per case), all with requires_grad;
// `prepare` may change them first (make them positive, move them off a kink,
// turn one into a constant index tensor with requires_grad_(false)).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "autograd/gradcheck.h"

namespace attn::testing {

struct GradcheckCase {
  std::string name;  // letters, digits and _ only: it names the test
  std::vector<Shape> shapes;
  std::function<Tensor(const std::vector<Tensor>&)> f;
  GradcheckOptions options = {};
  std::function<void(std::vector<Tensor>&)> prepare = nullptr;
};

// Builds the inputs of a case (seeded by its name, so reruns agree).
std::vector<Tensor> make_inputs(const GradcheckCase& c);

// Registers every row of a table as its own test, named Gradcheck.<row name> (so ctest -N
// lists "Gradcheck.matmul_3x7_7x1", and --gtest_filter='Gradcheck.matmul_*' picks rows).
// A name that is empty, holds anything but letters, digits and _, or is already taken by a
// row of any table stops the test program at start-up, naming the row and its table.
// One line at the end of each table file:
//   ATTN_GRADCHECK_TABLE(cases());
int register_gradcheck_table(std::vector<GradcheckCase> rows, const char* file, int line);
#define ATTN_GRADCHECK_TABLE(rows)                          \
  [[maybe_unused]] static const int attn_gradcheck_table_ = \
      ::attn::testing::register_gradcheck_table(rows, __FILE__, __LINE__)

// Helpers for `prepare`.
void make_positive(Tensor& t, real lo = 0.5);           // |x| + lo
void away_from(Tensor& t, real kink, real gap = 0.05);  // no element within gap of kink
void distinct_values(Tensor& t);                        // a shuffled ramp: no ties (max, argmax)
void integer_values(Tensor& t, int64_t n);              // whole numbers in [0, n), no grad

}  // namespace attn::testing
