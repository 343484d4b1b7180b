#include "train/optim/sgd.h"

#include <cmath>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/profiler.h"

namespace attn::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : Optimizer(std::move(params), options.lr, "SGD"), options_(options) {
  const auto& o = options_;
  ATTN_CHECK(std::isfinite(o.momentum) && o.momentum >= 0,
             "SGD: momentum must be finite and >= 0, got ", o.momentum);
  ATTN_CHECK(std::isfinite(o.dampening), "SGD: dampening must be finite, got ", o.dampening);
  ATTN_CHECK(std::isfinite(o.weight_decay) && o.weight_decay >= 0,
             "SGD: weight_decay must be finite and >= 0, got ", o.weight_decay);
  // Nesterov's look-ahead is defined for an undamped buffer (as in PyTorch).
  ATTN_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
             "SGD: nesterov needs momentum > 0 and dampening == 0, got momentum ", o.momentum,
             " and dampening ", o.dampening);
  momentum_buffer_.resize(params_.size());
}

void SGD::step() {
  ATTN_PROFILE_OP("sgd_step");  // a row of the profiler's table, as an op
  NoGradGuard no_grad;
  const real eta = static_cast<real>(lr());
  const real lambda = static_cast<real>(options_.weight_decay);
  const real mu = static_cast<real>(options_.momentum);
  const real one_minus_tau = static_cast<real>(1 - options_.dampening);
  const bool use_momentum = options_.momentum != 0, nesterov = options_.nesterov;

  for (size_t k = 0; k < params_.size(); ++k) {
    Tensor& param = params_[k];
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    const int64_t n = param.numel();
    real* __restrict p = param.data();
    const real* __restrict g = grad.data();

    if (!use_momentum) {
      for (int64_t i = 0; i < n; ++i) p[i] -= eta * (g[i] + lambda * p[i]);
      continue;
    }
    Tensor& buffer = momentum_buffer_[k];
    const bool first = !buffer.defined();
    if (first) buffer = Tensor::empty(param.shape());
    real* __restrict b = buffer.data();
    for (int64_t i = 0; i < n; ++i) {
      const real d = g[i] + lambda * p[i];
      b[i] = first ? d : mu * b[i] + one_minus_tau * d;
      p[i] -= eta * (nesterov ? d + mu * b[i] : b[i]);
    }
  }
}

}  // namespace attn::optim
