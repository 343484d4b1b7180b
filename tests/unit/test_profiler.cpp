// The op profiler (autograd/profiler.h): exact call counts forward and backward, self time
// that leaves out the ops called inside, nothing recorded while off or on another thread,
// a row for every op of a graph, and every op of the library opening its scope. No test
// here depends on how long anything takes: times are only compared with each other.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>

#include "autograd/autograd.h"
#include "autograd/profiler.h"
#include "layers/embedding.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/losses.h"
#include "layers/scaled_dot_product.h"
#include "train/optim/adam.h"

namespace attn {
namespace {

// Each test starts with the profiler on and empty, and leaves it off and empty.
class Profiler : public ::testing::Test {
 protected:
  void SetUp() override {
    profiler::enable();
    profiler::reset();
  }
  void TearDown() override {
    profiler::disable();
    profiler::reset();
  }
};

std::map<std::string, profiler::OpStats> rows_by_op() {
  std::map<std::string, profiler::OpStats> m;
  for (const auto& r : profiler::snapshot().rows) m[r.op] = r;
  return m;
}

TEST_F(Profiler, CountsForwardAndBackwardCallsExactly) {
  Tensor a = Tensor::randn({2, 3}, true), b = Tensor::randn({2, 3}, true);
  for (int step = 0; step < 2; ++step) {
    Tensor y = tanh(mul(a, b));
    y.backward(Tensor::ones(y.shape()));
  }
  const auto rows = rows_by_op();
  // The backward of mul calls mul (and tanh's calls mul and sub): those calls are part of
  // the backward rows, not forward calls of their own.
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at("mul").forward_calls, 2);
  EXPECT_EQ(rows.at("mul").backward_calls, 2);
  EXPECT_EQ(rows.at("tanh").forward_calls, 2);
  EXPECT_EQ(rows.at("tanh").backward_calls, 2);
  EXPECT_EQ(rows.at("backward_engine").forward_calls, 0);
  EXPECT_EQ(rows.at("backward_engine").backward_calls, 2);
  for (const auto& [op, r] : rows) EXPECT_FALSE(r.unscoped) << op;
}

// An op of the test's own, made of two library ops, as a composed layer is.
Tensor two_tanh(const Tensor& x) {
  ATTN_PROFILE_OP("test_two_tanh");
  return tanh(tanh(x));
}

TEST_F(Profiler, SelfTimeLeavesOutTheOpsCalledInside) {
  Tensor x = Tensor::randn({64, 64});
  two_tanh(x);
  const auto rows = rows_by_op();
  ASSERT_EQ(rows.size(), 2u);  // the outer op and the inner one, each its own row
  const auto& outer = rows.at("test_two_tanh");
  const auto& inner = rows.at("tanh");
  EXPECT_EQ(outer.forward_calls, 1);
  EXPECT_EQ(inner.forward_calls, 2);
  // Every tanh ran inside the outer op, so its time is what the outer op's self time left
  // out: the two add up to the outer op's inclusive time exactly.
  EXPECT_EQ(outer.forward_self_ns + inner.forward_inclusive_ns, outer.forward_inclusive_ns);
  EXPECT_LE(outer.forward_self_ns, outer.forward_inclusive_ns);
  EXPECT_EQ(inner.forward_self_ns, inner.forward_inclusive_ns);  // tanh calls no op
  EXPECT_EQ(outer.total_ns(), outer.forward_self_ns);
}

TEST_F(Profiler, LibraryOpCallingOpsCountsThemSeparately) {
  // sum reduces with sum_to and reshapes the result: three rows, sum's self time without them.
  Tensor x = Tensor::randn({4, 5}, true);
  sum(x, {1}).sum().backward();
  const auto rows = rows_by_op();
  const auto& s = rows.at("sum");
  EXPECT_EQ(s.forward_calls, 2);
  EXPECT_EQ(s.backward_calls, 2);
  EXPECT_EQ(rows.at("sum_to").forward_calls, 2);
  EXPECT_EQ(rows.at("sum_to").backward_calls, 0);  // ran on detached data: no node
  EXPECT_LE(s.forward_self_ns + rows.at("sum_to").forward_inclusive_ns, s.forward_inclusive_ns);
}

TEST_F(Profiler, RecordsNothingWhileOff) {
  profiler::disable();
  Tensor x = Tensor::randn({3, 3}, true);
  tanh(matmul(x, x)).sum().backward();
  EXPECT_TRUE(profiler::snapshot().rows.empty());
  profiler::enable();
  tanh(x);
  EXPECT_EQ(rows_by_op().at("tanh").forward_calls, 1);
}

TEST_F(Profiler, ResetForgetsEveryRow) {
  Tensor x = Tensor::randn({3, 3}, true);
  tanh(x).sum().backward();
  EXPECT_FALSE(profiler::snapshot().rows.empty());
  profiler::reset();
  EXPECT_TRUE(profiler::snapshot().rows.empty());
  EXPECT_EQ(profiler::snapshot().in_ops_ns, 0);
  relu(x);
  const auto rows = rows_by_op();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.at("relu").forward_calls, 1);
}

