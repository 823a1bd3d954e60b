#include "worldmodel/sysid/cma_es.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "util/logging.h"

namespace wm::worldmodel {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

void SymmetricEigen(const std::vector<double>& a, int n,
                    std::vector<double>* values, std::vector<double>* vectors) {
  std::vector<double> m = a;
  std::vector<double>& v = *vectors;
  v.assign(n * n, 0.0);
  for (int i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        total += m[i * n + j] * m[i * n + j];
        if (i != j) off += m[i * n + j] * m[i * n + j];
      }
    }
    if (off <= 1e-30 * total || off == 0) break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const double apq = m[p * n + q];
        if (apq == 0) continue;
        // The rotation angle that zeroes m[p][q] (Golub & Van Loan 8.4).
        const double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) /
                         (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // m = m J
          const double mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; ++k) {  // m = J^T m
          const double mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < n; ++k) {  // v = v J
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  values->resize(n);
  for (int i = 0; i < n; ++i) (*values)[i] = m[i * n + i];
}

absl::StatusOr<std::unique_ptr<CmaEs>> CmaEs::Create(CmaEsOptions options) {
  const size_t n = options.initial.size();
  if (n < 1) return absl::InvalidArgumentError("CMA-ES needs >= 1 dimension");
  if (options.lower.size() != n || options.upper.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CMA-ES: ", n, " initial values but ", options.lower.size(),
        " lower and ", options.upper.size(), " upper bounds"));
  }
  for (size_t i = 0; i < n; ++i) {
    const double lo = options.lower[i], hi = options.upper[i];
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
      return absl::InvalidArgumentError(
          absl::StrCat("CMA-ES: bounds of dimension ", i, " [", lo, ", ", hi,
                       "] are not finite with lower < upper"));
    }
    if (!(options.initial[i] >= lo && options.initial[i] <= hi)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CMA-ES: initial value ", options.initial[i], " of dimension ", i,
          " is outside [", lo, ", ", hi, "]"));
    }
  }
  if (!(options.sigma0 > 0) || !std::isfinite(options.sigma0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("CMA-ES: sigma0 must be > 0, not ", options.sigma0));
  }
  if (!options.initial_covariance.empty()) {
    const std::vector<double>& c = options.initial_covariance;
    bool ok = c.size() == n * n;
    for (size_t i = 0; ok && i < n; ++i) {
      for (size_t j = 0; ok && j < n; ++j) {
        ok = std::isfinite(c[i * n + j]) && c[i * n + j] == c[j * n + i];
      }
    }
    std::vector<double> values, vectors;
    if (ok) SymmetricEigen(c, static_cast<int>(n), &values, &vectors);
    // Positive definite up to rounding (Decompose floors the eigenvalues).
    double largest = 0;
    for (double v : values) largest = std::max(largest, std::abs(v));
    for (size_t i = 0; ok && i < values.size(); ++i) {
      ok = largest > 0 && values[i] > -1e-12 * largest;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CMA-ES: the initial covariance is not a symmetric positive "
          "semi-definite ",
          n, " x ", n, " matrix"));
    }
  }
  if (options.population < 0 || options.population == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CMA-ES: population must be >= 2 (or 0), not ", options.population));
  }
  return std::unique_ptr<CmaEs>(new CmaEs(std::move(options)));
}

