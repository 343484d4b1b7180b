// The DOT export of the autograd graph: what it shows, escaping, released
// nodes, very deep graphs, and the files write_dot leaves behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograd/autograd.h"
#include "autograd/graphviz.h"
#include "helpers/temp_dir.h"

namespace attn {
namespace {

using testing::read_file;
using testing::TempDir;

namespace fs = std::filesystem;

int64_t count(const std::string& text, const std::string& what) {
  int64_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// loss = sum(x W + b): three ops, three named leaves.
struct SmallGraph {
  Tensor x = Tensor::randn({2, 3}, true).set_name("x");
  Tensor W = Tensor::randn({3, 4}, true).set_name("W");
  Tensor b = Tensor::randn({4}, true).set_name("b");
  Tensor loss = sum(matmul(x, W) + b);
};

TEST(Graphviz, ShowsOpsLeavesShapesAndEdges) {
  SmallGraph g;
  const std::string dot = to_dot(g.loss);
  EXPECT_EQ(dot.rfind("digraph", 0), 0u) << dot;
  EXPECT_EQ(dot.back(), '\n');
  EXPECT_TRUE(contains(dot, "}\n"));
  for (const char* op : {"matmul\\n[2,4]", "add\\n[2,4]", "sum\\n[]"})
    EXPECT_TRUE(contains(dot, op)) << op << " missing in\n" << dot;
  for (const char* leaf : {"x\\n[2,3]", "W\\n[3,4]", "b\\n[4]"})
    EXPECT_TRUE(contains(dot, leaf)) << leaf << " missing in\n" << dot;
  EXPECT_EQ(count(dot, "shape=box"), 3) << dot;
  EXPECT_EQ(count(dot, "shape=ellipse"), 3) << dot;
  EXPECT_EQ(count(dot, " -> "), 5) << dot;  // x, W -> matmul; matmul, b -> add; add -> sum
  EXPECT_FALSE(contains(dot, "released"));
  EXPECT_FALSE(contains(dot, "grad ["));  // no backward yet
}

TEST(Graphviz, AfterBackwardShowsGradientsAndReleasedNodes) {
  SmallGraph g;
  g.loss.backward();  // without retain_graph: nodes released, edges kept
  const std::string dot = to_dot(g.loss);
  EXPECT_EQ(count(dot, "(released)"), 3) << dot;
  EXPECT_EQ(count(dot, " -> "), 5) << dot;
  EXPECT_TRUE(contains(dot, "grad [3,4] |g|=")) << dot;
  EXPECT_TRUE(contains(dot, "grad [2,3] |g|=")) << dot;
  // d sum(.) / db = 1 for each of the 2 rows: b.grad = [2,2,2,2], |g| = 4.
  EXPECT_TRUE(contains(dot, "grad [4] |g|=4\\n[2, 2, 2, 2]")) << dot;

  SmallGraph kept;
  kept.loss.backward(/*retain_graph=*/true);
  EXPECT_FALSE(contains(to_dot(kept.loss), "released"));
}

TEST(Graphviz, ConstantsNamedIntermediatesAndTheRoot) {
  Tensor x = Tensor::ones({3}, true).set_name("x");
  Tensor h = (x * 2.5).set_name("h");
  Tensor y = (h + x).set_name("y");
  const std::string dot = to_dot(y);
  EXPECT_TRUE(contains(dot, "const\\n[] = 2.5")) << dot;  // the scalar 2.5 of x * 2.5
  EXPECT_TRUE(contains(dot, "[label=\"h\"]")) << dot;     // h labels its edge
  EXPECT_TRUE(contains(dot, "y = add\\n[3]")) << dot;     // the root carries its name
  EXPECT_EQ(count(dot, "shape=ellipse"), 2) << dot;       // x once, though used twice
  EXPECT_EQ(count(dot, "peripheries=2"), 1) << dot;

  // A leaf root is a graph of one ellipse.
  const std::string leaf = to_dot(x);
  EXPECT_EQ(count(leaf, "shape=ellipse"), 1) << leaf;
  EXPECT_EQ(count(leaf, " -> "), 0) << leaf;
  EXPECT_THROW(to_dot(Tensor()), Error);
}

TEST(Graphviz, EscapesLabels) {
  Tensor x = Tensor::ones({2}, true).set_name("say \"hi\"\\n\nnext");
  const std::string dot = to_dot(x * 2.0);
  // quote -> \", backslash -> \\, newline -> \n: the label stays one DOT string
  EXPECT_TRUE(contains(dot, "say \\\"hi\\\"\\\\n\\nnext\\n[2]")) << dot;
  for (char c : dot) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
  EXPECT_EQ(count(dot, "\n"), count(dot, ";\n") + 2 /* "digraph {" and "}" */) << dot;
}

TEST(Graphviz, ChainOfHundredThousandOpsExports) {
  constexpr int kSteps = 50000;  // two ops per step: 10^5 op nodes
  Tensor x0 = Tensor::ones({1}, true).set_name("x0");
  Tensor x = x0;
  for (int i = 0; i < kSteps; ++i) x = x * 1.0001 + 0.0;
  const std::string dot = to_dot(x);
  EXPECT_EQ(count(dot, "shape=box"), 2 * kSteps);
  EXPECT_EQ(count(dot, "x0\\n[1]"), 1);

  // write_dot writes it, but does not hand dot a graph it would take ages over.
  TempDir tmp;
  const fs::path path = tmp.path / "chain.dot";
  EXPECT_FALSE(write_dot(x, path.string()));
  EXPECT_EQ(read_file(path), dot);
  EXPECT_FALSE(fs::exists(tmp.path / "chain.svg"));
}

TEST(Graphviz, WriteDotWithoutSvgWritesOnlyTheDotFile) {
  SmallGraph g;
  TempDir tmp;
  const fs::path path = tmp.path / "graph.dot";
  EXPECT_FALSE(write_dot(g.loss, path.string(), /*render_svg=*/false));
  EXPECT_EQ(read_file(path), to_dot(g.loss));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);  // no temporary left behind, no SVG

  // Overwriting an existing file works (rename replaces it).
  g.loss.backward();
  EXPECT_FALSE(write_dot(g.loss, path.string(), false));
  EXPECT_TRUE(contains(read_file(path), "(released)"));
}

TEST(Graphviz, WriteDotToAMissingDirectoryThrows) {
  SmallGraph g;
  TempDir tmp;
  const fs::path path = tmp.path / "no_such_dir" / "graph.dot";
  try {
    write_dot(g.loss, path.string(), false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "write_dot")) << e.what();
    EXPECT_TRUE(contains(e.what(), "no_such_dir")) << e.what();
  }
}

TEST(Graphviz, WriteDotMakesAnSvgWhenGraphvizIsInstalled) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "the Graphviz program 'dot' is not on PATH";
  SmallGraph g;
  g.loss.backward();
  TempDir tmp;
  const fs::path path = tmp.path / "graph.dot";
  EXPECT_TRUE(write_dot(g.loss, path.string()));
  const fs::path svg = tmp.path / "graph.svg";
  ASSERT_TRUE(fs::exists(svg));
  const std::string text = read_file(svg);
  EXPECT_TRUE(contains(text, "<svg")) << text.substr(0, 200);
  EXPECT_TRUE(contains(text, "matmul"));
  EXPECT_TRUE(contains(text, "W"));
}

TEST(Graphviz, WriteDotWithoutDotOnPathStillWritesTheDotFile) {
  SmallGraph g;
  TempDir tmp;
  const fs::path path = tmp.path / "graph.dot";
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", tmp.path.c_str(), 1);  // a directory without dot
  bool made = true;
  EXPECT_NO_THROW(made = write_dot(g.loss, path.string()));
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_FALSE(made);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(tmp.path / "graph.svg"));
}

}  // namespace
}  // namespace attn
