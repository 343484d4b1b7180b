#pragma once
// index.html: the page a learner opens after a tutorial run. It shows the
// explanation, the numbers (metrics.json as a table) and every figure, and
// links the files of the run. One self-contained file with its own CSS and
// no external assets; figures are referenced by relative paths, so the
// output directory can be moved or zipped as a whole and opened offline.
//
//   attn::train::Report report("01 · The seq2seq bottleneck");
//   report.paragraph("An encoder squeezes the input into one vector; `h_T` is all the "
//                    "decoder sees. Accuracy falls as inputs grow longer.");
//   report.metrics(metrics);                       // a nlohmann::json object
//   report.figure("accuracy_vs_length.svg", "Exact-match accuracy by input length.");
//   report.link("metrics.json", "all numbers of this run");
//   report.link("model.safetensors", "the trained weights");
//   report.run_info(opts);
//   report.save(opts.out_dir);                     // -> <out>/index.html
//
// Text is always escaped. The one piece of markup: `backticks` in
// paragraph() text become <code>.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace attn::train {

struct RunOptions;

// One picture of the click-a-word explorer (Report::caption_explorer) and its
// caption: the plain picture, and for each generated word the picture with
// that word's attention over it (save_explorer_images in attention_strip.h
// writes both). Paths are looked up like figures.
struct ExplorerItem {
  std::filesystem::path image;
  std::vector<std::pair<std::string, std::filesystem::path>> words;  // word, its overlay
  std::string label;  // shown above the picture: the caption, the model, its BLEU...
};

class Report {
 public:
  explicit Report(std::string title);

  // Blocks appear in the page in the order they are added.
  Report& heading(std::string text);
  Report& paragraph(std::string text);
  // A table of the metrics, nested keys flattened ("accuracy.length_10").
  Report& metrics(const nlohmann::json& metrics, std::string heading = "Results");
  // An image (PNG, SVG, JPEG...) with a caption. A path is looked up first
  // inside the output directory given to save(), then as given (relative to
  // the working directory, or absolute); save() throws if neither exists.
  Report& figure(std::filesystem::path file, std::string caption);
  // A row of small images with a label under each (e.g. one attention
  // overlay per generated word) and one caption for the row.
  Report& figure_row(std::vector<std::pair<std::filesystem::path, std::string>> images,
                     std::string caption);

  // Pictures with their captions' words as buttons: clicking a word shows
  // where the model looked while writing it (that word's overlay in the
  // picture's place) and highlights the word; clicking it again, or the
  // "image" button, shows the plain picture. The page carries one small inline
  // script (no external files, works from file://), written once however many
  // explorers it holds. Items are numbered across the page from 0, and
  // index.html#explore-I-T opens with word T of item I selected: a link to a word.
  Report& caption_explorer(std::vector<ExplorerItem> items, std::string caption);

  // Listed at the end under "Files of this run"; looked up like figures.
  Report& link(std::filesystem::path file, std::string description);
  // How the run was made: the command line, seed, threads, quick or full,
  // and the configuration used (keys read so far, with their values).
  Report& run_info(const RunOptions& options);

  // The page, with paths made relative to out_dir (where index.html goes).
  std::string to_html(const std::filesystem::path& out_dir) const;
  // Writes <out_dir>/index.html atomically and returns its path.
  std::filesystem::path save(const std::filesystem::path& out_dir) const;

 private:
  struct Block {
    enum Kind { kHeading, kParagraph, kMetrics, kFigure, kFigureRow, kExplorer } kind;
    std::string text;     // heading/paragraph/caption
    nlohmann::json data;  // metrics
    std::vector<std::pair<std::filesystem::path, std::string>> images;
    std::vector<ExplorerItem> items;  // caption explorer
  };
  std::string title_;
  std::vector<Block> blocks_;
  std::vector<std::pair<std::filesystem::path, std::string>> links_;
  std::vector<std::pair<std::string, std::string>> run_rows_;
};

}  // namespace attn::train
