#include "train/gan/gan_trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "layers/losses.h"
#include "train/run/progress.h"
#include "train/run/scoped_seed.h"
#include "train/run/timing.h"

namespace attn::train {

namespace {

const GanOptions& checked(const GanOptions& o, const GanNetworks& n) {
  ATTN_CHECK(o.lr_g > 0 && o.lr_d > 0, "GanTrainer: the learning rates lr_g = ", o.lr_g,
             " and lr_d = ", o.lr_d, " must be > 0");
  ATTN_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1,
             "GanTrainer: Adam's betas (", o.beta1, ", ", o.beta2, ") must lie in [0, 1)");
  ATTN_CHECK(o.steps >= 1, "GanTrainer: steps is ", o.steps, ", expected at least 1");
  ATTN_CHECK(o.samples >= 1, "GanTrainer: samples is ", o.samples,
             ", expected at least 1 (the rows of the fixed z)");
  for (int64_t s : o.snapshot_steps)
    ATTN_CHECK(s >= 0 && s <= o.steps, "GanTrainer: snapshot step ", s, " is outside [0, ",
               o.steps, "] (0 is before the first step)");
  ATTN_CHECK(n.z_dim >= 1, "GanTrainer: z_dim is ", n.z_dim, ", expected at least 1");
  ATTN_CHECK(n.generate && n.discriminate,
             "GanTrainer: GanNetworks needs both generate and discriminate");
  return o;
}

// The scalars named gamma of a network (its attention layers' gates), by dotted name.
nn::NamedTensors gammas_of(const nn::Module& m) {
  nn::NamedTensors out;
  for (const auto& [name, p] : m.named_parameters()) {
    const bool is_gamma =
        name == "gamma" || (name.size() > 6 && name.compare(name.size() - 6, 6, ".gamma") == 0);
    if (is_gamma && p.numel() == 1) out.emplace_back(name, p);
  }
  return out;
}

// Turns requires_grad off for a network's parameters while it lives: their gradients would
// be computed and thrown away.
class Frozen {
 public:
  explicit Frozen(const nn::Module& m) : params_(m.parameters()) {
    for (Tensor& p : params_) p.requires_grad_(false);
  }
  ~Frozen() {
    for (Tensor& p : params_) p.requires_grad_(true);
  }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

 private:
  std::vector<Tensor> params_;
};

void check_batch(const Tensor& x, const Tensor& z, const Tensor& z_prime, int64_t z_dim) {
  ATTN_CHECK(x.defined() && x.dim() == 4 && x.size(0) >= 1,
             "GanTrainer::step: expected real images [B, C, H, W], got ",
             x.defined() ? shape_str(x.shape()) : std::string("none"));
  const Shape want{x.size(0), z_dim};
  ATTN_CHECK(z.defined() && z.shape() == want && z_prime.defined() && z_prime.shape() == want,
             "GanTrainer::step: z and z' must be [B, z_dim] = ", shape_str(want), ", got ",
             z.defined() ? shape_str(z.shape()) : std::string("none"), " and ",
             z_prime.defined() ? shape_str(z_prime.shape()) : std::string("none"));
}

}  // namespace

GanTrainer::GanTrainer(GanNetworks networks, GanOptions options)
    : nets_(std::move(networks)),
      options_(checked(options, nets_)),
      opt_g_(nets_.G.parameters(),
             {.lr = options_.lr_g, .beta1 = options_.beta1, .beta2 = options_.beta2}),
      opt_d_(nets_.D.parameters(),
             {.lr = options_.lr_d, .beta1 = options_.beta1, .beta2 = options_.beta2}) {
  ScopedSeed own(options_.sample_seed);  // the global generator is left as it was
  fixed_z_ = Tensor::randn({options_.samples, nets_.z_dim});
}

GanStepStats GanTrainer::step(const Tensor& x) {
  ATTN_CHECK(x.defined() && x.dim() >= 1, "GanTrainer::step: the real batch is empty");
  const int64_t B = x.size(0);
  const Tensor z = Tensor::randn({B, nets_.z_dim});
  const Tensor z_prime = Tensor::randn({B, nets_.z_dim});
  return step(x, z, z_prime);
}

