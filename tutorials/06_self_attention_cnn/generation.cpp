// Tutorial 06, Part 1: a small SAGAN against the same GAN without attention. The pictures
// (Fashion-MNIST, or glyphs made by code), the classifier that judges them, the training of
// both models on the same draws and batches for every seed, and the scores: the Fréchet
// distance in the classifier's feature space, and the classifier's confident labels.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

#include "autograd/autograd.h"
#include "data/caption_batch.h"
#include "models/image_classifier.h"
#include "self_attention_cnn.h"
#include "train/loop/fit_classifier.h"
#include "train/metrics/frechet.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"

using attn::Tensor;
using attn::train::fmt;

namespace {

attn::models::GeneratorOptions generator_options(const GenerationSettings& s, bool attention) {
  return attn::models::GeneratorOptions().z_dim(s.z_dim).channels(s.channels).attention(
      attention);
}

attn::models::DiscriminatorOptions discriminator_options(const GenerationSettings& s,
                                                         bool attention) {
  return attn::models::DiscriminatorOptions().channels(s.channels).attention(attention);
}

attn::data::GanImageSource source_of(const std::string& name) {
  if (name == "fashion_mnist") return attn::data::GanImageSource::fashion_mnist;
  if (name == "glyphs") return attn::data::GanImageSource::glyphs;
  return attn::data::GanImageSource::automatic;
}

// The entropy of a distribution over N positions, as a share of log N (1: uniform).
double spread(const attn::real* row, int64_t n) {
  double h = 0;
  for (int64_t i = 0; i < n; ++i)
    if (row[i] > 0) h -= double(row[i]) * std::log(double(row[i]));
  return h / std::log(double(n));
}

// `count` pictures of G from z drawn by a generator of its own: [count, 1, 28, 28].
Tensor generate(attn::train::GanTrainer& trainer, int64_t z_dim, int64_t count, uint64_t seed) {
  attn::train::ScopedSeed own(seed);
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < count; start += 250) {
    const int64_t n = std::min<int64_t>(250, count - start);
    parts.push_back(trainer.sample(Tensor::randn({n, z_dim})));
  }
  return attn::concat(parts, 0);
}

}  // namespace

void show_generation_idea(const GenerationSettings& s, uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed + 505);  // the experiment's draws stay as they were
  attn::models::Generator G(generator_options(s, true));
  attn::models::Discriminator D(discriminator_options(s, true));
  const Tensor z = Tensor::randn({2, s.z_dim});
  const attn::models::GanOutput g = G.sample(z);
  const int64_t N = g.attention.size(1), side = int64_t(std::lround(std::sqrt(double(N))));
  std::cout << "\nPart 1: a small SAGAN\n"
            << "  G: z " << attn::shape_str(z.shape()) << " -> linear -> [2, " << 4 * s.channels
            << ", 7, 7] -> upsample, conv -> [2, " << 2 * s.channels << ", " << side << ", "
            << side << "] -> self-attention -> upsample, conv -> x "
            << attn::shape_str(g.output.shape()) << "\n"
            << "  D: x -> conv, conv stride 2 -> [2, " << s.channels << ", " << side << ", "
            << side << "] -> self-attention -> conv stride 2, conv -> sum over 7 x 7 -> score "
            << attn::shape_str(D(g.output).shape()) << "\n"
            << "  every linear and conv weight divided by its largest singular value (spectral "
               "norm), so D's Lipschitz constant stays bounded\n";
  // Untrained: gamma = 0, so the layer's output is its input, whatever beta says.
  const int64_t q = (side / 2) * side + side / 2;  // the map's centre
  const attn::real* row = g.attention.data() + q * N;
  const int64_t peak = std::max_element(row, row + N) - row;
  std::cout << "  G's attention at the " << side << " x " << side << " map: beta "
            << attn::shape_str(g.attention.shape()) << ", N = " << N
            << " positions; the centre's row (where it attends) has entropy "
            << fmt("%.3f", spread(row, N)) << " of uniform's (largest weight " << fmt("%.4f", row[peak])
            << " at (" << peak / side << ", " << peak % side << "); uniform 1/N = "
            << fmt("%.4f", 1.0 / double(N)) << ")\n"
            << "  gamma = " << G.gamma() << ": at the start the layer is the identity; "
               "training decides how much of the far evidence o_j to mix in.\n";
}

