// DOT export of the autograd graph (see graphviz.h for what is drawn).
#include "autograd/graphviz.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "autograd/error.h"
#include "autograd/node.h"

extern char** environ;

namespace attn {

namespace {

// Rendering a graph this large takes dot minutes to hours; the .dot file is
// still written, and a learner can open it in a viewer that copes.
constexpr int64_t kMaxRenderedItems = 20000;

// A label inside DOT double quotes: quotes and backslashes escaped, newlines
// as DOT's \n, other control characters as spaces.
std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// 4 significant digits, as a learner reads them ("%.4g": 0.0001234, 1.235e+05).
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// "grad [3,7] |g|=1.23" and, on the next line, its first few values.
std::string grad_summary(const Tensor& g) {
  double sq = 0;
  const real* p = g.data();
  const int64_t n = g.numel();
  for (int64_t i = 0; i < n; ++i) sq += double(p[i]) * double(p[i]);
  std::string s = "grad " + shape_str(g.shape()) + " |g|=" + number(std::sqrt(sq)) + "\n[";
  const int64_t show = std::min<int64_t>(n, 4);
  for (int64_t i = 0; i < show; ++i) s += (i ? ", " : "") + number(p[i]);
  s += show < n ? ", ...]" : "]";
  return s;
}

struct Dot {
  std::string text;
  int64_t items = 0;  // boxes and ellipses
};

Dot build_dot(const Tensor& root) {
  ATTN_CHECK(root.defined(), "to_dot: the root tensor is undefined");
  std::ostringstream os;
  os << "digraph autograd {\n"
        "  rankdir=TB;\n"
        "  node [fontname=\"Helvetica\", fontsize=10];\n"
        "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  Dot dot;

  std::unordered_map<const TensorImpl*, int64_t> leaf_id;
  auto leaf = [&](const Tensor& t) -> std::string {
    auto [it, fresh] = leaf_id.emplace(t.impl(), static_cast<int64_t>(leaf_id.size()));
    const std::string id = std::string("t").append(std::to_string(it->second));
    if (!fresh) return id;
    ++dot.items;
    std::string label;
    if (!t.name().empty())
      label = t.name() + "\n";
    else if (!t.requires_grad())
      label = "const\n";
    label += shape_str(t.shape());
    if (!t.requires_grad() && t.numel() == 1) label.append(" = ").append(number(t.data()[0]));
    if (t.grad().defined()) label.append("\n").append(grad_summary(t.grad()));
    os << "  " << id << " [shape=ellipse, label=\"" << escape(label) << "\"";
    if (!t.requires_grad())
      os << ", style=dotted, color=gray50, fontcolor=gray40";
    else if (&t == &root)
      os << ", peripheries=2";
    os << "];\n";
    return id;
  };

  if (root.is_leaf()) {
    leaf(root);
    os << "}\n";
    dot.text = os.str();
    return dot;
  }

  // Depth-first with an explicit stack: an unrolled RNN makes chains of 10^5.
  std::unordered_map<const Node*, int64_t> node_id;
  auto id_of = [&](const Node* n) {
    return std::string("op").append(std::to_string(node_id.at(n)));
  };
  std::vector<const Node*> stack{root.grad_fn()};
  node_id.emplace(root.grad_fn(), 0);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    ++dot.items;
    std::string label = n->op() + "\n";
    for (size_t i = 0; i < n->output_shapes().size(); ++i)
      label.append(i ? " " : "").append(shape_str(n->output_shapes()[i]));
    if (n == root.grad_fn() && !root.name().empty()) label = root.name() + " = " + label;
    if (n->released()) label += "\n(released)";
    os << "  " << id_of(n) << " [shape=box, label=\"" << escape(label) << "\"";
    if (n->released()) os << ", style=dashed";
    if (n == root.grad_fn()) os << ", peripheries=2";
    os << "];\n";

    for (const Tensor& in : n->inputs()) {
      if (!in.defined()) continue;
      const Node* producer = in.grad_fn();
      if (!producer) {
        const std::string id = leaf(in);  // declares the ellipse first, on its own line
        os << "  " << id << " -> " << id_of(n) << ";\n";
        continue;
      }
      if (node_id.emplace(producer, static_cast<int64_t>(node_id.size())).second)
        stack.push_back(producer);
      // A named or grad-retaining intermediate labels the edge that carries it.
      std::ostringstream edge;
      if (producer->output_shapes().size() > 1) edge << "out " << in.output_nr() << ' ';
      if (!in.name().empty()) edge << in.name();
      if (in.grad().defined()) edge << (edge.tellp() > 0 ? "\n" : "") << grad_summary(in.grad());
      os << "  " << id_of(producer) << " -> " << id_of(n);
      if (!edge.str().empty()) os << " [label=\"" << escape(edge.str()) << "\"]";
      os << ";\n";
    }
  }
  os << "}\n";
  dot.text = os.str();
  return dot;
}

// Whether an executable named `program` is in a directory of $PATH.
bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    // An empty entry means the current directory.
    const std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs `dot -Tsvg -o svg dot_file` without a shell (no quoting of paths).
bool run_dot(const std::string& dot_file, const std::string& svg) {
  std::vector<std::string> args{"dot", "-Tsvg", "-o", svg, dot_file};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (::posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::string to_dot(const Tensor& root) {
  return build_dot(root).text;
}

bool write_dot(const Tensor& root, const std::string& path, bool render_svg) {
  namespace fs = std::filesystem;
  ATTN_CHECK(!path.empty(), "write_dot: the path is empty");
  const Dot dot = build_dot(root);

  // Write beside the target, then rename: a reader never sees half a file.
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ATTN_CHECK(out.good(), "write_dot: cannot create '", tmp, "': ", std::strerror(errno));
    out << dot.text;
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      fail("write_dot: writing '", tmp, "' failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    fail("write_dot: cannot rename '", tmp, "' to '", path, "': ", ec.message());
  }

  if (!render_svg) return false;
  if (dot.items > kMaxRenderedItems) {
    std::cerr << "write_dot: " << path << " has " << dot.items << " nodes, more than "
              << kMaxRenderedItems << " that dot renders in reasonable time; no SVG made\n";
    return false;
  }
  if (!on_path("dot")) {
    std::cerr << "write_dot: the Graphviz program 'dot' is not on PATH; wrote " << path
              << " only (install graphviz, or paste the file into an online viewer)\n";
    return false;
  }
  std::string svg = fs::path(path).replace_extension(".svg").string();
  if (svg == path) svg += ".svg";
  const std::string svg_tmp = svg + ".tmp" + std::to_string(::getpid());
  if (!run_dot(path, svg_tmp)) {
    fs::remove(svg_tmp, ec);
    std::cerr << "write_dot: 'dot -Tsvg " << path << "' failed; no SVG made\n";
    return false;
  }
  fs::rename(svg_tmp, svg, ec);
  if (ec) {
    fs::remove(svg_tmp, ec);
    std::cerr << "write_dot: cannot rename '" << svg_tmp << "' to '" << svg << "'\n";
    return false;
  }
  return true;
}

}  // namespace attn