// The matrix products' multiply-adds: a [3, 4] x [4, 5] product makes 60, its backward two
// more products of that size (dA = dC B^T, dB = A^T dC); none while off; reset forgets them.
TEST_F(Profiler, CountsTheMultiplyAddsOfMatrixProducts) {
  Tensor a = Tensor::randn({3, 4}, true), b = Tensor::randn({4, 5}, true);
  Tensor c = matmul(a, b);
  EXPECT_EQ(profiler::snapshot().multiply_adds, 60);
  c.sum().backward();
  EXPECT_EQ(profiler::snapshot().multiply_adds, 180);
  std::ostringstream table;
  profiler::report(table);
  EXPECT_NE(table.str().find("(2 x 180 multiply-adds)"), std::string::npos) << table.str();
  std::ostringstream json;
  profiler::write_json(json);
  EXPECT_EQ(nlohmann::json::parse(json.str()).at("multiply_adds").get<int64_t>(), 180);
  profiler::reset();
  EXPECT_EQ(profiler::snapshot().multiply_adds, 0);
  profiler::disable();
  matmul(a, b);
  EXPECT_EQ(profiler::snapshot().multiply_adds, 0);
}

TEST_F(Profiler, OnlyTheThreadThatEnabledItRecords) {
  Tensor x = Tensor::randn({3, 3});
  std::thread other([&x] { tanh(x); });
  other.join();
  EXPECT_TRUE(profiler::snapshot().rows.empty());
}

// The node names of a graph, walked from its output.
std::set<std::string> node_names(const Tensor& out) {
  std::set<std::string> names;
  std::vector<Node*> todo{out.grad_fn()};
  std::unordered_set<Node*> seen;
  while (!todo.empty()) {
    Node* n = todo.back();
    todo.pop_back();
    if (!n || !seen.insert(n).second) continue;
    names.insert(n->op());
    for (const Tensor& in : n->inputs()) todo.push_back(in.grad_fn());
  }
  return names;
}

TEST_F(Profiler, EveryOpOfAGraphHasItsRow) {
  // A small attention model: embedding, linear projections, fused attention, layer norm,
  // views and a loss.
  const int64_t B = 2, T = 5, V = 11, D = 8;
  Tensor ids = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {B, T});
  Tensor table = Tensor::randn({V, D}, true), w = Tensor::randn({D, D}, true);
  Tensor gamma = Tensor::ones({D}, true), beta = Tensor::zeros({D}, true);
  Tensor e = nn::embedding(ids, table);
  Tensor q = reshape(nn::linear(e, w), {B, 1, T, D});
  Tensor k = transpose(transpose(q, 2, 3), 2, 3);
  auto [o, weights] = nn::scaled_dot_product_attention(q, k, q);
  Tensor h = nn::layer_norm(reshape(o, {B, T, D}) + e, {D}, gamma, beta);
  Tensor logits = nn::linear(gelu(h), Tensor::randn({V, D}, true));
  Tensor loss = nn::cross_entropy(reshape(logits, {B * T, V}), reshape(ids, {B * T}));
  const std::set<std::string> names = node_names(loss);
  loss.backward();

  const auto rows = rows_by_op();
  ASSERT_GE(names.size(), 8u);
  for (const std::string& op : names) {
    ASSERT_TRUE(rows.count(op)) << op << " made a node but has no row";
    EXPECT_GE(rows.at(op).forward_calls, 1) << op;
    EXPECT_GE(rows.at(op).backward_calls, 1) << op;
    EXPECT_FALSE(rows.at(op).unscoped) << op;
  }
}