GenerationResults run_generation(const attn::train::RunOptions& opts, const Settings& set) {
  const GenerationSettings& s = set.generation;
  GenerationResults r;
  r.data = attn::data::load_gan_images(std::nullopt, s.train_images, s.test_images, opts.seed,
                                       source_of(s.dataset));
  std::cout << "\n" << r.data.why << "\n";

  // The judge: a small classifier trained on the real pictures (or reused from an earlier
  // run in the same folder with the same pictures and settings). Its penultimate layer is
  // the feature space of the Fréchet distance, as Inception's is for FID.
  attn::models::ImageClassifier judge;
  {
    attn::train::ScopedSeed own(opts.seed + 4242);
    const attn::train::ClassifierFit fit = attn::train::fit_or_reuse_classifier(
        judge, [&](const Tensor& x) { return judge(x); }, r.data.train.images,
        r.data.train.labels,
        {.steps = s.classifier_steps, .batch_size = 64, .lr = 2e-3, .seed = opts.seed,
         .label = "classifier"},
        opts.out_dir / "classifier.safetensors",
        {{"architecture", judge.architecture()}, {"source", r.data.source}});
    r.classifier_note = fit.note;
  }
  judge.eval();
  r.classifier_accuracy = judge.accuracy(r.data.test.images, r.data.test.labels);
  std::cout << "the judging classifier: " << r.classifier_note << "; held-out accuracy "
            << fmt("%.3f", r.classifier_accuracy) << "\n";
  const attn::train::FeatureStats real_test =
      attn::train::feature_stats(judge.features_in_batches(r.data.test.images));
  {
    // The floor: as many real training pictures against the real test pictures.
    std::vector<int64_t> first(static_cast<size_t>(
        std::min(r.data.train.images.size(0), r.data.test.images.size(0))));
    std::iota(first.begin(), first.end(), 0);
    const Tensor real_train = attn::data::gather_images(r.data.train.images, first);
    r.real_floor = attn::train::frechet_distance(
        attn::train::feature_stats(judge.features_in_batches(real_train)), real_test);
    r.real_confident = attn::train::confident_label_stats(
        judge.logits_in_batches(r.data.test.images));
  }
  std::cout << "Fréchet distance, real training pictures against real test pictures (the "
               "floor): "
            << fmt("%.2f", r.real_floor) << "\n";

  const int64_t n_train = r.data.train.images.size(0);
  for (int64_t k = 0; k < s.seeds; ++k) {
    const uint64_t seed = opts.seed + uint64_t(k);
    for (const bool attention : {false, true}) {
      GanRun run;
      run.name = attention ? "sagan" : "gan";
      run.seed = seed;
      // The same first draws for both models: their shared layers start equal, and gamma = 0
      // makes the SAGAN start as the GAN plus an identity.
      attn::train::ScopedSeed init(seed * 1000 + 17);
      run.G = std::make_shared<attn::models::Generator>(generator_options(s, attention));
      attn::models::Discriminator D(discriminator_options(s, attention));
      const int64_t T = s.steps;
      attn::train::GanTrainer trainer(
          attn::train::gan_networks(*run.G, D, s.z_dim),
          {.steps = T,
           .snapshot_steps = {0, T / 4, T / 2, T},
           .samples = 32,
           .sample_seed = 20180521 + seed,
           .label = run.name + " seed " + std::to_string(seed)});
      attn::Generator batches(seed * 7919 + 3);  // the same real batches for both models
      std::vector<int64_t> which(static_cast<size_t>(s.batch_size));
      run.log = trainer.fit([&]() -> Tensor {
        for (auto& i : which) i = batches.randint(n_train);
        return attn::data::gather_images(r.data.train.images, which);
      });
      const Tensor fakes = generate(trainer, s.z_dim, s.samples, seed + 99);
      run.frechet = attn::train::frechet_distance(
          attn::train::feature_stats(judge.features_in_batches(fakes)), real_test);
      run.confident = attn::train::confident_label_stats(judge.logits_in_batches(fakes));
      if (attention) run.gamma_g = run.G->gamma(), run.gamma_d = D.gamma();
      std::cout << "  " << run.name << ", seed " << seed << ": Fréchet distance "
                << fmt("%.2f", run.frechet) << " (floor " << fmt("%.2f", r.real_floor)
                << "), confident labels " << fmt("%.2f", run.confident.confident_fraction)
                << ", label entropy " << fmt("%.2f", run.confident.label_entropy);
      if (attention)
        std::cout << ", gamma G " << fmt("%.3f", run.gamma_g) << " D " << fmt("%.3f", run.gamma_d);
      std::cout << " (" << fmt("%.0f", run.log.seconds) << " s)\n";
      if (k > 0) run.G.reset();  // only the first seed's generators are drawn
      r.runs.push_back(std::move(run));
    }
  }
  return r;
}
