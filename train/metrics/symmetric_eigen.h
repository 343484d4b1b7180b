#pragma once
// The eigen-decomposition of a real symmetric matrix by Jacobi rotations, in double:
//   A = V diag(lambda) V^T,   V orthogonal (its columns the eigenvectors), lambda real.
//
//   SquareMatrix a(3);  a(0, 0) = 2; a(0, 1) = a(1, 0) = 1; ...
//   SymmetricEigen e = symmetric_eigen(a);
//   e.values;            // ascending: lambda_0 <= lambda_1 <= ...
//   e.vectors(i, k);     // component i of the eigenvector of lambda_k
//
// The method (Jacobi 1846; the cyclic form of Golub & Van Loan, Matrix Computations, 8.5):
// sweep over every off-diagonal pair (p, q) and apply the plane rotation J(p, q, theta)
// that zeroes a_pq, A <- J^T A J, gathering V <- V J. One rotation may undo an earlier
// zero, but the off-diagonal mass sum_{i != j} a_ij^2 falls by 2 a_pq^2 at each one, so the
// sweeps converge (quadratically at the end). A pair is rotated only while
// |a_pq| > tolerance sqrt(|a_pp a_qq|); a sweep with no rotation ends it.
// For the n <= a few hundred of a classifier's feature covariance this costs about
// 10 sweeps of 4 n^3 multiply-adds: milliseconds, and as accurate as LAPACK's dsyevd for
// the small eigenvalues that matter to a matrix square root.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace attn::train {

// A dense n x n matrix of doubles, row-major.
struct SquareMatrix {
  int64_t n = 0;
  std::vector<double> a;  // n * n

  SquareMatrix() = default;
  explicit SquareMatrix(int64_t size) : n(size), a(static_cast<std::size_t>(size * size), 0.0) {}
  double& operator()(int64_t i, int64_t j) { return a[static_cast<std::size_t>(i * n + j)]; }
  double operator()(int64_t i, int64_t j) const { return a[static_cast<std::size_t>(i * n + j)]; }
  double trace() const;
};

// C = A B (same sizes; throws attn::Error otherwise).
SquareMatrix matmul(const SquareMatrix& a, const SquareMatrix& b);

struct SymmetricEigen {
  std::vector<double> values;  // ascending
  SquareMatrix vectors;        // column k is the unit eigenvector of values[k]
  int sweeps = 0;              // how many sweeps it took
};

struct SymmetricEigenOptions {
  double tolerance = 1e-15;  // rotate (p, q) while |a_pq| > tolerance sqrt(|a_pp a_qq|)
  int max_sweeps = 100;      // never reached in practice (about 10 are); an error if it is
};

// Throws attn::Error for an empty matrix, one that is not symmetric (|a_ij - a_ji| larger
// than 1e-9 of the largest entry), a non-finite entry, or no convergence.
SymmetricEigen symmetric_eigen(const SquareMatrix& a, const SymmetricEigenOptions& options = {});

// n eps max_k |lambda_k| (eps = 2.2e-16): eigenvalues at or below it cannot be told from 0
// (the rank cutoff numpy.linalg.matrix_rank uses). Their square roots would not be rounding
// any more: sqrt(1e-16) = 1e-8, so they are taken as 0.
double rounding_floor(const std::vector<double>& values);

// V diag(sqrt(lambda)) V^T, with every lambda at or below rounding_floor (a covariance's
// tiny negative and zero eigenvalues) taken as 0: the symmetric positive semi-definite
// square root, sqrt(A) sqrt(A) = A.
SquareMatrix symmetric_sqrt(const SquareMatrix& a);

}  // namespace attn::train
