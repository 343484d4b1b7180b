#include "autograd/gradcheck.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace attn {

namespace {
// L = sum(f(x) * R) in double, accumulated outside the graph.
double projected(const GradcheckFn& f, const std::vector<Tensor>& inputs, const Tensor& R) {
  NoGradGuard no_grad;
  Tensor y = f(inputs);
  double acc = 0;
  for (int64_t i = 0; i < y.numel(); ++i) acc += double(y.data()[i]) * double(R.data()[i]);
  return acc;
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& opt, const std::string& op) {
  GradcheckResult res;
  res.op = op;
  // The projection R: fixed random weights, so every output element counts.
  Tensor R;
  {
    NoGradGuard no_grad;
    Tensor probe = f(inputs);
    Generator g(opt.seed);
    R = Tensor::empty(probe.shape());
    for (int64_t i = 0; i < R.numel(); ++i) R.data()[i] = real(g.uniform() * 2 - 1);
  }

  // Analytic gradients: one backward of L.
  std::vector<Tensor> leaves;
  for (const Tensor& x : inputs) {
    Tensor leaf = x;
    if (x.requires_grad()) leaf.zero_grad();
    leaves.push_back(leaf);
  }
  Tensor y = f(leaves);
  ATTN_CHECK(y.requires_grad(), "gradcheck(", op, "): the output does not depend on any input ",
             "that requires grad");
  sum(mul(y, R)).backward();

  // The rounding floor of the absolute tolerance, from the terms of L at x (y is f(x)).
  double magnitude = 0;
  for (int64_t i = 0; i < y.numel(); ++i)
    magnitude += std::abs(double(y.data()[i]) * double(R.data()[i]));
  res.tol =
      opt.atol + opt.noise_ulps * std::numeric_limits<double>::epsilon() * magnitude / opt.eps;

  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    Tensor grad = x.grad();
    real* px = const_cast<Tensor&>(x).data();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const real orig = px[i];
      bool near_kink = false;
      for (double kink : opt.kinks) near_kink |= std::abs(double(orig) - kink) < opt.kink_radius;
      if (near_kink) {
        ++res.skipped;
        continue;
      }
      px[i] = real(double(orig) + opt.eps);
      const double lp = projected(f, inputs, R);
      px[i] = real(double(orig) - opt.eps);
      const double lm = projected(f, inputs, R);
      px[i] = orig;
      const double numeric = (lp - lm) / (2 * opt.eps);
      const double analytic = grad.defined() ? double(grad.data()[i]) : 0.0;
      const double abs_err = std::abs(analytic - numeric);
      const double scale = std::max(std::abs(analytic), std::abs(numeric));
      const double rel_err = scale > 0 ? abs_err / scale : 0.0;
      ++res.checked;
      res.max_abs_error = std::max(res.max_abs_error, abs_err);
      if (abs_err > res.tol) res.max_rel_error = std::max(res.max_rel_error, rel_err);
      if (!(abs_err <= res.tol || rel_err <= opt.rtol)) {  // NaN fails too
        res.ok = false;
        res.mismatches.push_back({k, i, analytic, numeric, abs_err, rel_err});
      }
    }
  }
  return res;
}

std::string GradcheckResult::report(const std::vector<Tensor>& inputs) const {
  std::ostringstream os;
  os << "gradcheck(" << op << "): " << (ok ? "passed" : "FAILED") << ", " << checked
     << " elements checked, " << skipped << " skipped at kinks, max rel error " << max_rel_error
     << ", max abs error " << max_abs_error << " (absolute tolerance " << tol << ")\n";
  os.precision(10);
  for (const auto& m : mismatches)
    os << "  input " << m.input << " " << shape_str(inputs[m.input].shape()) << " index " << m.index
       << ": analytic " << m.analytic << ", numeric " << m.numeric << ", abs error " << m.abs_error
       << ", rel error " << m.rel_error << '\n';
  return os.str();
}

}  // namespace attn
