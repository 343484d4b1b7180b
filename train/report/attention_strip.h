#pragma once
// Where a captioner looked while it wrote each word: the picture, then one
// panel per generated word with that step's attention weights (a coarse grid,
// one weight per region of the CNN's feature map) upsampled and laid over the
// picture, the word written under its panel (Xu et al. 2015, figure 3).
//
//   AttentionStrip s;
//   s.image = data::image_from_chw(pixels, 3, 48, 48);
//   s.words = {"a", "red", "circle", "<end>"};
//   s.alpha = alphas;                  // alphas[t]: 6 * 6 weights for words[t], row-major
//   s.grid_h = s.grid_w = 6;
//   s.title = "a red circle   (BLEU-4 41.2; reference: a small red circle)";
//   save_attention_strip(out / "attention_0.svg", s);
//
// The SVG holds its pictures as PNGs inside data: URIs (base64), so it is one
// self-contained file: a browser, the HTML report and a README on GitHub all
// show it without the files it was made from.
#include <filesystem>
#include <string>
#include <vector>

#include "data/image_io.h"
#include "train/report/report.h"

namespace attn::train {

struct AttentionStrip {
  data::Image image;                      // the picture, e.g. 48x48 RGB from image_from_chw
  std::vector<std::string> words;         // the generated words, in order
  std::vector<std::vector<float>> alpha;  // alpha[t]: grid_h*grid_w weights for words[t], row-major
  int grid_h = 0, grid_w = 0;
  std::string title;  // above the strip; a '\n' starts a new line
};

// Throws attn::Error naming what is wrong: an empty or inconsistent image, a
// number of weight grids different from the number of words, a grid of the
// wrong size, a weight that is negative, NaN or infinite. `where` starts the message.
void check_attention_strip(const AttentionStrip& strip, const std::string& where);

// One SVG: the title above, then the picture and one panel per word, each the
// picture enlarged `scale` times with the word's attention laid over it
// (data::overlay_heatmap: each panel's largest weight reaches the top of the
// colour ramp). Past `per_row` words, the panels wrap to a new row. Written
// atomically; throws attn::Error on bad input (see check_attention_strip),
// scale or per_row < 1, or an I/O failure.
void save_attention_strip(const std::filesystem::path& svg, const AttentionStrip& strip,
                          int scale = 3, int per_row = 8);

// Several strips stacked in one SVG, each under its own title (the failure
// gallery: the worst captions, each with where it looked).
void save_attention_gallery(const std::filesystem::path& svg,
                            const std::vector<AttentionStrip>& strips, int scale = 3,
                            int per_row = 8);

// The files one picture of the click-a-word page needs (Report::caption_explorer):
// <dir>/<stem>.png, the picture enlarged `scale` times, and <dir>/<stem>_<t>.png,
// the same with the attention of word t over it. Creates `dir` if needed and
// returns the item with the paths as written (the report makes them relative
// to its folder) and the strip's title as its label. Checks its input like
// save_attention_strip.
ExplorerItem save_explorer_images(const std::filesystem::path& dir, const std::string& stem,
                                  const AttentionStrip& strip, int scale = 4);

}  // namespace attn::train
