// Training-step time of the seven models of the model benchmark (docs/benchmarks.md), built
// parameter for parameter as bench/torch_models.py builds them for PyTorch, so the two print
// comparable rows. One step = zero_grad + forward + loss + backward + Adam update, on fixed
// random data (made once, outside the timed region); sagan_step is a whole GAN step with its
// own two optimisers (train/gan/gan_trainer.h).
//
//   bench_models [--threads N] [--steps N] [--warmup N] [--phases] [--model NAME ...]
//   ATTN_THREADS=2 bench_models --model sagan_2d
//
// Prints one line per model: "name wall_ms cpu_ms" (medians over --steps steps after --warmup
// untimed ones, as bench/torch_models_clocks.py does: 20 after 3; cpu_ms is the process CPU
// time of a step, every thread's), and on stderr the parameter count and, with --phases,
// the median wall time of each phase (forward with the loss, backward, Adam).
// A plain main, not Google Benchmark: one step is tens of milliseconds, a median of 20 is
// what the PyTorch script reports, and run_model_bench.py reads the same columns (and the
// parameter counts) from both (bench/torch_models_clocks.py prints them for PyTorch).
//
// Shape letters: B batch, S source length, T target length, V vocabulary, E embedding,
// H hidden, C channels, N = H W positions.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/simd/vec.h"
#include "autograd/tensor.h"
#include "data/caption_batch.h"
#include "data/vocab.h"
#include "layers/activation_modules.h"
#include "layers/additive_attention.h"
#include "layers/conv2d.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/losses.h"
#include "layers/lstm.h"
#include "layers/module.h"
#include "layers/pooling.h"
#include "layers/self_attention_2d.h"
#include "layers/sequential.h"
#include "layers/transformer_encoder_layer.h"
#include "models/captioner.h"
#include "models/sagan.h"
#include "train/gan/gan_trainer.h"
#include "train/optim/adam.h"

namespace {

using attn::Tensor;
namespace nn = attn::nn;

// Token ids [rows, cols], uniform in [0, V), stored as whole numbers (torch.randint).
Tensor random_ids(int64_t rows, int64_t cols, int64_t V) {
  std::vector<attn::real> v(rows * cols);
  for (auto& x : v) x = static_cast<attn::real>(attn::global_generator().randint(V));
  return Tensor::from_vector(v, {rows, cols});
}

// Column t of ids [B, T] as a [B] tensor: tgt_in[:, t].
Tensor column(const Tensor& ids, int64_t t) {
  return attn::reshape(attn::slice(ids, 1, t, t + 1), {ids.size(0)});
}

// What every benchmark model offers: its loss on the fixed batch, and its parameters.
struct BenchModel : nn::Module {
  BenchModel() : nn::Module("BenchModel") {}
  virtual Tensor loss() = 0;
  // A model with optimisers of its own (a GAN's two) runs its whole step here and returns
  // true; the others return false, and the loop runs loss(), backward and the shared Adam.
  virtual bool train_step() { return false; }
};

// ---- seq2seq, with and without attention (torch_models.py: Seq2Seq) --------------------
// src, tgt_in, tgt_out [B, 24] ids in [0, 32). Encoder: Embedding(32, 64) -> LSTM(64, 128).
// Decoder from the encoder's last (h, c): LSTMCell(64 (+128 context), 128), one step per
// target token; with attention the context is additive attention over the encoder outputs
// and the output layer reads [h; context].
struct Seq2Seq : BenchModel {
  static constexpr int64_t V = 32, E = 64, H = 128, B = 64, S = 24, T = 24;
  bool attention;
  nn::Embedding src_emb{nn::EmbeddingOptions(V, E)}, tgt_emb{nn::EmbeddingOptions(V, E)};
  nn::LSTM enc{nn::LSTMOptions(E, H)};
  nn::LSTMCell dec;
  std::unique_ptr<nn::AdditiveAttention> att;
  nn::Linear out;
  Tensor src, tgt_in, tgt_out;

  explicit Seq2Seq(bool with_attention)
      : attention(with_attention),
        dec(nn::LSTMCellOptions(E + (with_attention ? H : 0), H)),
        out(nn::LinearOptions(H + (with_attention ? H : 0), V)) {
    // PyTorch's registration order, so named_parameters() lists the same names.
    register_module("src_emb", src_emb);
    register_module("tgt_emb", tgt_emb);
    register_module("enc", enc);
    register_module("dec", dec);
    if (attention) {
      att = std::make_unique<nn::AdditiveAttention>(nn::AdditiveAttentionOptions(H, H, H));
      register_module("att", *att);
    }
    register_module("out", out);
    src = random_ids(B, S, V);
    tgt_in = random_ids(B, T, V);
    tgt_out = random_ids(B, T, V);
  }

