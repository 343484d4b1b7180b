#include "train/metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/error.h"

namespace attn::train {

double SquareMatrix::trace() const {
  double t = 0;
  for (int64_t i = 0; i < n; ++i) t += (*this)(i, i);
  return t;
}

SquareMatrix matmul(const SquareMatrix& a, const SquareMatrix& b) {
  ATTN_CHECK(a.n == b.n, "matmul: square matrices of sizes ", a.n, " and ", b.n, " differ");
  const int64_t n = a.n;
  SquareMatrix c(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const double aik = a(i, k);
      if (aik == 0) continue;
      for (int64_t j = 0; j < n; ++j) c(i, j) += aik * b(k, j);
    }
  return c;
}

namespace {

// A <- J^T A J and V <- V J for the rotation in the (p, q) plane that zeroes a_pq.
// With tau = (a_qq - a_pp) / (2 a_pq), t = tan(theta) is the smaller root of
// t^2 + 2 tau t - 1 = 0 (|theta| <= pi/4, so the rotation moves the matrix least), and
// J has c = cos(theta) at (p, p) and (q, q), s = sin(theta) at (p, q), -s at (q, p).
void rotate(SquareMatrix& a, SquareMatrix& v, int64_t p, int64_t q) {
  const double apq = a(p, q);
  const double tau = (a(q, q) - a(p, p)) / (2 * apq);
  const double t = (tau >= 0 ? 1.0 : -1.0) / (std::abs(tau) + std::sqrt(1 + tau * tau));
  const double c = 1 / std::sqrt(1 + t * t), s = t * c;
  const int64_t n = a.n;
  for (int64_t k = 0; k < n; ++k) {  // columns p and q: A J
    const double akp = a(k, p), akq = a(k, q);
    a(k, p) = c * akp - s * akq;
    a(k, q) = s * akp + c * akq;
  }
  for (int64_t k = 0; k < n; ++k) {  // rows p and q: J^T (A J)
    const double apk = a(p, k), aqk = a(q, k);
    a(p, k) = c * apk - s * aqk;
    a(q, k) = s * apk + c * aqk;
  }
  a(p, q) = a(q, p) = 0;             // zero by construction; rounding would leave ~1e-17 a_pq
  for (int64_t k = 0; k < n; ++k) {  // V J
    const double vkp = v(k, p), vkq = v(k, q);
    v(k, p) = c * vkp - s * vkq;
    v(k, q) = s * vkp + c * vkq;
  }
}

}  // namespace

SymmetricEigen symmetric_eigen(const SquareMatrix& input, const SymmetricEigenOptions& options) {
  const int64_t n = input.n;
  ATTN_CHECK(n >= 1 && input.a.size() == static_cast<size_t>(n * n),
             "symmetric_eigen: expected an n x n matrix with n >= 1, got n = ", n, " and ",
             input.a.size(), " entries");
  double largest = 0, frobenius2 = 0;
  for (double x : input.a) {
    ATTN_CHECK(std::isfinite(x), "symmetric_eigen: the matrix holds a non-finite entry (", x, ")");
    largest = std::max(largest, std::abs(x));
    frobenius2 += x * x;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      ATTN_CHECK(std::abs(input(i, j) - input(j, i)) <= 1e-9 * largest,
                 "symmetric_eigen: the matrix is not symmetric: a(", i, ", ", j,
                 ") = ", input(i, j), " but a(", j, ", ", i, ") = ", input(j, i));

  SquareMatrix a = input;
  for (int64_t i = 0; i < n; ++i)  // the mean of the two halves, exactly symmetric
    for (int64_t j = i + 1; j < n; ++j) a(i, j) = a(j, i) = 0.5 * (input(i, j) + input(j, i));
  SymmetricEigen e;
  e.vectors = SquareMatrix(n);
  for (int64_t i = 0; i < n; ++i) e.vectors(i, i) = 1;

  // A pair is rotated while its entry matters next to its two diagonal entries (the test
  // of Demmel & Veselic 1992, which keeps small eigenvalues accurate to their own size),
  // and above an absolute floor far below anything a double can tell from 0 next to ||A||.
  // Converged: a whole sweep with no rotation.
  const double floor = 1e-30 * std::sqrt(frobenius2);
  for (;;) {
    int64_t rotations = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = std::abs(a(p, q));
        if (apq > floor && apq > options.tolerance * std::sqrt(std::abs(a(p, p) * a(q, q)))) {
          rotate(a, e.vectors, p, q);
          ++rotations;
        }
      }
    if (rotations == 0) break;
    ++e.sweeps;
    ATTN_CHECK(e.sweeps < options.max_sweeps, "symmetric_eigen: no convergence after ",
               options.max_sweeps, " sweeps (n = ", n, ")");
  }

  // Ascending order, the eigenvector columns moved with their values.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return a(x, x) < a(y, y); });
  SquareMatrix sorted(n);
  e.values.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    e.values[static_cast<size_t>(k)] = a(order[k], order[k]);
    for (int64_t i = 0; i < n; ++i) sorted(i, k) = e.vectors(i, order[k]);
  }
  e.vectors = std::move(sorted);
  return e;
}

double rounding_floor(const std::vector<double>& values) {
  double largest = 0;
  for (double v : values) largest = std::max(largest, std::abs(v));
  return static_cast<double>(values.size()) * std::numeric_limits<double>::epsilon() * largest;
}

SquareMatrix symmetric_sqrt(const SquareMatrix& a) {
  const SymmetricEigen e = symmetric_eigen(a);
  const int64_t n = a.n;
  const double floor = rounding_floor(e.values);
  SquareMatrix r(n);
  for (int64_t k = 0; k < n; ++k) {
    const double lambda = e.values[static_cast<size_t>(k)];
    const double root = lambda > floor ? std::sqrt(lambda) : 0.0;
    if (root == 0) continue;
    for (int64_t i = 0; i < n; ++i) {
      const double vik = root * e.vectors(i, k);
      for (int64_t j = 0; j < n; ++j) r(i, j) += vik * e.vectors(j, k);
    }
  }
  return r;
}

}  // namespace attn::train
