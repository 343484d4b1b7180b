// index.html: escaped text, a flattened metrics table, figures by relative
// path, missing files caught, atomic write.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "data/image_io.h"
#include "helpers/temp_dir.h"
#include "helpers/text.h"
#include "train/report/report.h"
#include "train/run/run_options.h"

namespace fs = std::filesystem;
using attn::train::Report;

namespace {

using attn::testing::count_of;
using attn::testing::TempDir;

}  // namespace

TEST(Report, TextIsEscapedAndBackticksBecomeCode) {
  TempDir tmp;
  Report r("Seq2seq <bottleneck> & attention");
  r.heading("Why <it> fails");
  r.paragraph("The decoder sees only `h_T`; <script>alert(1)</script> & a lone ` stays.");
  const std::string html = r.to_html(tmp.path);
  EXPECT_NE(html.find("<title>Seq2seq &lt;bottleneck&gt; &amp; attention</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<h2>Why &lt;it&gt; fails</h2>"), std::string::npos);
  EXPECT_NE(html.find("<code>h_T</code>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; a lone ` stays."),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from the network
}

TEST(Report, MetricsTableFlattensNestedKeys) {
  TempDir tmp;
  nlohmann::json m;
  m["final_loss"] = 0.123456;
  m["accuracy"]["length_10"] = 0.98;
  m["accuracy"]["length_50"] = 0.25;
  m["steps"] = 1200;
  m["runs"] = nlohmann::json::array({{{"loss", 1.5}}, {{"loss", 0.5}}});
  m["lengths"] = {5, 10, 20};
  m["missing"] = nullptr;
  const std::string html = Report("r").metrics(m, "Results").to_html(tmp.path);
  EXPECT_EQ(count_of(html, "<td class=\"key\">"), 8u);
  EXPECT_NE(html.find(">accuracy.length_10</td><td class=\"num\">0.98</td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find(">final_loss</td><td class=\"num\">0.1235</td>"), std::string::npos);
  EXPECT_NE(html.find(">steps</td><td class=\"num\">1200</td>"), std::string::npos);
  EXPECT_NE(html.find(">runs[1].loss</td><td class=\"num\">0.5</td>"), std::string::npos);
  EXPECT_NE(html.find(">lengths</td><td>[5, 10, 20]</td>"), std::string::npos);
  EXPECT_NE(html.find(">missing</td><td class=\"num\">\xE2\x80\x94</td>"), std::string::npos);
}

TEST(Report, FiguresByRelativePathLinksAndRunInfo) {
  TempDir tmp;
  tmp.write("loss.svg", "<svg/>");
  tmp.write("attention map.svg", "<svg/>");
  tmp.write("metrics.json", "<svg/>");
  attn::data::save_png(tmp.path / "word_0.png", attn::data::make_image(28, 28, 1));
  attn::data::save_png(tmp.path / "word_1.png", attn::data::make_image(200, 150, 3));

  std::vector<std::string> args = {"--quick", "--seed", "5", "--out", tmp.path.string()};
  const auto opts =
      attn::train::parse_run_options(std::span<const std::string>(args), "03_caption", "");
  opts.config.get("epochs", 4);

  Report r("Captions");
  r.figure("loss.svg", "Training loss.");
  r.figure(tmp.path / "attention map.svg", "Attention, `alpha`.");  // a path from the cwd
  r.figure_row({{"word_0.png", "a"}, {"word_1.png", "<eos>"}}, "Where each word looks.");
  r.link("metrics.json", "all numbers");
  r.run_info(opts);
  const fs::path index = r.save(tmp.path);
  EXPECT_EQ(index, tmp.path / "index.html");
  std::ifstream in(index);
  std::stringstream s;
  s << in.rdbuf();
  const std::string html = s.str();
  EXPECT_NE(html.find("<img src=\"loss.svg\" alt=\"Training loss.\">"), std::string::npos);
  EXPECT_NE(html.find("src=\"attention%20map.svg\""), std::string::npos) << html;
  EXPECT_NE(html.find("<figcaption>Attention, <code>alpha</code>.</figcaption>"),
            std::string::npos);
  EXPECT_EQ(count_of(html, "<div class=\"tile\">"), 2u);
  // The 28-pixel image is enlarged with sharp pixels, the photo-sized one is not.
  EXPECT_NE(html.find("<img class=\"pixelated\" src=\"word_0.png\""), std::string::npos);
  EXPECT_NE(html.find("<img src=\"word_1.png\" alt=\"&lt;eos&gt;\">"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"metrics.json\">metrics.json</a>"), std::string::npos);
  EXPECT_NE(html.find("03_caption --quick --seed 5"), std::string::npos);
  EXPECT_NE(html.find("{&quot;epochs&quot;:4}"), std::string::npos);
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

TEST(Report, MissingFigureIsAnErrorAndNoPageIsWritten) {
  TempDir tmp;
  Report r("r");
  r.figure("never_written.svg", "oops");
  try {
    r.save(tmp.path);
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find("never_written.svg"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path / "index.html"));
  EXPECT_THROW(Report("r").link("absent.safetensors", "").to_html(tmp.path), attn::Error);
  EXPECT_THROW(Report("r").figure_row({}, "empty"), attn::Error);
}

TEST(Report, SaveIntoMissingDirectoryNamesThePath) {
  TempDir tmp;
  const fs::path dir = tmp.path / "absent";
  try {
    Report("r").paragraph("p").save(dir);
    FAIL() << "expected an error";
  } catch (const attn::Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "index.html").string()), std::string::npos)
        << e.what();
  }
}