GanStepStats GanTrainer::step(const Tensor& x, const Tensor& z, const Tensor& z_prime) {
  check_batch(x, z, z_prime, nets_.z_dim);
  const int64_t B = x.size(0);
  GanStepStats st;

  // D step: real against G's current fakes, which are constants here.
  opt_d_.zero_grad();
  Tensor fake;
  {
    NoGradGuard no_grad;
    fake = nets_.generate(z);
  }
  ATTN_CHECK(fake.shape() == x.shape(), "GanTrainer::step: G makes images of shape ",
             shape_str(fake.shape()), ", the real batch is ", shape_str(x.shape()));
  const Tensor s = nets_.discriminate(concat({x, fake}, 0));  // [2B]
  ATTN_CHECK(s.shape() == Shape{2 * B}, "GanTrainer::step: D must score each image once ([",
             2 * B, "]), got ", shape_str(s.shape()));
  const Tensor s_real = s.slice(0, 0, B), s_fake = s.slice(0, B, 2 * B);
  Tensor d_loss = nn::hinge_loss_discriminator(s_real, s_fake);
  d_loss.backward();
  opt_d_.step();
  st.d_loss = d_loss.item();
  st.d_real = s_real.detach().mean().item();
  st.d_fake = s_fake.detach().mean().item();

  // G step: through D (frozen) to G's weights.
  opt_g_.zero_grad();
  {
    Frozen frozen(nets_.D);
    Tensor g_loss = nn::hinge_loss_generator(nets_.discriminate(nets_.generate(z_prime)));
    g_loss.backward();
    st.g_loss = g_loss.item();
  }
  opt_g_.step();
  return st;
}

Tensor GanTrainer::sample(const Tensor& z) {
  const bool was_training = nets_.G.is_training();
  nets_.G.eval();
  Tensor images;
  try {
    NoGradGuard no_grad;
    images = nets_.generate(z);
  } catch (...) {
    nets_.G.train(was_training);
    throw;
  }
  nets_.G.train(was_training);
  return images;
}

GanLog GanTrainer::fit(const std::function<Tensor()>& next_real) {
  GanLog log;
  log.fixed_z = fixed_z_;
  const nn::NamedTensors g_gammas = gammas_of(nets_.G), d_gammas = gammas_of(nets_.D);
  for (const auto& [name, p] : g_gammas) log.gammas["G." + name] = {};
  for (const auto& [name, p] : d_gammas) log.gammas["D." + name] = {};
  std::vector<int64_t> snaps = options_.snapshot_steps;
  std::sort(snaps.begin(), snaps.end());
  snaps.erase(std::unique(snaps.begin(), snaps.end()), snaps.end());
  auto snapshot_if_due = [&](int64_t t) {
    if (std::binary_search(snaps.begin(), snaps.end(), t))
      log.snapshots.push_back({t, sample(fixed_z_)});
  };

  nets_.G.train();
  nets_.D.train();
  snapshot_if_due(0);
  ProgressBar bar(options_.steps, {.label = options_.label});
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (int64_t t = 1; t <= options_.steps; ++t) {
    const GanStepStats st = step(next_real());
    log.d_loss.push_back(st.d_loss);
    log.g_loss.push_back(st.g_loss);
    log.d_real.push_back(st.d_real);
    log.d_fake.push_back(st.d_fake);
    for (const auto& [name, p] : g_gammas) log.gammas["G." + name].push_back(p.item());
    for (const auto& [name, p] : d_gammas) log.gammas["D." + name].push_back(p.item());
    char extra[48];
    std::snprintf(extra, sizeof extra, "G loss %.4f", st.g_loss);
    bar.update(t, st.d_loss, extra);
    snapshot_if_due(t);
  }
  bar.finish();
  log.seconds = seconds_since(t0);
  log.cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  return log;
}

}  // namespace attn::train