CmaEs::CmaEs(CmaEsOptions options)
    : options_(std::move(options)),
      n_(static_cast<int>(options_.initial.size())),
      rng_(options_.seed),
      mean_(options_.initial),
      sigma_(options_.sigma0),
      best_value_(kInfinity) {
  const double n = n_;
  lambda_ = options_.population > 0
                ? options_.population
                : 4 + static_cast<int>(std::floor(3 * std::log(n)));
  mu_ = lambda_ / 2;
  // Log-linear recombination weights, normalised to sum 1.
  for (int i = 0; i < mu_; ++i) {
    weights_.push_back(std::log(mu_ + 0.5) - std::log(i + 1.0));
  }
  const double sum = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  double sum_sq = 0;
  for (double& w : weights_) {
    w /= sum;
    sum_sq += w * w;
  }
  mu_eff_ = 1 / sum_sq;
  // Strategy parameters from Hansen's tutorial (arXiv:1604.00772, table 1).
  c_sigma_ = (mu_eff_ + 2) / (n + mu_eff_ + 5);
  d_sigma_ =
      1 + 2 * std::max(0.0, std::sqrt((mu_eff_ - 1) / (n + 1)) - 1) + c_sigma_;
  c_c_ = (4 + mu_eff_ / n) / (n + 4 + 2 * mu_eff_ / n);
  c_1_ = 2 / ((n + 1.3) * (n + 1.3) + mu_eff_);
  c_mu_ = std::min(1 - c_1_, 2 * (mu_eff_ - 2 + 1 / mu_eff_) /
                                 ((n + 2) * (n + 2) + mu_eff_));
  chi_n_ = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  c_.assign(n_ * n_, 0.0);
  for (int i = 0; i < n_; ++i) c_[i * n_ + i] = 1;
  b_ = c_;
  d_.assign(n_, 1.0);
  if (!options_.initial_covariance.empty()) {
    c_ = options_.initial_covariance;
    Decompose();
  }
  p_sigma_.assign(n_, 0.0);
  p_c_.assign(n_, 0.0);
  best_x_ = ToBounds(mean_);
}

std::vector<double> CmaEs::ToBounds(const std::vector<double>& x) const {
  std::vector<double> out(n_);
  for (int i = 0; i < n_; ++i) {
    const double lo = options_.lower[i], width = options_.upper[i] - lo;
    double u = std::fmod(x[i] - lo, 2 * width);
    if (u < 0) u += 2 * width;
    if (u > width) u = 2 * width - u;
    out[i] = std::clamp(lo + u, lo, options_.upper[i]);
  }
  return out;
}

std::vector<double> CmaEs::mean() const { return ToBounds(mean_); }

const std::vector<std::vector<double>>& CmaEs::Ask() {
  raw_.assign(lambda_, std::vector<double>(n_));
  candidates_.resize(lambda_);
  std::vector<double> z(n_);
  for (int k = 0; k < lambda_; ++k) {
    for (int i = 0; i < n_; ++i) z[i] = d_[i] * rng_.Normal();
    for (int i = 0; i < n_; ++i) {  // x = m + sigma B D z
      double y = 0;
      for (int j = 0; j < n_; ++j) y += b_[i * n_ + j] * z[j];
      raw_[k][i] = mean_[i] + sigma_ * y;
    }
    candidates_[k] = ToBounds(raw_[k]);
  }
  asked_ = true;
  return candidates_;
}

void CmaEs::Tell(const std::vector<double>& told) {
  CHECK(asked_) << "CmaEs::Tell without Ask";
  CHECK_EQ(told.size(), static_cast<size_t>(lambda_));
  asked_ = false;
  ++generation_;
  evaluations_ += lambda_;
  std::vector<double> values = told;
  for (double& v : values) {
    if (std::isnan(v)) v = kInfinity;
  }
  std::vector<int> order(lambda_);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return values[a] < values[b]; });
  if (values[order[0]] < best_value_) {
    best_value_ = values[order[0]];
    best_x_ = candidates_[order[0]];
  }

  // Recombination: the new mean and the weighted step y_w.
  const std::vector<double> old_mean = mean_;
  std::vector<double> y_w(n_, 0.0);
  for (int i = 0; i < mu_; ++i) {
    for (int j = 0; j < n_; ++j) {
      y_w[j] += weights_[i] * (raw_[order[i]][j] - old_mean[j]) / sigma_;
    }
  }
  for (int j = 0; j < n_; ++j) mean_[j] = old_mean[j] + sigma_ * y_w[j];

  double p_sigma_norm = 0;
  const double h_sigma = UpdatePaths(y_w, &p_sigma_norm);
  UpdateCovariance(order, old_mean, h_sigma);
  sigma_ *= std::exp((c_sigma_ / d_sigma_) * (p_sigma_norm / chi_n_ - 1));
  Decompose();
  CheckConvergence(values, order);
}

