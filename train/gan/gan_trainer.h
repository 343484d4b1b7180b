#pragma once
// Adversarial training of a generator G and a discriminator D (Goodfellow et al. 2014) in the
// recipe of SAGAN (Zhang et al. 2018): the hinge loss, Adam with beta1 = 0 and beta2 = 0.9,
// and two time-scale learning rates (Heusel et al. 2017: D learns 4x faster than G), one D
// step per G step.
//
// One step, given a batch of real images x [B, C, H, W] and two noise batches z, z' [B, z_dim]:
//   D step:  x~ = G(z)                          without a graph: this step trains D only
//            s  = D([x; x~])                    one forward over the 2B images [2B]
//            L_D = mean relu(1 - s_real) + mean relu(1 + s_fake)
//            backward, Adam step on D's parameters
//   G step:  L_G = -mean D(G(z'))               D's parameters are frozen for this pass
//            backward, Adam step on G's parameters
// D has no batch statistics (spectral norm, no batch norm), so scoring real and fake in one
// pass equals two passes, but does one power iteration per spectral-norm layer instead of
// two. Freezing D in the G step (requires_grad off) skips the gradients of D's weights,
// which G's update would throw away.
//
// The trainer knows the networks only through GanNetworks: any two modules and the calls
// that run them. gan_networks(G, D, z_dim) makes one from modules with forward(Tensor).
//
//   models::Generator G(...);  models::Discriminator D(...);
//   train::GanTrainer trainer(train::gan_networks(G, D, G.options().z_dim()),
//                             {.steps = 2000, .snapshot_steps = {0, 500, 2000}});
//   train::GanLog log = trainer.fit([&] { return batches.next(); });   // x [B, C, H, W]
//   log.d_loss, log.g_loss, log.gammas.at("G.attention.gamma"), log.snapshots[k].images
//
// Determinism: z and z' are drawn from the global generator (manual_seed first); the fixed
// z of the snapshots from a generator of its own (sample_seed), so two models trained with
// the same options are shown on the same z.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "layers/module.h"
#include "train/optim/adam.h"

namespace attn::train {

// The two networks as the trainer sees them.
struct GanNetworks {
  nn::Module& G;
  nn::Module& D;
  int64_t z_dim;
  std::function<Tensor(const Tensor&)> generate;      // z [B, z_dim] -> x [B, C, H, W]
  std::function<Tensor(const Tensor&)> discriminate;  // x [B, C, H, W] -> scores [B]
};

// GanNetworks for modules whose forward(const Tensor&) is G's and D's call.
template <typename GNet, typename DNet>
GanNetworks gan_networks(GNet& G, DNet& D, int64_t z_dim) {
  return {G, D, z_dim, [&G](const Tensor& z) { return G.forward(z); },
          [&D](const Tensor& x) { return D.forward(x); }};
}

struct GanOptions {
  int64_t steps = 1;   // G steps (each after one D step) in fit(), >= 1
  double lr_g = 1e-4;  // two time-scale learning rates
  double lr_d = 4e-4;
  double beta1 = 0.0;  // Adam's betas for both networks
  double beta2 = 0.9;
  // fit() keeps G's images of the fixed z after these steps (0: before the first step),
  // each in [0, steps], in any order.
  std::vector<int64_t> snapshot_steps = {};
  int64_t samples = 64;           // rows of the fixed z
  uint64_t sample_seed = 20180521;  // its generator: the same z for every model
  std::string label = "gan";      // the progress bar's label
};

// What one step measured.
struct GanStepStats {
  double d_loss = 0, g_loss = 0;  // L_D and L_G
  double d_real = 0, d_fake = 0;  // mean D score of the real and the fake batch (D step)
};

// G's images of the fixed z after `step` steps.
struct GanSnapshot {
  int64_t step = 0;
  Tensor images;  // [samples, C, H, W]
};

// What fit() leaves: one entry per step, in order.
struct GanLog {
  std::vector<double> d_loss, g_loss, d_real, d_fake;
  // Every learnable scalar named gamma (the attention layers' gates), per step after the
  // update, keyed "G.<name>" / "D.<name>" (e.g. "G.attention.gamma"); none without attention.
  std::map<std::string, std::vector<double>> gammas;
  std::vector<GanSnapshot> snapshots;  // in the order of their steps
  Tensor fixed_z;                      // [samples, z_dim]
  double seconds = 0, cpu_seconds = 0;
  int64_t steps() const { return static_cast<int64_t>(d_loss.size()); }
};

class GanTrainer {
 public:
  // Throws attn::Error for options that cannot train (a learning rate <= 0, betas outside
  // [0, 1), steps < 1, samples < 1, a snapshot step outside [0, steps], z_dim < 1).
  GanTrainer(GanNetworks networks, GanOptions options);

  // One D step and one G step on a real batch x [B, C, H, W]; z and z' drawn here.
  GanStepStats step(const Tensor& x);
  // The same with given noise z (D step) and z' (G step), each [B, z_dim].
  GanStepStats step(const Tensor& x, const Tensor& z, const Tensor& z_prime);
  // options.steps steps on the batches next_real returns, with the log and the snapshots.
  GanLog fit(const std::function<Tensor()>& next_real);

  // G(z) with G in evaluation mode (batch norm's running statistics, spectral norm's stored
  // vectors: nothing is updated) and no graph; G's mode is put back after.
  Tensor sample(const Tensor& z);
  const Tensor& fixed_z() const { return fixed_z_; }

  optim::Adam& optimizer_g() { return opt_g_; }
  optim::Adam& optimizer_d() { return opt_d_; }
  const GanOptions& options() const { return options_; }

 private:
  GanNetworks nets_;
  GanOptions options_;
  optim::Adam opt_g_, opt_d_;
  Tensor fixed_z_;
};

}  // namespace attn::train
