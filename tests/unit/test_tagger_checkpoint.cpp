// A trained self-attention tagger survives its checkpoint: a few training steps on the
// "repeats" task (tutorial 04's), save, load into a freshly made model (other initial
// weights), and the two must compute the same logits and attention to the last bit. This
// was a run-time check inside tutorial 04; here it fails a build instead of a run.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "data/seq_tasks.h"
#include "data/tagging_batch.h"
#include "models/self_attention_models.h"
#include "train/io/checkpoint.h"
#include "train/loop/batch_stream.h"
#include "train/loop/train_loop.h"
#include "train/optim/adam.h"

namespace attn {
namespace {

namespace fs = std::filesystem;

models::LstmTaggerOptions small_tagger(const data::SeqTask& task) {
  return models::LstmTaggerOptions(task.src_vocab().size(), task.tgt_vocab().size())
      .embedding_dim(8)
      .hidden_size(8)
      .d_k(8)
      .d_v(8)
      .head_hidden(16)
      .self_attention(true);
}

// The largest |a_i - b_i|.
double max_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    worst = std::max<double>(worst, std::abs(a.data()[i] - b.data()[i]));
  return worst;
}

TEST(TaggerCheckpoint, ReloadedModelComputesTheSameLogits) {
  const auto task = data::make_task("repeats", {.alphabet = 8});
  Generator gen(5);
  const std::vector<data::SeqPair> train_set = data::make_train_set(*task, 64, 4, 8, gen);
  const std::vector<data::SeqPair> test_set = data::make_train_set(*task, 16, 4, 10, gen);

  manual_seed(1);
  models::LstmTagger model(small_tagger(*task));
  optim::Adam opt(model.parameters(), {.lr = 0.01});
  train::SeqBatchStream batches(train_set, 16, 2);
  model.train();
  const train::TrainLog log = train::train_loop(opt, {.steps = 6, .clip = 1.0}, [&] {
    const auto b = data::to_tagging_batch(train_set, batches.next());
    return models::tagging_loss(model(b.tokens, b.lengths).logits, b.targets);
  });
  ASSERT_EQ(log.steps(), 6);
  model.eval();

  const fs::path path = fs::path(::testing::TempDir()) / "attn_tagger_checkpoint.safetensors";
  train::save_checkpoint(model, path, {{"model", "lstm_self_attention"}, {"steps", "6"}});

  manual_seed(99);  // other initial weights: the load must replace every one
  models::LstmTagger fresh(small_tagger(*task));
  fresh.eval();
  NoGradGuard no_grad;
  const auto b = data::to_tagging_batch(test_set, data::collate(test_set));
  const auto before = model(b.tokens, b.lengths);
  ASSERT_GT(max_difference(before.logits, fresh(b.tokens, b.lengths).logits), 1e-3)
      << "the fresh model should start from other weights, or the test proves nothing";

  const auto metadata = train::load_checkpoint(fresh, path);
  EXPECT_EQ(metadata.at("model"), "lstm_self_attention");
  const auto after = fresh(b.tokens, b.lengths);
  EXPECT_EQ(max_difference(before.logits, after.logits), 0.0);
  ASSERT_EQ(after.attention.size(), 1u);
  EXPECT_EQ(max_difference(before.attention[0], after.attention[0]), 0.0);
  fs::remove(path);
}

}  // namespace
}  // namespace attn