double CmaEs::UpdatePaths(const std::vector<double>& y_w,
                          double* p_sigma_norm) {
  // Step-size path: p_sigma += ... C^{-1/2} y_w, C^{-1/2} = B D^-1 B^T.
  std::vector<double> bty(n_, 0.0);
  for (int i = 0; i < n_; ++i) {
    for (int j = 0; j < n_; ++j) bty[i] += b_[j * n_ + i] * y_w[j];
    bty[i] /= d_[i];
  }
  const double cs = std::sqrt(c_sigma_ * (2 - c_sigma_) * mu_eff_);
  double norm = 0;
  for (int i = 0; i < n_; ++i) {
    double v = 0;
    for (int j = 0; j < n_; ++j) v += b_[i * n_ + j] * bty[j];
    p_sigma_[i] = (1 - c_sigma_) * p_sigma_[i] + cs * v;
    norm += p_sigma_[i] * p_sigma_[i];
  }
  norm = std::sqrt(norm);
  *p_sigma_norm = norm;
  const double h_sigma =
      norm / std::sqrt(1 - std::pow(1 - c_sigma_, 2.0 * generation_)) <
              (1.4 + 2.0 / (n_ + 1)) * chi_n_
          ? 1.0
          : 0.0;
  const double cc = std::sqrt(c_c_ * (2 - c_c_) * mu_eff_);
  for (int i = 0; i < n_; ++i) {
    p_c_[i] = (1 - c_c_) * p_c_[i] + h_sigma * cc * y_w[i];
  }
  return h_sigma;
}

void CmaEs::UpdateCovariance(const std::vector<int>& order,
                             const std::vector<double>& old_mean,
                             double h_sigma) {
  // Rank-one (p_c) and rank-mu (selected steps) updates.
  const double delta = (1 - h_sigma) * c_c_ * (2 - c_c_);
  for (int i = 0; i < n_; ++i) {
    for (int j = 0; j <= i; ++j) {
      double rank_mu = 0;
      for (int k = 0; k < mu_; ++k) {
        const std::vector<double>& x = raw_[order[k]];
        rank_mu += weights_[k] * (x[i] - old_mean[i]) * (x[j] - old_mean[j]);
      }
      rank_mu /= sigma_ * sigma_;
      const double value = (1 - c_1_ - c_mu_) * c_[i * n_ + j] +
                           c_1_ * (p_c_[i] * p_c_[j] + delta * c_[i * n_ + j]) +
                           c_mu_ * rank_mu;
      c_[i * n_ + j] = c_[j * n_ + i] = value;
    }
  }
}

void CmaEs::CheckConvergence(const std::vector<double>& values,
                             const std::vector<int>& order) {
  const double max_d = *std::max_element(d_.begin(), d_.end());
  if (sigma_ * max_d < options_.tol_x) converged_ = true;
  best_history_.push_back(values[order[0]]);
  const size_t window =
      10 + static_cast<size_t>(std::ceil(30.0 * n_ / lambda_));
  if (best_history_.size() >= window) {
    double lo = values[order[0]], hi = values[order[lambda_ - 1]];
    for (size_t g = best_history_.size() - window; g < best_history_.size();
         ++g) {
      lo = std::min(lo, best_history_[g]);
      hi = std::max(hi, best_history_[g]);
    }
    if (hi - lo <= options_.tol_fun) converged_ = true;
  }
}

void CmaEs::Decompose() {
  std::vector<double> eigenvalues;
  SymmetricEigen(c_, n_, &eigenvalues, &b_);
  for (int i = 0; i < n_; ++i) {
    d_[i] = std::sqrt(std::max(eigenvalues[i], 1e-300));
  }
}

std::vector<double> MinimizeWithCmaEs(
    CmaEs* cma, int max_generations,
    const std::function<double(const std::vector<double>&)>& objective) {
  while (cma->generation() < max_generations && !cma->Converged()) {
    const std::vector<std::vector<double>>& candidates = cma->Ask();
    std::vector<double> values;
    values.reserve(candidates.size());
    for (const auto& x : candidates) values.push_back(objective(x));
    cma->Tell(values);
  }
  return cma->best();
}

}  // namespace wm::worldmodel