  Tensor loss() override {
    auto [enc_out, state] = enc(src_emb(src));  // [B, S, H], {[1, B, H] x 2}
    Tensor h = attn::squeeze(state.h, 0), c = attn::squeeze(state.c, 0);
    Tensor kp = attention ? att->project_keys(enc_out) : Tensor();  // U enc + b_U, once
    std::vector<Tensor> logits;
    for (int64_t t = 0; t < T; ++t) {
      Tensor x = tgt_emb(column(tgt_in, t));  // [B, E]
      Tensor o;
      if (attention) {
        Tensor ctx = (*att)(h, enc_out, Tensor(), kp).output;  // [B, H]
        auto s = dec(attn::concat({x, ctx}, 1), {h, c});
        h = s.h;
        c = s.c;
        o = attn::concat({h, ctx}, 1);
      } else {
        auto s = dec(x, {h, c});
        h = s.h;
        c = s.c;
        o = h;
      }
      logits.push_back(out(o));  // [B, V]
    }
    return nn::cross_entropy(attn::stack(logits, 1), tgt_out);  // [B, T, V] vs [B, T]
  }
};

// ---- captioner with attention (torch_models.py: Captioner, Show, Attend and Tell) -----
// img [32, 3, 64, 64] in [0, 1), caption in/out [32, 12] ids in [0, 40).
// CNN: 3 x (Conv3x3 pad 1, ReLU, MaxPool 2), channels 3-32-64-128 -> features [B, 64, 128].
struct Captioner : BenchModel {
  static constexpr int64_t V = 40, E = 64, C = 128, H = 256, A = 128, B = 32, T = 12;
  nn::Sequential cnn;  // names cnn.0, cnn.3, cnn.6 as PyTorch's
  nn::Embedding emb{nn::EmbeddingOptions(V, E)};
  nn::Linear init_h{nn::LinearOptions(C, H)}, init_c{nn::LinearOptions(C, H)};
  nn::AdditiveAttention att{nn::AdditiveAttentionOptions(H, C, A)};
  nn::LSTMCell dec{nn::LSTMCellOptions(E + C, H)};
  nn::Linear out{nn::LinearOptions(H, V)};
  Tensor img, cap_in, cap_out;

  Captioner() {
    for (int64_t cin : {int64_t{3}, int64_t{32}, int64_t{64}}) {
      const int64_t cout = cin == 3 ? 32 : 2 * cin;
      cnn.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(cin, cout, 3).padding(1)));
      cnn.push_back(std::make_shared<nn::ReLU>());
      cnn.push_back(std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions(2)));
    }
    register_module("cnn", cnn);
    register_module("emb", emb);
    register_module("init_h", init_h);
    register_module("init_c", init_c);
    register_module("att", att);
    register_module("dec", dec);
    register_module("out", out);
    img = Tensor::rand({B, 3, 64, 64});
    cap_in = random_ids(B, T, V);
    cap_out = random_ids(B, T, V);
  }

  Tensor loss() override {
    Tensor f = cnn(img);                                                 // [B, C, 8, 8]
    Tensor feats = attn::transpose(attn::reshape(f, {B, C, -1}), 1, 2);  // [B, 64, C]
    Tensor m = feats.mean({1});                                          // [B, C]
    Tensor h = init_h(m).tanh(), c = init_c(m).tanh();
    Tensor kp = att.project_keys(feats);  // [B, 64, A]
    std::vector<Tensor> logits;
    for (int64_t t = 0; t < T; ++t) {
      Tensor ctx = att(h, feats, Tensor(), kp).output;  // [B, C]
      auto s = dec(attn::concat({emb(column(cap_in, t)), ctx}, 1), {h, c});
      h = s.h;
      c = s.c;
      logits.push_back(out(h));
    }
    return nn::cross_entropy(attn::stack(logits, 1), cap_out);
  }
};