TEST_F(Profiler, AnOpWithoutItsScopeIsFlagged) {
  // A learner's own op that forgot ATTN_PROFILE_OP: still a row, marked unscoped.
  Tensor x = Tensor::randn({3}, true);
  Tensor y = record("test_unscoped", x.detach() * 2.0, {x},
                    [](const Tensor& g) { return std::vector<Tensor>{g * 2.0}; });
  y.sum().backward();
  const auto rows = rows_by_op();
  EXPECT_TRUE(rows.at("test_unscoped").unscoped);
  EXPECT_EQ(rows.at("test_unscoped").forward_calls, 1);
  EXPECT_EQ(rows.at("test_unscoped").backward_calls, 1);
  EXPECT_FALSE(rows.at("mul").unscoped);
  std::ostringstream os;
  profiler::report(os);
  EXPECT_NE(os.str().find("test_unscoped*"), std::string::npos) << os.str();
}

TEST_F(Profiler, OptimizerStepIsARow) {
  Tensor w = Tensor::randn({4}, true);
  optim::Adam opt({w}, {});
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    (w * w).sum().backward();
    opt.step();
  }
  EXPECT_EQ(rows_by_op().at("adam_step").forward_calls, 3);
}

TEST_F(Profiler, ReportAndJsonListEveryRowSortedByTotal) {
  Tensor x = Tensor::randn({16, 16}, true);
  for (int i = 0; i < 3; ++i) tanh(matmul(x, x)).sum().backward();
  const profiler::Snapshot s = profiler::snapshot();
  for (size_t i = 1; i < s.rows.size(); ++i)
    EXPECT_GE(s.rows[i - 1].total_ns(), s.rows[i].total_ns());
  int64_t in_ops = 0;
  for (const auto& r : s.rows) in_ops += r.total_ns();
  EXPECT_EQ(in_ops, s.in_ops_ns);

  std::ostringstream table;
  profiler::report(table);
  for (const auto& r : s.rows) EXPECT_NE(table.str().find(r.op), std::string::npos) << r.op;
  EXPECT_NE(table.str().find("(outside ops)"), std::string::npos);

  std::ostringstream json;
  profiler::write_json(json);
  const auto j = nlohmann::json::parse(json.str());
  std::set<std::string> json_ops;
  for (const auto& row : j.at("ops")) {
    json_ops.insert(row.at("op").get<std::string>());
    if (row.at("op") == "matmul") {
      EXPECT_EQ(row.at("forward_calls").get<int>(), 3);
      EXPECT_EQ(row.at("backward_calls").get<int>(), 3);
    }
  }
  std::set<std::string> snapshot_ops;
  for (const auto& r : profiler::snapshot().rows) snapshot_ops.insert(r.op);
  EXPECT_EQ(json_ops, snapshot_ops);
}

// Every op of the library opens a scope named as its node: in each source file, every
// record("name", ...) or record_multi(name, ...) has an ATTN_PROFILE_OP(name) beside it.
// (A name passed in a variable, record(op, ...), needs ATTN_PROFILE_OP(op).)
TEST(ProfilerScopes, EveryRecordedOpOpensItsScope) {
  namespace fs = std::filesystem;
  const std::regex recorded(R"(\brecord(_multi)?\(\s*("[A-Za-z0-9_]+"|[A-Za-z_][A-Za-z0-9_]*))");
  int files_with_ops = 0;
  for (const char* dir : {"autograd", "layers", "models", "data", "train"}) {
    const fs::path root = fs::path(ATTN_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      // node.cpp defines record() itself.
      if (entry.path().extension() != ".cpp" || entry.path().filename() == "node.cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream buf;
      buf << in.rdbuf();
      std::string text = buf.str();
      // Comments show how to write an op; only code counts.
      text = std::regex_replace(text, std::regex(R"(//[^\n]*)"), "");
      bool any = false;
      for (std::sregex_iterator it(text.begin(), text.end(), recorded), end; it != end; ++it) {
        const std::string name = (*it)[2];
        any = true;
        EXPECT_NE(text.find("ATTN_PROFILE_OP(" + name + ")"), std::string::npos)
            << entry.path().string() << ": record(" << name << ", ...) without ATTN_PROFILE_OP("
            << name << ")";
      }
      files_with_ops += any;
    }
  }
  EXPECT_GE(files_with_ops, 20);  // the walk found the ops (not an empty or moved tree)
}

}  // namespace
}  // namespace attn
