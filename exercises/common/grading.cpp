#include "exercises/common/grading.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autograd/error.h"
#include "autograd/grad_mode.h"

namespace attn::exercises {

std::string index_str(const Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    idx[k] = flat % shape[k];
    flat /= shape[k];
  }
  std::ostringstream os;
  os << '[';
  for (size_t k = 0; k < idx.size(); ++k) os << (k ? "," : "") << idx[k];
  os << ']';
  return os.str();
}

::testing::AssertionResult Matches(const Tensor& yours, const Tensor& expected,
                                   const std::string& what, double tol) {
  if (!yours.defined())
    return ::testing::AssertionFailure() << what << ": yours is an undefined tensor; expected "
                                         << shape_str(expected.shape());
  if (yours.shape() != expected.shape())
    return ::testing::AssertionFailure() << what << ": yours has shape " << shape_str(yours.shape())
                                         << ", expected " << shape_str(expected.shape());
  const std::vector<real> a = yours.to_vector(), b = expected.to_vector();
  int64_t off = 0, worst = -1;
  double worst_diff = -1;
  std::ostringstream first;
  first.precision(12);
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - double(b[i]));
    const bool ok = d <= tol * (1 + std::abs(double(b[i])));  // NaN is never ok
    if (ok) continue;
    if (std::isnan(d) || d > worst_diff) worst = static_cast<int64_t>(i), worst_diff = d;
    if (off++ < 3)
      first << "\n  " << what << index_str(expected.shape(), i) << ": yours " << a[i]
            << ", expected " << b[i] << ", off by " << d;
  }
  if (off == 0) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(12);
  os << what << ": " << off << " of " << a.size() << " elements are off (allowed "
     << tol << " x (1 + |expected|)); the worst is " << what
     << index_str(expected.shape(), worst) << ": yours " << a[worst] << ", expected "
     << b[worst] << "; the first:" << first.str();
  return ::testing::AssertionFailure() << os.str();
}

::testing::AssertionResult Matches(double yours, double expected, const std::string& what,
                                   double tol) {
  const double d = std::abs(yours - expected);
  if (d <= tol * (1 + std::abs(expected))) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(12);
  os << what << ": yours " << yours << ", expected " << expected << ", off by " << d
     << " (allowed " << tol << " x (1 + |expected|))";
  return ::testing::AssertionFailure() << os.str();
}

::testing::AssertionResult GradientsAgree(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                                          const std::vector<std::string>& names,
                                          const GradcheckOptions& options) {
  const GradcheckResult r = gradcheck(f, inputs, options);
  if (r.ok) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(10);
  os << r.mismatches.size() << " gradient elements disagree with central differences (L = "
     << "sum(f * R) for a fixed random R; allowed relative error " << options.rtol << "):";
  size_t shown = 0;
  for (const GradcheckMismatch& m : r.mismatches) {
    if (shown++ == 8) {
      os << "\n  ... and " << r.mismatches.size() - 8 << " more";
      break;
    }
    const std::string name = m.input < names.size() ? names[m.input] : "input " + std::to_string(m.input);
    os << "\n  dL/d" << name << index_str(inputs[m.input].shape(), m.index)
       << ": your backward gives " << m.analytic << ", central differences give " << m.numeric
       << ", off by " << m.abs_error << " (relative " << m.rel_error << ")";
  }
  return ::testing::AssertionFailure() << os.str();
}

nlohmann::json load_exercise_fixture(const std::string& relative) {
  const std::string path = std::string(ATTN_EXERCISES_DIR) + "/" + relative;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open the fixture " + path +
                             "; it is committed with the script beside it (make_fixtures.py)");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("the fixture " + path + " is not valid JSON: " + e.what());
  }
}

void copy_into(Tensor dst, const Tensor& src) {
  ATTN_CHECK(dst.shape() == src.shape(), "copy_into: a ", shape_str(src.shape()),
             " tensor into one of shape ", shape_str(dst.shape()));
  NoGradGuard no_grad;
  std::copy(src.data(), src.data() + src.numel(), dst.data());
}

}  // namespace attn::exercises
