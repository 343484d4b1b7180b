#include "train/seq2seq/fit_pairs.h"

#include <utility>

#include "train/loop/batch_stream.h"
#include "train/optim/adam.h"

namespace attn::train {

TrainLog fit_pairs(nn::Module& model, const std::function<Tensor(const data::SeqBatch&)>& loss,
                   const std::vector<data::SeqPair>& pairs, int64_t epochs, const PairSettings& s,
                   uint64_t seed, std::string label) {
  optim::Adam opt(model.parameters(), {.lr = s.lr});
  SeqBatchStream batches(pairs, s.batch_size, seed);
  model.train();
  TrainLog log = train_loop(opt,
                            {.steps = epochs * batches.per_epoch(),
                             .steps_per_epoch = batches.per_epoch(),
                             .clip = s.clip,
                             .label = std::move(label)},
                            [&] { return loss(batches.next()); });
  model.eval();
  return log;
}

}  // namespace attn::train
