// Tutorial 02's outputs: figures, checkpoint, metrics.json and the report page.
#include "report.h"

#include <filesystem>

#include "train/io/checkpoint.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/figures.h"
#include "train/report/publish.h"
#include "train/report/report.h"
#include "train/report/tutorial_plots.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::train::fmt;
using nlohmann::json;

namespace {

void save_figures(const fs::path& out, const Results& r) {
  std::vector<double> lens, exact, token;
  for (const auto& [len, sc] : r.by_length) {
    lens.push_back(static_cast<double>(len));
    exact.push_back(sc.exact);
    token.push_back(sc.token);
  }
  attn::train::accuracy_plot("Seq2seq without attention: accuracy against input length",
                             "source length (tokens)", "accuracy on held-out pairs")
      .add_series("per-token accuracy", lens, token)
      .add_series("exact match", lens, exact)
      .save(out / "accuracy_by_length.svg");
  auto loss = attn::train::loss_plot("Training loss (teacher forcing)", "Adam step",
                                     "cross-entropy per target token");
  attn::train::add_loss_series(loss, "bottleneck", r.log.losses).save(out / "loss.svg");
}

json metrics_of(const attn::train::RunOptions& opts, const attn::train::PairSettings& s,
                const attn::train::PairData& data, const attn::models::Seq2Seq& model,
                const Results& r) {
  json m;
  m["final_loss"] = r.log.final_loss();
  m["accuracy_by_length"]["bottleneck"] = attn::models::to_json(r.by_length);
  m["overall"]["bottleneck"] = {{"exact", r.all.exact}, {"token", r.all.token}};
  m["steps"] = r.log.steps();
  m["train_seconds"] = r.log.seconds;
  m["data"] = data.name;
  m["train_pairs"] = data.train.size();
  m["test_pairs_per_length"] = s.test_per_length;
  m["parameters"] = model.num_parameters();
  m["decoding"] = "greedy";
  m["examples"] = r.examples;
  attn::train::record_run(m, opts, r.start);
  return m;
}

void write_page(const attn::train::RunOptions& opts, const attn::train::PairSettings& s,
                const attn::train::PairData& data, const Results& r) {
  const auto& first = r.by_length.begin()->second;
  const auto& last = r.by_length.rbegin()->second;
  attn::train::Report report("02 · The seq2seq bottleneck");
  report.paragraph(
      "An encoder LSTM reads the source token by token; its last state `(h_S, c_S)` is all that "
      "reaches the decoder, an LSTM that writes the target one token at a time from that one "
      "vector of " +
      std::to_string(s.hidden_size) + " numbers. Data: " + data.name + ".");
  report.paragraph(
      "Training uses teacher forcing: the decoder is fed the reference's previous token, so "
      "every step learns from a correct prefix. The evaluation below never does: it decodes "
      "freely (greedy), feeding the model its own previous output, as it will be used. At test "
      "time there is no reference to lean on, and an early mistake is fed back in (exposure "
      "bias).");
  report.figure("accuracy_by_length.svg",
                "Held-out accuracy for each source length. Exact match: the whole output right. "
                "From " +
                    fmt("%.2f", first.exact) + " at length " +
                    std::to_string(r.by_length.begin()->first) + " to " + fmt("%.2f", last.exact) +
                    " at length " + std::to_string(r.by_length.rbegin()->first) +
                    ": one fixed-size vector cannot hold a long input.");
  report.figure("loss.svg", "Training loss (teacher forcing), window means, log scale.");
  report.metrics({{"final_loss", r.log.final_loss()},
                  {"exact_all_lengths", r.all.exact},
                  {"token_all_lengths", r.all.token},
                  {"exact_shortest", first.exact},
                  {"exact_longest", last.exact},
                  {"steps", r.log.steps()},
                  {"train_seconds", r.log.seconds}});
  std::string ex;
  for (const auto& l : r.example_lines) ex += (ex.empty() ? "" : " | ") + l;
  report.paragraph("Examples (source -> output): " + ex);
  report.paragraph(
      "Tutorial 03 trains the same data with attention: the decoder looks back at every encoder "
      "state at every step, and the curve stays flat.");
  report.link("metrics.json", "every number of this run");
  report.link("model.safetensors", "the trained weights (PyTorch names)");
  report.link("src_vocab.txt", "source vocabulary, one token per line (line i = id i)");
  report.link("tgt_vocab.txt", "target vocabulary");
  attn::train::publish(report, opts);
}

}  // namespace

void write_outputs(const attn::train::RunOptions& opts, const attn::train::PairSettings& s,
                   const attn::train::PairData& data, const attn::models::Seq2Seq& model,
                   const Results& r) {
  const fs::path& out = opts.out_dir;
  save_figures(out, r);
  attn::train::save_checkpoint(model, out / "model.safetensors",
                               {{"model", "Seq2Seq"},
                                {"embedding_dim", std::to_string(s.embedding_dim)},
                                {"hidden_size", std::to_string(s.hidden_size)},
                                {"src_vocab", std::to_string(data.src_vocab.size())},
                                {"tgt_vocab", std::to_string(data.tgt_vocab.size())}});
  data.src_vocab.save(out / "src_vocab.txt");
  data.tgt_vocab.save(out / "tgt_vocab.txt");
  attn::train::write_metrics(out, metrics_of(opts, s, data, model, r));
  write_page(opts, s, data, r);
}
