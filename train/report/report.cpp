#include "train/report/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "autograd/error.h"
#include "train/metrics/metrics.h"
#include "train/run/run_options.h"
#include "train/report/xml_escape.h"

namespace attn::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2937;
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 2.5rem 1.25rem 3rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1.25rem; letter-spacing: -0.01em; }
h2 { font-size: 1.3rem; margin: 2.25rem 0 0.75rem; padding-top: 1rem; border-top: 1px solid #e5e7eb; }
p { margin: 0.6rem 0; max-width: 46rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.9em; background: #eceef2; padding: 0.1em 0.35em; border-radius: 4px; }
figure { margin: 1.5rem 0; padding: 1rem; background: #fff; border: 1px solid #e5e7eb;
  border-radius: 10px; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption { margin-top: 0.6rem; color: #4b5563; font-size: 0.92rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.9rem; justify-content: center; }
.tile { margin: 0; }
.tile img { height: 128px; width: auto; border-radius: 4px; display: block; }
.tile img.pixelated { image-rendering: pixelated; }
.tile span { display: block; margin-top: 0.3rem; font-size: 0.9rem; color: #1f2937; }
table { border-collapse: collapse; background: #fff; border: 1px solid #e5e7eb;
  border-radius: 10px; overflow: hidden; margin: 0.75rem 0; min-width: 22rem; }
th, td { padding: 0.4rem 0.9rem; border-bottom: 1px solid #eef0f3; text-align: left;
  vertical-align: top; }
tr:last-child td { border-bottom: none; }
th { background: #f3f4f6; font-weight: 600; font-size: 0.9rem; }
td.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.files { padding-left: 1.2rem; }
ul.files a { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: #2563eb; }
footer { margin-top: 3rem; color: #6b7280; font-size: 0.85rem; }
)css";

// The caption explorer's look, added to the page's style only when it holds one.
constexpr const char* kExplorerStyle = R"css(
.explorer { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 1rem;
  text-align: left; }
.explore { margin: 0; padding: 0.8rem; border: 1px solid #e5e7eb; border-radius: 8px; }
.explore-label { margin: 0 0 0.5rem; font-size: 0.92rem; color: #374151;
  white-space: pre-line; }
.explore-img { display: block; width: 100%; max-width: 320px; height: auto; margin: 0 auto;
  image-rendering: pixelated; border-radius: 4px; }
.explore-words { display: flex; flex-wrap: wrap; gap: 0.35rem; margin-top: 0.6rem; }
.explore-word { font: inherit; font-size: 0.92rem; padding: 0.1rem 0.55rem; cursor: pointer;
  border: 1px solid #d1d5db; border-radius: 6px; background: #fff; color: #1f2937; }
.explore-word:hover { border-color: #2563eb; }
.explore-word.selected { background: #2563eb; border-color: #2563eb; color: #fff; }
.explore-plain { font-style: italic; }
)css";

// The explorer's behaviour, written once per page after all its blocks. A
// button carries its item and word (-1: the plain picture) and the overlay to
// show; the item's <img> keeps the plain picture in data-plain.
constexpr const char* kExplorerScript = R"js(
(function () {
  "use strict";
  // Shows what `button` stands for in its item's picture and highlights it
  // alone; a second click on the word already shown goes back to the picture.
  function choose(button) {
    var item = button.getAttribute("data-item");
    var figure = document.getElementById("explore-" + item);
    var img = document.getElementById("explore-" + item + "-img");
    if (!figure || !img) return;
    var word = button.getAttribute("data-word");
    if (word !== "-1" && button.getAttribute("aria-pressed") === "true") word = "-1";
    var buttons = figure.querySelectorAll("button.explore-word");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      var on = b.getAttribute("data-word") === word;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      if (on && word === "-1") {
        img.setAttribute("src", img.getAttribute("data-plain"));
        img.setAttribute("alt", img.getAttribute("data-label"));
      } else if (on) {
        img.setAttribute("src", b.getAttribute("data-src"));
        img.setAttribute("alt", "where \u201c" + b.textContent + "\u201d looked");
      }
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest("button.explore-word") : null;
    if (button) choose(button);
  });
  // index.html#explore-I-T: a click on word T of item I, unless it is shown already.
  function follow_hash() {
    var m = /^#explore-(\d+)-(\d+)$/.exec(window.location.hash);
    if (!m) return;
    var button = document.getElementById("explore-" + m[1] + "-" + m[2]);
    if (button && button.getAttribute("aria-pressed") !== "true") button.click();
  }
  follow_hash();
  window.addEventListener("hashchange", follow_hash);
})();
)js";

// Escaped text, with `backticks` turned into <code>. An unmatched backtick stays as is.
std::string inline_markup(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('`', i);
    const std::size_t close = open == std::string::npos ? open : text.find('`', open + 1);
    if (close == std::string::npos) {
      out += xml_escape(std::string_view(text).substr(i));
      break;
    }
    out += xml_escape(std::string_view(text).substr(i, open - i));
    out += "<code>" + xml_escape(std::string_view(text).substr(open + 1, close - open - 1)) +
           "</code>";
    i = close + 1;
  }
  return out;
}

// A relative URL: path segments percent-encoded, '/' kept.
std::string href(const fs::path& relative) {
  const std::string s = relative.generic_string();
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Finds a file named in the report: inside out_dir first, then as given.
// Returns its path relative to out_dir, for the page's links.
fs::path locate(const fs::path& file, const fs::path& out_dir, const char* what) {
  std::error_code ec;
  if (file.is_relative() && fs::exists(out_dir / file, ec)) return file;
  if (fs::exists(file, ec)) {
    const fs::path rel = fs::relative(fs::absolute(file), fs::absolute(out_dir), ec);
    if (!ec && !rel.empty()) return rel;
    return fs::absolute(file);
  }
  throw Error("Report: the " + std::string(what) + " '" + file.string() + "' exists neither in '" +
              out_dir.string() + "' nor as given; write it before saving the report");
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  if (v == 0) return "0";
  char buf[64];
  const double a = std::abs(v);
  if (a >= 1e-3 && a < 1e7) {
    // Four significant digits, trailing zeros dropped: 0.9876, 12.5, 31415.
    const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(a))), 0, 6);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.3e", v);
  return buf;
}

std::string format_json_value(const nlohmann::json& v) {
  if (v.is_null()) return "\xE2\x80\x94";  // an em dash: NaN became null in JSON
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) return format_number(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s = "[";
    const std::size_t shown = std::min<std::size_t>(v.size(), 8);
    for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + format_json_value(v[i]);
    if (v.size() > shown) s += ", \xE2\x80\xA6 (" + std::to_string(v.size()) + " values)";
    return s + "]";
  }
  return v.dump(-1, ' ', false,
                nlohmann::json::error_handler_t::replace);  // {} from an empty object
}

// Natural height of a PNG (from its IHDR chunk), or 0 if not a readable PNG.
int png_height(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[24] = {};
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return 0;
  if (h[1] != 'P' || h[2] != 'N' || h[3] != 'G') return 0;
  return (h[20] << 24) | (h[21] << 16) | (h[22] << 8) | h[23];
}

}  // namespace

Report::Report(std::string title) : title_(std::move(title)) {}

Report& Report::heading(std::string text) {
  blocks_.push_back({Block::kHeading, std::move(text), {}, {}, {}});
  return *this;
}

Report& Report::paragraph(std::string text) {
  blocks_.push_back({Block::kParagraph, std::move(text), {}, {}, {}});
  return *this;
}

Report& Report::metrics(const nlohmann::json& metrics, std::string heading) {
  blocks_.push_back({Block::kMetrics, std::move(heading), metrics, {}, {}});
  return *this;
}

Report& Report::figure(fs::path file, std::string caption) {
  blocks_.push_back({Block::kFigure, std::move(caption), {}, {{std::move(file), ""}}, {}});
  return *this;
}

Report& Report::figure_row(std::vector<std::pair<fs::path, std::string>> images,
                           std::string caption) {
  if (images.empty()) {
    throw Error("Report::figure_row: no images for the row '" + caption + "'");
  }
  blocks_.push_back({Block::kFigureRow, std::move(caption), {}, std::move(images), {}});
  return *this;
}

Report& Report::caption_explorer(std::vector<ExplorerItem> items, std::string caption) {
  if (items.empty()) {
    throw Error("Report::caption_explorer: no pictures for the explorer '" + caption + "'");
  }
  blocks_.push_back({Block::kExplorer, std::move(caption), {}, {}, std::move(items)});
  return *this;
}

Report& Report::link(fs::path file, std::string description) {
  links_.emplace_back(std::move(file), std::move(description));
  return *this;
}

Report& Report::run_info(const RunOptions& o) {
  run_rows_.clear();
  run_rows_.emplace_back("command", o.command_line());
  run_rows_.emplace_back("mode", o.quick ? "quick (--quick)" : "full");
  run_rows_.emplace_back("seed", std::to_string(o.seed));
  run_rows_.emplace_back("threads", std::to_string(o.threads));
  run_rows_.emplace_back("data",
                         o.data_path.empty() ? "generated by the tutorial" : o.data_path.string());
  if (!o.config_path.empty()) run_rows_.emplace_back("config file", o.config_path.string());
  if (!o.config.effective().empty()) {
    run_rows_.emplace_back(
        "configuration",
        o.config.effective().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return *this;
}

std::string Report::to_html(const fs::path& out_dir) const {
  const bool explorer = std::any_of(blocks_.begin(), blocks_.end(),
                                    [](const Block& b) { return b.kind == Block::kExplorer; });
  int explorer_items = 0;  // explorer items are numbered across the page: #explore-I-T
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + xml_escape(title_) + "</title>\n<style>" + kStyle +
       (explorer ? kExplorerStyle : "") + "</style>\n</head>\n";
  h += "<body>\n<main>\n<h1>" + xml_escape(title_) + "</h1>\n";

  for (const Block& b : blocks_) {
    switch (b.kind) {
      case Block::kHeading:
        h += "<h2>" + xml_escape(b.text) + "</h2>\n";
        break;
      case Block::kParagraph:
        h += "<p>" + inline_markup(b.text) + "</p>\n";
        break;
      case Block::kMetrics: {
        if (!b.text.empty()) h += "<h2>" + xml_escape(b.text) + "</h2>\n";
        h += "<table class=\"metrics\">\n<tr><th>metric</th><th>value</th></tr>\n";
        for (const auto& [key, value] : flatten_json(b.data)) {
          const bool numeric = value.is_number() || value.is_null();
          h += "<tr><td class=\"key\">" + xml_escape(key) + "</td><td" +
               (numeric ? " class=\"num\"" : "") + ">" + xml_escape(format_json_value(value)) +
               "</td></tr>\n";
        }
        h += "</table>\n";
        break;
      }
      case Block::kFigure: {
        const fs::path rel = locate(b.images[0].first, out_dir, "figure");
        h += "<figure>\n<img src=\"" + xml_escape(href(rel)) + "\" alt=\"" + xml_escape(b.text) +
             "\">\n";
        if (!b.text.empty()) h += "<figcaption>" + inline_markup(b.text) + "</figcaption>\n";
        h += "</figure>\n";
        break;
      }
      case Block::kFigureRow: {
        h += "<figure>\n<div class=\"row\">\n";
        for (const auto& [file, label] : b.images) {
          const fs::path rel = locate(file, out_dir, "image");
          // Tiny images (a 28x28 digit) are enlarged by the browser: keep their pixels sharp.
          const fs::path on_disk = rel.is_absolute() ? rel : out_dir / rel;
          const int natural = png_height(on_disk);
          const bool small = natural > 0 && natural < 96;
          h += "<div class=\"tile\"><img" + std::string(small ? " class=\"pixelated\"" : "") +
               " src=\"" + xml_escape(href(rel)) + "\" alt=\"" + xml_escape(label) + "\"><span>" +
               xml_escape(label) + "</span></div>\n";
        }
        h += "</div>\n";
        if (!b.text.empty()) h += "<figcaption>" + inline_markup(b.text) + "</figcaption>\n";
        h += "</figure>\n";
        break;
      }
      case Block::kExplorer: {
        h += "<figure>\n<div class=\"explorer\">\n";
        for (const ExplorerItem& item : b.items) {
          const std::string index = std::to_string(explorer_items++);
          const std::string id = "explore-" + index;
          const std::string plain = xml_escape(href(locate(item.image, out_dir, "picture")));
          const std::string data = " data-item=\"" + index + "\"";
          h += "<div class=\"explore\" id=\"" + id + "\">\n";
          if (!item.label.empty()) {
            h += "<p class=\"explore-label\">" + xml_escape(item.label) + "</p>\n";
          }
          h += "<img class=\"explore-img\" id=\"" + id + "-img\" src=\"" + plain +
               "\" data-plain=\"" + plain + "\" data-label=\"" + xml_escape(item.label) +
               "\" alt=\"" + xml_escape(item.label) + "\">\n";
          h += "<div class=\"explore-words\">\n<button type=\"button\" id=\"" + id +
               "-image\" class=\"explore-word explore-plain selected\" aria-pressed=\"true\"" +
               data + " data-word=\"-1\">image</button>\n";
          for (std::size_t t = 0; t < item.words.size(); ++t) {
            const auto& [word, overlay] = item.words[t];
            const fs::path rel = locate(overlay, out_dir, "overlay of a word");
            h += "<button type=\"button\" id=\"" + id + "-" + std::to_string(t) +
                 "\" class=\"explore-word\" aria-pressed=\"false\"" + data + " data-word=\"" +
                 std::to_string(t) + "\" data-src=\"" + xml_escape(href(rel)) + "\">" +
                 xml_escape(word) + "</button>\n";
          }
          h += "</div>\n</div>\n";
        }
        h += "</div>\n";
        if (!b.text.empty()) h += "<figcaption>" + inline_markup(b.text) + "</figcaption>\n";
        h += "</figure>\n";
        break;
      }
    }
  }

  if (!links_.empty()) {
    h += "<h2>Files of this run</h2>\n<ul class=\"files\">\n";
    for (const auto& [file, description] : links_) {
      const fs::path rel = locate(file, out_dir, "linked file");
      h += "<li><a href=\"" + xml_escape(href(rel)) + "\">" + xml_escape(rel.generic_string()) +
           "</a>" + (description.empty() ? "" : " \xE2\x80\x94 " + inline_markup(description)) +
           "</li>\n";
    }
    h += "</ul>\n";
  }
  if (!run_rows_.empty()) {
    h += "<h2>This run</h2>\n<table class=\"run\">\n";
    for (const auto& [key, value] : run_rows_) {
      h += "<tr><th>" + xml_escape(key) + "</th><td><code>" + xml_escape(value) +
           "</code></td></tr>\n";
    }
    h += "</table>\n";
  }

  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[64] = "";
  std::tm utc{};
#if defined(_WIN32)
  gmtime_s(&utc, &now);
#else
  gmtime_r(&now, &utc);
#endif
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &utc);
  h += "<footer>Written by attnlab on " + std::string(when) + ".</footer>\n";
  h += "</main>\n";
  if (explorer) h += "<script>" + std::string(kExplorerScript) + "</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

fs::path Report::save(const fs::path& out_dir) const {
  const fs::path path = out_dir / "index.html";
  const std::string html = to_html(out_dir);
  write_file_atomic(path, std::string_view(html));
  return path;
}

}  // namespace attn::train