// ---- the captioning tutorial's model (torch_models.py: CaptionerSat) ------------------
// models::Captioner, Show, Attend and Tell, at captioner_attention's sizes: images
// [32, 3, 64, 64], captions of 11 words (tgt_in, tgt_out [32, 12]) over V = 40.
// CNN: 3 x (Conv3x3 pad 1 without bias, BatchNorm2d, ReLU, MaxPool 2), channels 3-32-64-128;
// the gate beta = sigmoid(f_beta(h)), the output Linear([h; z]), cross entropy plus the
// doubly stochastic regulariser (lambda 1).
struct CaptionerSat : BenchModel {
  static constexpr int64_t V = 40, B = 32, T = 12;
  attn::models::Captioner model{attn::models::CaptionerOptions(V)
                                    .channels({32, 64, 128})
                                    .embedding_dim(64)
                                    .hidden_size(256)
                                    .attention_dim(128)
                                    .doubly_stochastic(1.0)};
  Tensor img;
  attn::data::CaptionBatch batch;

  CaptionerSat() {
    register_module("model", model);
    img = Tensor::rand({B, 3, 64, 64});
    std::vector<attn::data::CaptionExample> examples(B);
    std::vector<int64_t> rows(B);
    for (int64_t b = 0; b < B; ++b) {
      examples[b].image = b;
      for (int64_t t = 0; t + 1 < T; ++t)  // words only: no <pad>, so every step counts
        examples[b].ids.push_back(attn::data::kNumSpecials +
                                  attn::global_generator().randint(V - attn::data::kNumSpecials));
      rows[b] = b;
    }
    batch = attn::data::collate_captions(examples, rows);
  }

  Tensor loss() override { return model.loss(img, batch); }
};

// ---- one Transformer encoder layer (torch_models.py: SelfAttentionBlock) ---------------
// x, y [32, 64] ids in [0, 32): Embedding(32, 128) -> encoder layer (4 heads, feed-forward
// 512, post-norm, no dropout) -> Linear(128, 32), cross entropy per token.
struct SelfAttentionBlock : BenchModel {
  static constexpr int64_t V = 32, D = 128, B = 32, T = 64;
  nn::Embedding emb{nn::EmbeddingOptions(V, D)};
  nn::TransformerEncoderLayer layer{
      nn::TransformerEncoderLayerOptions(D, 4).dim_feedforward(512).dropout(0.0)};
  nn::Linear out{nn::LinearOptions(D, V)};
  Tensor x, y;

  SelfAttentionBlock() {
    register_module("emb", emb);
    register_module("layer", layer);
    register_module("out", out);
    x = random_ids(B, T, V);
    y = random_ids(B, T, V);
  }

  Tensor loss() override { return nn::cross_entropy(out(layer(emb(x))), y); }
};

// ---- SAGAN self-attention over a conv map (torch_models.py: Sagan2d) -------------------
// x, target [16, 3, 32, 32] in [0, 1): Conv3x3(3, 64) + ReLU -> self-attention over the
// 32 x 32 positions (f, g: 64 -> 8, h: 64 -> 64, gamma) -> Conv3x3(64, 3), MSE.
struct Sagan2d : BenchModel {
  static constexpr int64_t C = 64, B = 16, HW = 32;
  nn::SelfAttention2d sa{nn::SelfAttention2dOptions(C)};
  nn::Conv2d conv{nn::Conv2dOptions(3, C, 3).padding(1)};
  nn::Conv2d head{nn::Conv2dOptions(C, 3, 3).padding(1)};
  Tensor x, target;

  Sagan2d() {
    register_module("sa", sa);  // f, g, h, gamma: first, as torch_models.py
    register_module("conv", conv);
    register_module("head", head);
    x = Tensor::rand({B, 3, HW, HW});
    target = Tensor::rand({B, 3, HW, HW});
  }

  Tensor loss() override { return nn::mse_loss(head(sa(conv(x).relu()).output), target); }
};

// ---- one SAGAN training step (torch_models.py: SaganStep) ------------------------------
// models/sagan.h's G and D with attention (z 64, c 16, 28x28 single-channel images), and
// train/gan/gan_trainer.h's step: D on 64 real images x in [-1, 1) and 64 of G(z) (hinge
// loss, Adam lr 4e-4), then G on D(G(z')) with D frozen (Adam lr 1e-4), betas (0, 0.9).
struct SaganStep : BenchModel {
  static constexpr int64_t B = 64, Z = 64, C = 16;
  attn::models::Generator G{attn::models::GeneratorOptions().z_dim(Z).channels(C)};
  attn::models::Discriminator D{attn::models::DiscriminatorOptions().channels(C)};
  std::unique_ptr<attn::train::GanTrainer> trainer;
  Tensor x, z, z_prime;

