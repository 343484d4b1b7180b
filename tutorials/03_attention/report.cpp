// Tutorial 03's outputs: figures, checkpoints, metrics.json and the report page.
#include "train/report/report.h"

#include <string>

#include "attention.h"
#include "train/io/checkpoint.h"
#include "train/metrics/metrics.h"
#include "train/metrics/run_metrics.h"
#include "train/report/figures.h"
#include "train/report/publish.h"
#include "train/report/tutorial_plots.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

namespace fs = std::filesystem;
using attn::train::fmt;
using nlohmann::json;

namespace {

void save_figures(const fs::path& out, const Results& r) {
  std::vector<double> lens, eb, tkb, ea, tka;
  for (const auto& [len, sc] : r.bottleneck_acc) {
    lens.push_back(static_cast<double>(len));
    eb.push_back(sc.exact);
    tkb.push_back(sc.token);
    ea.push_back(r.attention_acc.at(len).exact);
    tka.push_back(r.attention_acc.at(len).token);
  }
  attn::train::accuracy_plot("Quality against input length (after Bahdanau et al. 2014, Fig. 2)",
                             "source length (tokens)", "accuracy on held-out pairs")
      .add_series("attention: exact match", lens, ea)
      .add_series("attention: per token", lens, tka)
      .add_series("bottleneck: exact match", lens, eb)
      .add_series("bottleneck: per token", lens, tkb)
      .save(out / "quality_vs_length.svg");
  auto loss = attn::train::loss_plot("Training loss (teacher forcing)", "Adam step",
                                     "cross-entropy per target token");
  if (!r.bottleneck_log.losses.empty())
    attn::train::add_loss_series(loss, "bottleneck", r.bottleneck_log.losses);
  attn::train::add_loss_series(loss, "attention", r.attention_log.losses).save(out / "loss.svg");
}

json metrics_of(const attn::train::RunOptions& opts, const Settings& s,
                const attn::train::PairData& data, const attn::models::Seq2Seq& bottleneck,
                const attn::models::AttnSeq2Seq& attention, const Results& r) {
  const auto all_b = attn::models::overall(r.bottleneck_acc);
  const auto all_a = attn::models::overall(r.attention_acc);
  const bool trained_b = !r.bottleneck_log.losses.empty();
  json m;
  m["final_loss"] = r.attention_log.final_loss();
  m["final_loss_by_model"] = {{"attention", r.attention_log.final_loss()}};
  if (trained_b) m["final_loss_by_model"]["bottleneck"] = r.bottleneck_log.final_loss();
  m["accuracy_by_length"]["bottleneck"] = attn::models::to_json(r.bottleneck_acc);
  m["accuracy_by_length"]["attention"] = attn::models::to_json(r.attention_acc);
  m["overall"]["bottleneck"] = {{"exact", all_b.exact}, {"token", all_b.token}};
  m["overall"]["attention"] = {{"exact", all_a.exact}, {"token", all_a.token}};
  m["greedy_vs_beam"] = {{"bottleneck", r.bottleneck_decoding.json},
                         {"attention", r.attention_decoding.json}};
  m["beam"] = {{"width", s.beam_width}, {"alpha", s.beam_alpha}};
  m["alignment"] = r.alignment;
  m["steps"] = {{"bottleneck", r.bottleneck_log.steps()}, {"attention", r.attention_log.steps()}};
  m["train_seconds"] = {{"bottleneck", r.bottleneck_log.seconds},
                        {"attention", r.attention_log.seconds}};
  m["attention_kind"] = attn::models::to_string(s.attention);
  m["data"] = data.name;
  m["train_pairs"] = data.train.size();
  m["parameters"] = {{"bottleneck", bottleneck.num_parameters()},
                     {"attention", attention.num_parameters()}};
  m["bottleneck_checkpoint"] = s.bottleneck_checkpoint;
  attn::train::record_run(m, opts, r.start);
  return m;
}

void write_page(const attn::train::RunOptions& opts, const Settings& s,
                const attn::train::PairData& data, const Results& r) {
  const auto& acc_a = r.attention_acc;
  const auto& acc_b = r.bottleneck_acc;
  const auto all_b = attn::models::overall(acc_b), all_a = attn::models::overall(acc_a);
  const auto& gb = r.bottleneck_decoding.greedy;
  const auto& bb = r.bottleneck_decoding.beam;
  const auto& ga = r.attention_decoding.greedy;
  const auto& ba = r.attention_decoding.beam;
  attn::train::Report report("03 · Attention");
  report.paragraph(
      "Two models on the same data (" + data.name +
      "). The bottleneck model of tutorial 02 hands the decoder one vector, the encoder's last "
      "state. The attention model lets every decoder step look back at every encoder state h_j: "
      "it scores each against its own state s_{i-1} (" +
      std::string(s.attention == attn::models::AttentionKind::additive
                      ? "additive, `v^T tanh(W s + U h_j)`, as Bahdanau et al."
                      : "a Luong score") +
      "), turns the scores into weights `a_ij` with a softmax over j, and reads the weighted "
      "sum `c_i = sum_j a_ij h_j`. Nothing has to fit in one vector any more.");
  report.figure("quality_vs_length.svg",
                "Held-out accuracy against source length, both models, free (greedy) decoding. "
                "At length " +
                    std::to_string(acc_b.rbegin()->first) + ": attention " +
                    fmt("%.2f", acc_a.rbegin()->second.exact) + " exact, bottleneck " +
                    fmt("%.2f", acc_b.rbegin()->second.exact) + ".");
  report.figure("loss.svg", "Training loss of both models (teacher forcing), log scale.");
  report.metrics({{"exact_attention", all_a.exact},
                  {"exact_bottleneck", all_b.exact},
                  {"exact_longest_attention", acc_a.rbegin()->second.exact},
                  {"exact_longest_bottleneck", acc_b.rbegin()->second.exact},
                  {"final_loss_attention", r.attention_log.final_loss()},
                  {"beam_exact_attention", ba.exact},
                  {"greedy_exact_attention", ga.exact},
                  {"beam_exact_bottleneck", bb.exact},
                  {"greedy_exact_bottleneck", gb.exact}});
  if (!r.heat_maps.empty()) {
    report.heading("Where each output token looked");
    report.paragraph(
        "Rows: the tokens the attention model wrote (greedy); columns: the source tokens; "
        "cell: the weight a_ij. Nobody told the model which source word goes with which output "
        "token: the alignment is learned from the translation loss alone." +
        std::string(r.translation ? " For dates, ISO order reverses the fields, so the year's "
                                    "digits look at the end of the source and the day's at its "
                                    "start."
                                  : ""));
    for (const auto& [file, caption] : r.heat_maps) report.figure(file, caption);
  }
  report.paragraph("Greedy against beam search (width " + std::to_string(s.beam_width) +
                   ", length normalisation alpha " + fmt("%.1f", s.beam_alpha) +
                   "), exact match on " + std::to_string(gb.count) + " test pairs: bottleneck " +
                   fmt("%.3f", gb.exact) + " -> " + fmt("%.3f", bb.exact) + ", attention " +
                   fmt("%.3f", ga.exact) + " -> " + fmt("%.3f", ba.exact) + ".");
  report.link("metrics.json", "every number of this run");
  report.link("model.safetensors", "the attention model's weights");
  report.link("bottleneck.safetensors", "the bottleneck model's weights");
  attn::train::publish(report, opts);
}

}  // namespace

void write_outputs(const attn::train::RunOptions& opts, const Settings& s,
                   const attn::train::PairData& data, const attn::models::Seq2Seq& bottleneck,
                   const attn::models::AttnSeq2Seq& attention, const Results& r) {
  const fs::path& out = opts.out_dir;
  save_figures(out, r);
  attn::train::save_checkpoint(attention, out / "model.safetensors",
                               {{"model", "AttnSeq2Seq"},
                                {"attention", attn::models::to_string(s.attention)},
                                {"embedding_dim", std::to_string(s.pair.embedding_dim)},
                                {"hidden_size", std::to_string(s.pair.hidden_size)}});
  attn::train::save_checkpoint(bottleneck, out / "bottleneck.safetensors",
                               {{"model", "Seq2Seq"},
                                {"embedding_dim", std::to_string(s.pair.embedding_dim)},
                                {"hidden_size", std::to_string(s.pair.hidden_size)}});
  data.src_vocab.save(out / "src_vocab.txt");
  data.tgt_vocab.save(out / "tgt_vocab.txt");
  attn::train::write_metrics(out, metrics_of(opts, s, data, bottleneck, attention, r));
  write_page(opts, s, data, r);
}
