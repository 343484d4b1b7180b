#pragma once
// How tutorials 02 and 03 train a sequence-to-sequence model: Adam with the settings' lr,
// batches of similar source length in a new random order every epoch (SeqBatchStream), the
// gradients' global norm clipped at the settings' clip, `epochs` passes over the pairs.
//
//   const train::TrainLog log = train::fit_pairs(
//       model, [&](const data::SeqBatch& b) { return model.loss(b); }, data.train,
//       settings.epochs, settings, seed, "attention");
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/seq_batch.h"
#include "layers/module.h"
#include "train/loop/train_loop.h"
#include "train/seq2seq/pair_settings.h"

namespace attn::train {

// model.train() while training, model.eval() after. The batches come from Generator(seed).
TrainLog fit_pairs(nn::Module& model, const std::function<Tensor(const data::SeqBatch&)>& loss,
                   const std::vector<data::SeqPair>& pairs, int64_t epochs, const PairSettings& s,
                   uint64_t seed, std::string label);

}  // namespace attn::train
