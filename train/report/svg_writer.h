#pragma once
// A few helpers to write SVG by hand: the figures (figures.h) build their
// files from these, so every element is written the same way and every piece
// of text is escaped.
#include <string>
#include <string_view>

namespace attn::train {

class SvgWriter {
 public:
  // Opens <svg> with a white background and the shared font and colours.
  SvgWriter(double width, double height);

  // Coordinates printed with at most 2 decimals ("12.5", not "12.500000").
  static std::string num(double v);
  // Approximate width in pixels of text in the sans-serif font at font_size:
  // used to make room for labels, since SVG cannot measure text before drawing.
  static double text_width(std::string_view text, double font_size);

  // `extra` is raw attribute text (e.g. R"(class="cell")"), written as is.
  void rect(double x, double y, double w, double h, std::string_view fill,
            std::string_view extra = {});
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
            std::string_view extra = {});
  // Text is escaped. anchor: "start", "middle" or "end". rotate_deg rotates
  // around (x, y).
  void text(double x, double y, std::string_view content, double font_size,
            std::string_view anchor = "start", std::string_view extra = {}, double rotate_deg = 0);
  // Any raw markup (paths, groups, defs): the caller escapes what it inserts.
  void raw(std::string_view markup);

  // Closes </svg> and returns the document; the writer is then spent.
  std::string finish();

 private:
  std::string out_;
};

}  // namespace attn::train