  SaganStep() {
    register_module("G", G);
    register_module("D", D);
    trainer = std::make_unique<attn::train::GanTrainer>(attn::train::gan_networks(G, D, Z),
                                                        attn::train::GanOptions{.samples = 1});
    x = Tensor::rand({B, 1, 28, 28}) * attn::real(2) - attn::real(1);
    z = Tensor::randn({B, Z});
    z_prime = Tensor::randn({B, Z});
  }

  Tensor loss() override { return Tensor(); }  // never called: train_step does the step
  bool train_step() override {
    trainer->step(x, z, z_prime);
    return true;
  }
};

const std::vector<std::string> kModels = {"seq2seq_bottleneck", "seq2seq_attention",
                                          "captioner_attention", "captioner_sat",
                                          "self_attention_block", "sagan_2d", "sagan_step"};

std::unique_ptr<BenchModel> make_model(const std::string& name) {
  if (name == "seq2seq_bottleneck") return std::make_unique<Seq2Seq>(false);
  if (name == "seq2seq_attention") return std::make_unique<Seq2Seq>(true);
  if (name == "captioner_attention") return std::make_unique<Captioner>();
  if (name == "captioner_sat") return std::make_unique<CaptionerSat>();
  if (name == "self_attention_block") return std::make_unique<SelfAttentionBlock>();
  if (name == "sagan_2d") return std::make_unique<Sagan2d>();
  if (name == "sagan_step") return std::make_unique<SaganStep>();
  std::string known;
  for (const auto& m : kModels) known += " " + m;
  throw std::invalid_argument("bench_models: unknown model '" + name + "'; known:" + known);
}

// The parameter counts bench/torch_models.py's models have (sum of p.numel() over
// model.parameters()), written out from the layer sizes above so a mismatch shows here
// without PyTorch; run_model_bench.py compares with the PyTorch models' own counts too.
int64_t torch_parameter_count(const std::string& name) {
  auto lstm = [](int64_t I, int64_t H) { return 4 * H * I + 4 * H * H + 8 * H; };
  auto linear = [](int64_t I, int64_t O, bool bias) { return O * I + (bias ? O : 0); };
  auto conv = [](int64_t I, int64_t O, int64_t k) { return O * I * k * k + O; };
  if (name == "seq2seq_bottleneck")
    return 2 * 32 * 64 + lstm(64, 128) + lstm(64, 128) + linear(128, 32, true);
  if (name == "seq2seq_attention")
    return 2 * 32 * 64 + lstm(64, 128) + lstm(64 + 128, 128) + linear(128, 128, false) +
           linear(128, 128, true) + linear(128, 1, false) + linear(256, 32, true);
  if (name == "captioner_attention")
    return conv(3, 32, 3) + conv(32, 64, 3) + conv(64, 128, 3) + 40 * 64 +
           2 * linear(128, 256, true) + linear(256, 128, false) + linear(128, 128, true) +
           linear(128, 1, false) + lstm(64 + 128, 256) + linear(256, 40, true);
  if (name == "captioner_sat")  // convs without bias; BatchNorm2d's weight and bias
    return conv(3, 32, 3) - 32 + conv(32, 64, 3) - 64 + conv(64, 128, 3) - 128 +
           2 * (32 + 64 + 128) + 40 * 64 + lstm(64 + 128, 256) + linear(256 + 128, 40, true) +
           linear(256, 128, false) + linear(128, 128, true) + linear(128, 1, false) +
           2 * linear(128, 256, true) + linear(256, 1, true);
  if (name == "self_attention_block")
    return 32 * 128 + (3 * 128 * 128 + 3 * 128) + linear(128, 128, true) + linear(128, 512, true) +
           linear(512, 128, true) + 2 * 2 * 128 + linear(128, 32, true);
  auto self_attention = [&](int64_t C) {  // f, g: C -> C / 8, h: C -> C, gamma
    return 2 * conv(C, C / 8, 1) + conv(C, C, 1) + 1;
  };
  if (name == "sagan_step") {  // G's layers before a batch norm have no bias
    const int64_t c = SaganStep::C, z = SaganStep::Z;
    auto bn = [](int64_t C) { return 2 * C; };
    const int64_t G = linear(z, 4 * c * 7 * 7, false) + bn(4 * c) + conv(4 * c, 2 * c, 3) -
                      2 * c + self_attention(2 * c) + bn(2 * c) + conv(2 * c, c, 3) - c + bn(c) +
                      conv(c, 1, 3);
    const int64_t D = conv(1, c, 3) + conv(c, c, 4) + self_attention(c) + conv(c, 2 * c, 4) +
                      conv(2 * c, 4 * c, 3) + linear(4 * c, 1, true);
    return G + D;
  }
  // sagan_2d
  return self_attention(64) + conv(3, 64, 3) + conv(64, 3, 3);
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU time of the whole process (every thread), in ms: on one thread the work alone,
// however many other programs share the cores.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];  // as torch_models_clocks.py: the upper middle of an even count
}

