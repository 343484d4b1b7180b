// Tutorial 03: how its models are trained, and the translation model whose alignments the
// heat maps show.
#include <iostream>

#include "attention.h"
#include "data/seq_tasks.h"
#include "train/io/checkpoint.h"
#include "train/run/text_format.h"
#include "train/seq2seq/fit_pairs.h"

using attn::train::fmt;

attn::train::TrainLog fit(attn::models::Seq2SeqBase& model, const attn::train::PairData& d,
                          int64_t epochs, const Settings& s, uint64_t seed,
                          const std::string& label) {
  const auto log = attn::train::fit_pairs(
      model, [&](const attn::data::SeqBatch& b) { return model.loss(b); }, d.train, epochs, s.pair,
      seed, label);
  std::cout << "  " << fmt("%.1f", log.seconds) << " s, last epoch's loss "
            << fmt("%.4f", log.final_loss()) << "\n";
  return log;
}

std::unique_ptr<attn::models::AttnSeq2Seq> train_translator(const Settings& s,
                                                            const attn::train::RunOptions& opts,
                                                            attn::train::PairData& translation,
                                                            Results& r) {
  const auto task = attn::data::make_task(s.alignment_task);
  translation =
      attn::train::task_pair_data(s.alignment_task, s.pair.alphabet, s.alignment_train_pairs, 20,
                                  task->min_length(), task->max_length(), opts.seed * 7919 + 2);
  std::cout << "\ntraining an attention model on the translation task \"" << s.alignment_task
            << "\" (" << translation.train.size() << " pairs, source lengths " << task->min_length()
            << "-" << task->max_length() << ")\n";
  auto translator = std::make_unique<attn::models::AttnSeq2Seq>(
      attn::models::Seq2SeqOptions(translation.src_vocab.size(), translation.tgt_vocab.size())
          .embedding_dim(s.pair.embedding_dim)
          .hidden_size(s.pair.hidden_size)
          .cell(s.pair.cell)
          .attention(s.attention)
          .attention_dim(s.attention_dim));
  const auto log =
      fit(*translator, translation, s.alignment_epochs, s, opts.seed + 202, s.alignment_task);
  const auto acc_t = attn::models::accuracy_by_length(*translator, translation.test);
  const auto all_t = attn::models::overall(acc_t);
  std::cout << "  held-out exact match " << fmt("%.3f", all_t.exact) << ", per token "
            << fmt("%.3f", all_t.token) << "\n";
  r.alignment = {{"task", s.alignment_task},
                 {"final_loss", log.final_loss()},
                 {"steps", log.steps()},
                 {"train_seconds", log.seconds},
                 {"exact", all_t.exact},
                 {"token", all_t.token},
                 {"accuracy_by_length", attn::models::to_json(acc_t)}};
  r.translation = true;
  attn::train::save_checkpoint(*translator,
                               opts.out_dir / (s.alignment_task + "_attention.safetensors"),
                               {{"model", "AttnSeq2Seq"}, {"task", s.alignment_task}});
  return translator;
}
