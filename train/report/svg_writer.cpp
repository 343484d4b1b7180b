#include "train/report/svg_writer.h"

#include <cmath>
#include <cstdio>

#include "train/report/xml_escape.h"

namespace attn::train {

SvgWriter::SvgWriter(double width, double height) {
  const std::string w = num(std::ceil(width)), h = num(std::ceil(height));
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h +
          "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"" +
          "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" +
          "\" fill=\"#1f2937\">\n";
  out_ += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
}

std::string SvgWriter::num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

double SvgWriter::text_width(std::string_view text, double font_size) {
  // Average advance widths of a sans-serif font, in em: narrow letters, wide
  // capitals and digits, and a full em for anything outside ASCII (CJK).
  double em = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == 'i' || c == 'l' || c == 'j' || c == '.' || c == ',' || c == '\'' || c == '|' ||
          c == ':' || c == ';' || c == '!')
        em += 0.28;
      else if (c == ' ' || c == 'f' || c == 't' || c == 'r')
        em += 0.35;
      else if (c == 'm' || c == 'w' || c == 'M' || c == 'W')
        em += 0.85;
      else if (c >= 'A' && c <= 'Z')
        em += 0.66;
      else
        em += 0.56;
      ++i;
    } else {
      const int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      em += n >= 3 ? 1.0 : 0.6;
      i += n;
    }
  }
  return em * font_size;
}

void SvgWriter::rect(double x, double y, double w, double h, std::string_view fill,
                     std::string_view extra) {
  out_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
          num(h) + "\" fill=\"" + xml_escape(fill) + "\"";
  if (!extra.empty()) (out_ += ' ') += extra;
  out_ += "/>\n";
}

void SvgWriter::line(double x1, double y1, double x2, double y2, std::string_view stroke,
                     double width, std::string_view extra) {
  out_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
          num(y2) + "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) + "\"";
  if (!extra.empty()) (out_ += ' ') += extra;
  out_ += "/>\n";
}

void SvgWriter::text(double x, double y, std::string_view content, double font_size,
                     std::string_view anchor, std::string_view extra, double rotate_deg) {
  out_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(font_size) + "\"";
  if (anchor != "start") out_ += " text-anchor=\"" + std::string(anchor) + "\"";
  if (rotate_deg != 0) {
    out_ += " transform=\"rotate(" + num(rotate_deg) + " " + num(x) + " " + num(y) + ")\"";
  }
  if (!extra.empty()) (out_ += ' ') += extra;
  out_.append(">").append(xml_escape(content)).append("</text>\n");
}

void SvgWriter::raw(std::string_view markup) {
  out_ += markup;
}

std::string SvgWriter::finish() {
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace attn::train
