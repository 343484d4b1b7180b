// Tutorial 03: greedy decoding against beam search, and the alignment heat maps.
#include <algorithm>
#include <chrono>
#include <iostream>

#include "attention.h"
#include "train/report/figures.h"
#include "train/run/timing.h"

using attn::train::seconds_since;

GreedyVsBeam greedy_vs_beam(const attn::models::Seq2SeqBase& model,
                            const std::map<int64_t, std::vector<attn::data::SeqPair>>& test,
                            const Settings& s) {
  std::map<int64_t, std::vector<attn::data::SeqPair>> subset;
  for (const auto& [len, pairs] : test)
    subset[len].assign(
        pairs.begin(),
        pairs.begin() + std::min<int64_t>(s.beam_per_length, static_cast<int64_t>(pairs.size())));
  attn::models::EvalOptions beam;
  beam.decoding = attn::models::Decoding::beam;
  beam.beam.width = s.beam_width;
  beam.beam.alpha = s.beam_alpha;
  const auto t0 = std::chrono::steady_clock::now();
  const attn::models::AccuracyByLength g = attn::models::accuracy_by_length(model, subset);
  const double tg = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  const attn::models::AccuracyByLength b = attn::models::accuracy_by_length(model, subset, beam);
  const double tb = seconds_since(t1);
  GreedyVsBeam out;
  out.greedy = attn::models::overall(g);
  out.beam = attn::models::overall(b);
  out.json = {{"greedy",
               {{"exact", out.greedy.exact},
                {"token", out.greedy.token},
                {"seconds", tg},
                {"by_length", attn::models::to_json(g)}}},
              {"beam",
               {{"exact", out.beam.exact},
                {"token", out.beam.token},
                {"seconds", tb},
                {"by_length", attn::models::to_json(b)}}},
              {"pairs", out.greedy.count}};
  return out;
}

std::string alignment_figure(const attn::models::Seq2SeqBase& model,
                             const std::vector<int64_t>& src, const std::vector<int64_t>& reference,
                             const attn::data::Vocab& src_vocab, const attn::data::Vocab& tgt_vocab,
                             const std::filesystem::path& path) {
  const auto hyp = model.greedy_decode(std::vector<std::vector<int64_t>>{src},
                                       2 * static_cast<int64_t>(src.size()) + 10)[0];
  const std::vector<std::string> cols = src_vocab.decode(src, /*keep_specials=*/true);
  const std::vector<std::string> rows = tgt_vocab.decode(hyp.tokens, /*keep_specials=*/true);
  std::vector<double> values;
  for (const auto& row : hyp.attention) values.insert(values.end(), row.begin(), row.end());
  const bool right = hyp.output() == reference;
  const std::string out = attn::data::join_tokens(tgt_vocab.decode(hyp.tokens));
  attn::train::HeatMap(values, static_cast<int>(rows.size()), static_cast<int>(cols.size()))
      .title(std::string("Attention weights a_ij") + (right ? "" : " (output wrong)"))
      .row_labels(rows)
      .col_labels(cols)
      .x_label("source tokens j")
      .y_label("output tokens i")
      .value_range(0, 1)
      .save(path);
  return attn::data::join_tokens(src_vocab.decode(src)) + "  ->  " + out +
         (right ? ""
                : "  (reference: " + attn::data::join_tokens(tgt_vocab.decode(reference)) + ")");
}

void draw_alignments(const attn::models::Seq2SeqBase& model, const attn::train::PairData& data,
                     int64_t count, const std::filesystem::path& out_dir, Results& r) {
  std::vector<const attn::data::SeqPair*> picks;
  for (auto it = data.test.rbegin();
       it != data.test.rend() && static_cast<int64_t>(picks.size()) < count; ++it) {
    picks.push_back(&it->second.front());
    if (++it == data.test.rend()) break;  // every other length: more variety
  }
  r.alignment["examples"] = nlohmann::json::array();
  for (size_t k = 0; k < picks.size(); ++k) {
    const std::string file = "alignment_" + std::to_string(k + 1) + ".svg";
    const std::string line = alignment_figure(model, picks[k]->src, picks[k]->tgt, data.src_vocab,
                                              data.tgt_vocab, out_dir / file);
    r.heat_maps.emplace_back(file, line);
    r.alignment["examples"].push_back({{"file", file}, {"example", line}});
    std::cout << "  " << file << ": " << line << "\n";
  }
}
