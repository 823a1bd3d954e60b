#ifndef WM_WORLDMODEL_SYSID_CMA_ES_H_
#define WM_WORLDMODEL_SYSID_CMA_ES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "util/random.h"

namespace wm::worldmodel {

// Options of a CMA-ES minimisation (Hansen's (mu/mu_w, lambda)-CMA-ES with
// rank-one and rank-mu updates and cumulative step-size adaptation).
struct CmaEsOptions {
  std::vector<double> initial;  // [n] starting mean, inside the bounds
  // [n] box bounds, lower[i] < upper[i] (finite). Candidates are mapped into
  // the box by reflection at its faces (periodic: x -> lower + the triangle
  // wave of x - lower with period 2 (upper - lower)), so the search
  // distribution itself is unbounded and every candidate lies in the box.
  std::vector<double> lower;
  std::vector<double> upper;
  // Initial step size, in the units of x. > 0.
  double sigma0 = 0.3;
  // Initial covariance [n * n] (row-major, symmetric positive semi-definite
  // up to rounding), to
  // warm-start from an earlier run's shape (covariance()); empty: identity.
  std::vector<double> initial_covariance;
  // Candidates per generation; 0: 4 + floor(3 ln n).
  int population = 0;
  uint64_t seed = 0;
  // Stop when sigma times the largest axis of the search distribution is
  // below tol_x, or when the best values of the last 10 + ceil(30 n /
  // lambda) generations and the current generation all lie within tol_fun.
  double tol_x = 1e-9;
  double tol_fun = 1e-12;
};

// CMA-ES in ask / tell form, so the caller evaluates a generation however it
// likes (in parallel). Deterministic: the candidates depend only on the
// options (seed included) and the values told. Not thread-safe.
class CmaEs {
 public:
  // INVALID_ARGUMENT when n < 1, the sizes differ, a bound pair is not
  // finite with lower < upper, the initial point is outside the box, sigma0
  // <= 0 or the population is negative or 1.
  static absl::StatusOr<std::unique_ptr<CmaEs>> Create(CmaEsOptions options);

  // The next generation: population() candidates of n values, each inside
  // the bounds. Call Tell with their values before asking again.
  const std::vector<std::vector<double>>& Ask();

  // The objective values of the candidates of the last Ask (lower is
  // better; NaN counts as +infinity). CHECK-fails on a size mismatch.
  void Tell(const std::vector<double>& values);

  // True when a stopping criterion of the options was met.
  bool Converged() const { return converged_; }

  int dimension() const { return n_; }
  int population() const { return lambda_; }
  int generation() const { return generation_; }
  int64_t evaluations() const { return evaluations_; }
  double sigma() const { return sigma_; }
  // The best candidate told so far (inside the bounds) and its value
  // (+infinity before the first Tell).
  const std::vector<double>& best() const { return best_x_; }
  double best_value() const { return best_value_; }
  // The current mean mapped into the bounds.
  std::vector<double> mean() const;
  // The current covariance [n * n] (row-major; scale sigma()).
  const std::vector<double>& covariance() const { return c_; }

 private:
  explicit CmaEs(CmaEsOptions options);

  // Reflects x into the bounds.
  std::vector<double> ToBounds(const std::vector<double>& x) const;
  // Recomputes B and D from the covariance.
  void Decompose();
  // Tell's stages, in order: the evolution paths from the weighted step
  // y_w (returns h_sigma, and the norm of p_sigma in *p_sigma_norm); the
  // rank-one and rank-mu covariance update over the candidates in `order`
  // (best first) around `old_mean`; the stopping criteria.
  double UpdatePaths(const std::vector<double>& y_w, double* p_sigma_norm);
  void UpdateCovariance(const std::vector<int>& order,
                        const std::vector<double>& old_mean, double h_sigma);
  void CheckConvergence(const std::vector<double>& values,
                        const std::vector<int>& order);

  CmaEsOptions options_;
  int n_;
  int lambda_;
  int mu_;
  std::vector<double> weights_;
  double mu_eff_, c_sigma_, d_sigma_, c_c_, c_1_, c_mu_, chi_n_;

  Rng rng_;
  std::vector<double> mean_;
  double sigma_;
  std::vector<double> c_;  // [n * n] covariance, row-major
  std::vector<double> b_;  // [n * n] eigenvectors (columns)
  std::vector<double> d_;  // [n] square roots of the eigenvalues
  std::vector<double> p_sigma_, p_c_;

  std::vector<std::vector<double>> raw_;         // unbounded candidates
  std::vector<std::vector<double>> candidates_;  // in the bounds
  bool asked_ = false;
  int generation_ = 0;
  int64_t evaluations_ = 0;
  std::vector<double> best_history_;
  std::vector<double> best_x_;
  double best_value_;
  bool converged_ = false;
};

// Runs `cma` until it converges or has run `max_generations` generations,
// evaluating candidates one by one with `objective`. Returns the best point.
std::vector<double> MinimizeWithCmaEs(
    CmaEs* cma, int max_generations,
    const std::function<double(const std::vector<double>&)>& objective);

// The eigen decomposition of the symmetric n x n matrix `a` (row-major) by
// cyclic Jacobi rotations: eigenvalues into `values` [n], eigenvectors as
// the columns of `vectors` [n * n], so a = V diag(values) V^T. Pure.
void SymmetricEigen(const std::vector<double>& a, int n,
                    std::vector<double>* values, std::vector<double>* vectors);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_CMA_ES_H_
