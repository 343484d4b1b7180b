#pragma once
// The graph that backward() walks, drawn with Graphviz.
//
//   Tensor loss = ((x.matmul(W) + b).tanh()).sum();
//   loss.backward(/*retain_graph=*/true);  // optional: see "released" below
//   write_dot(loss, "graph.dot");           // also graph.svg when `dot` is installed
//
// Boxes are ops (name and output shape), ellipses are leaf tensors (name if
// set with set_name(), shape, and the gradient when there is one: its shape,
// norm and first values). Edges run from inputs to the op that read them,
// the direction of the forward pass; backward() walks them the other way.
// Leaves that do not require grad (constants) are drawn grey and dotted; a
// named non-leaf tensor labels the edge that carries it. The root's box has a
// double border.
//
// backward() without retain_graph frees what each node saved for its backward
// pass but keeps the nodes and their edges, so the export still works; such
// nodes are drawn dashed and marked "released".
#include <string>

#include "autograd/tensor.h"

namespace attn {

// The DOT text of the graph ending at root. Iterative: a chain of 10^5 nodes
// (an unrolled RNN) is fine.
std::string to_dot(const Tensor& root);

// Writes to_dot(root) to `path` atomically (a temporary file, then a rename).
// With render_svg and the `dot` program on PATH, also runs `dot -Tsvg` to make
// `path` with its extension replaced by .svg (graph.dot -> graph.svg). Returns
// whether that SVG was made; a missing `dot` (or a graph of more than 20000
// boxes and ellipses, which dot would take minutes over) is reported on stderr
// and is not an error. Throws attn::Error when the .dot file cannot be written.
bool write_dot(const Tensor& root, const std::string& path, bool render_svg = true);

}  // namespace attn