struct Options {
  int threads = 0;  // 0: ATTN_THREADS, else the library's default
  int steps = 20, warmup = 3;
  bool phases = false;
  std::vector<std::string> models;
};

int to_int(const char* flag, const char* s) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0)
    throw std::invalid_argument(std::string("bench_models: ") + flag +
                                " needs a whole number >= 0, got '" + s + "'");
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  if (const char* e = std::getenv("ATTN_THREADS")) o.threads = to_int("ATTN_THREADS", e);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc)
        throw std::invalid_argument(std::string("bench_models: ") + flag + " needs a value");
      return argv[++i];
    };
    if (a == "--threads")
      o.threads = to_int("--threads", value("--threads"));
    else if (a == "--steps")
      o.steps = std::max(1, to_int("--steps", value("--steps")));
    else if (a == "--warmup")
      o.warmup = to_int("--warmup", value("--warmup"));
    else if (a == "--phases")
      o.phases = true;
    else if (a == "--model")
      o.models.push_back(value("--model"));
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: bench_models [--threads N] [--steps N] [--warmup N] [--phases] "
          "[--model NAME ...]\nmodels:");
      for (const auto& m : kModels) std::printf(" %s", m.c_str());
      std::printf("\n");
      std::exit(0);
    } else
      throw std::invalid_argument("bench_models: unknown argument '" + a + "' (see --help)");
  }
  if (o.models.empty()) o.models = kModels;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options opt = parse(argc, argv);
    if (opt.threads > 0) attn::set_num_threads(opt.threads);
    std::fprintf(stderr, "# attnlab %s, %d thread(s), median of %d steps after %d warm-up\n",
                 attn::simd::isa_name(), attn::get_num_threads(), opt.steps, opt.warmup);
    for (const std::string& name : opt.models) {
      attn::manual_seed(0);
      auto model = make_model(name);
      const int64_t ours = model->num_parameters(), theirs = torch_parameter_count(name);
      if (ours != theirs)
        throw std::logic_error("bench_models: " + name + " has " + std::to_string(ours) +
                               " parameters, PyTorch's model " + std::to_string(theirs));
      attn::optim::Adam adam(model->parameters(), {.lr = 1e-3});
      std::vector<double> total, cpu, fwd, bwd, upd;
      bool own_step = false;
      for (int i = 0; i < opt.warmup + opt.steps; ++i) {
        const double t0 = wall_ms(), c0 = cpu_ms();
        double t_fwd = t0, t_bwd = t0;
        own_step = model->train_step();
        if (!own_step) {
          adam.zero_grad();
          Tensor loss = model->loss();
          t_fwd = wall_ms();
          loss.backward();
          t_bwd = wall_ms();
          adam.step();
        }
        const double t_all = wall_ms(), c_all = cpu_ms();
        if (i < opt.warmup) continue;
        total.push_back(t_all - t0);
        cpu.push_back(c_all - c0);
        fwd.push_back(t_fwd - t0);
        bwd.push_back(t_bwd - t_fwd);
        upd.push_back(t_all - t_bwd);
      }
      std::printf("%s %.2f %.2f\n", name.c_str(), median(total), median(cpu));
      std::fprintf(stderr, "#   %s: %lld parameters (PyTorch's model: %lld)\n", name.c_str(),
                   static_cast<long long>(ours), static_cast<long long>(theirs));
      if (opt.phases && own_step)
        std::fprintf(stderr, "#   %s phases: none (a step with optimisers of its own)\n",
                     name.c_str());
      else if (opt.phases)
        std::fprintf(stderr,
                     "#   %s phases (median ms): forward+loss %.2f, backward %.2f, adam %.2f\n",
                     name.c_str(), median(fwd), median(bwd), median(upd));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
