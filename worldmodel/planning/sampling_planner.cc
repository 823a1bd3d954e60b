#include "worldmodel/planning/sampling_planner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/planning/chunked_rollout.h"

namespace wm::worldmodel {
namespace {

// Unlimited actuators sample within +- this, in their own units.
constexpr float kUnlimitedHalfRange = 1.0f;
// CEM's std never collapses below this fraction of the half range.
constexpr float kMinimumCemStd = 0.05f;

// INVALID_ARGUMENT naming `field` unless lo <= value <= hi (NaN fails).
absl::Status CheckRange(double value, double lo, double hi, const char* field) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "planner.", field, ": must be in [", lo, ", ", hi, "], got ", value));
}

// Every field of a config with its defaults filled.
absl::Status CheckPlannerConfig(const v1::PlannerConfig& config) {
  WM_RETURN_IF_ERROR(
      CheckRange(config.samples(), 2, kMaxPlannerSamples, "samples"));
  WM_RETURN_IF_ERROR(
      CheckRange(config.horizon(), 1, kMaxPlannerHorizon, "horizon"));
  WM_RETURN_IF_ERROR(
      CheckRange(config.iterations(), 1, kMaxPlannerIterations, "iterations"));
  WM_RETURN_IF_ERROR(
      CheckRange(config.threads(), 1, kMaxPlannerThreads, "threads"));
  WM_RETURN_IF_ERROR(CheckRange(config.noise(), 0, kMaxPlannerNoise, "noise"));
  WM_RETURN_IF_ERROR(CheckRange(config.temperature(), 0, kMaxPlannerTemperature,
                                "temperature"));
  WM_RETURN_IF_ERROR(
      CheckRange(config.elite_fraction(), 0, 1, "elite_fraction"));
  WM_RETURN_IF_ERROR(
      CheckRange(config.noise_correlation(), 0, 0.999, "noise_correlation"));
  return CheckRange(config.time_budget_ms(), 0, kMaxPlannerTimeBudgetMs,
                    "time_budget_ms");
}

}  // namespace

absl::StatusOr<std::unique_ptr<SamplingPlanner>> SamplingPlanner::Create(
    v1::PlannerConfig config, v1::TaskConfig task, const v1::StateSpec& spec) {
  if (config.kind().empty()) config.set_kind("mppi");
  if (config.kind() != "mppi" && config.kind() != "cem") {
    return absl::InvalidArgumentError(absl::StrCat(
        "planner.kind: '", config.kind(), "' (expected mppi or cem)"));
  }
  if (config.samples() == 0) config.set_samples(256);
  if (config.horizon() == 0) config.set_horizon(30);
  if (config.iterations() == 0) {
    config.set_iterations(3);
  }
  if (config.noise() == 0) config.set_noise(0.5);
  if (config.temperature() == 0) config.set_temperature(0.05);
  if (config.elite_fraction() == 0) config.set_elite_fraction(0.1);
  if (config.noise_correlation() == 0) config.set_noise_correlation(0.8);
  if (config.threads() == 0) {
    config.set_threads(std::max(1u, std::thread::hardware_concurrency()));
  }
  WM_RETURN_IF_ERROR(CheckPlannerConfig(config));
  if (spec.nu() < 1) {
    return absl::InvalidArgumentError("the model has no actuators to plan");
  }
  WM_ASSIGN_OR_RETURN(auto cost, TaskCost::Create(std::move(task), spec));
  return std::unique_ptr<SamplingPlanner>(
      new SamplingPlanner(std::move(config), std::move(cost), spec));
}

SamplingPlanner::SamplingPlanner(v1::PlannerConfig config,
                                 std::unique_ptr<TaskCost> cost,
                                 const v1::StateSpec& spec)
    : config_(std::move(config)),
      cost_(std::move(cost)),
      nu_(spec.nu()),
      random_(config_.seed()) {
  for (const auto& actuator : spec.actuators()) {
    const bool limited = actuator.ctrl_max() > actuator.ctrl_min();
    low_.push_back(limited ? actuator.ctrl_min() : -kUnlimitedHalfRange);
    high_.push_back(limited ? actuator.ctrl_max() : kUnlimitedHalfRange);
    half_range_.push_back(0.5f * (high_.back() - low_.back()));
  }
  Reset();
}

void SamplingPlanner::Reset() {
  const int64_t size = int64_t{config_.horizon()} * nu_;
  plan_.assign(size, 0.0f);
  std_.assign(size, 0.0f);
  for (int64_t i = 0; i < size; ++i) {
    const int u = i % nu_;
    plan_[i] = std::clamp(0.0f, low_[u], high_[u]);
    std_[i] = config_.noise() * half_range_[u];
  }
  previous_.assign(plan_.begin(), plan_.begin() + nu_);
}

absl::Status SamplingPlanner::WarmStart(const Tensor& plan) {
  if (plan.shape != std::vector<int64_t>{config_.horizon(), nu_}) {
    return absl::InvalidArgumentError(
        absl::StrCat("warm_start: expected shape [", config_.horizon(), ", ",
                     nu_, "], got ", plan.ShapeString()));
  }
  WM_RETURN_IF_ERROR(plan.CheckFinite("warm_start"));
  for (size_t i = 0; i < plan_.size(); ++i) {
    plan_[i] = std::clamp(plan.data[i], low_[i % nu_], high_[i % nu_]);
  }
  return absl::OkStatus();
}

const Tensor& SamplingPlanner::Sample(int64_t n) {
  const int64_t size = plan_.size();
  Tensor& samples = samples_;
  samples.shape = {n, config_.horizon(), nu_};
  samples.data.resize(n * size);  // every entry is written below
  const float rho = config_.noise_correlation();
  const float innovation = std::sqrt(1.0f - rho * rho);
  std::copy(plan_.begin(), plan_.end(), samples.data.begin());
  std::vector<float> noise(nu_);
  for (int64_t s = 1; s < n; ++s) {
    float* out = &samples.data[s * size];
    // AR(1) noise over time with unit variance at every step.
    for (int u = 0; u < nu_; ++u) noise[u] = random_.Normal();
    for (int64_t i = 0; i < size; ++i) {
      const int u = i % nu_;
      if (i >= nu_) noise[u] = rho * noise[u] + innovation * random_.Normal();
      out[i] = std::clamp(plan_[i] + std_[i] * noise[u], low_[u], high_[u]);
    }
  }
  return samples;
}

void SamplingPlanner::Update(const Tensor& samples,
                             const std::vector<double>& costs) {
  const int64_t n = costs.size(), size = plan_.size();
  std::vector<double> weights(n, 0.0);
  // Only finite costs count: a diverged sample never pulls the plan, and
  // with no finite cost at all the plan stays as it is.
  double low = std::numeric_limits<double>::infinity(), high = -low;
  int64_t finite = 0;
  for (double cost : costs) {
    if (!std::isfinite(cost)) continue;
    low = std::min(low, cost);
    high = std::max(high, cost);
    ++finite;
  }
  if (finite == 0) return;
  if (config_.kind() == "mppi") {
    // Exponential weights on cost, the temperature relative to the spread
    // of costs so the update behaves the same for any cost scale.
    const double lambda = std::max(config_.temperature() * (high - low), 1e-12);
    for (int64_t s = 0; s < n; ++s) {
      if (std::isfinite(costs[s]))
        weights[s] = std::exp(-(costs[s] - low) / lambda);
    }
  } else {
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    const int64_t elites = std::min(
        finite,
        std::max<int64_t>(1, std::llround(config_.elite_fraction() * n)));
    std::partial_sort(
        order.begin(), order.begin() + elites, order.end(),
        [&](int64_t a, int64_t b) { return costs[a] < costs[b]; });
    for (int64_t e = 0; e < elites; ++e) weights[order[e]] = 1.0;
  }
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> mean(size, 0.0), square(size, 0.0);
  for (int64_t s = 0; s < n; ++s) {
    if (weights[s] == 0) continue;
    const float* sample = &samples.data[s * size];
    for (int64_t i = 0; i < size; ++i) {
      mean[i] += weights[s] / total * sample[i];
      square[i] += weights[s] / total * sample[i] * sample[i];
    }
  }
  for (int64_t i = 0; i < size; ++i) {
    plan_[i] = mean[i];
    if (config_.kind() == "cem") {
      const float floor = kMinimumCemStd * half_range_[i % nu_];
      std_[i] = std::max<float>(
          std::sqrt(std::max(0.0, square[i] - mean[i] * mean[i])), floor);
    }
  }
}

absl::StatusOr<PlanResult> SamplingPlanner::Plan(const WorldModel& model,
                                                 const Tensor& state,
                                                 const Context& context,
                                                 absl::Time deadline) {
  const absl::Time start = absl::Now();
  if (config_.time_budget_ms() > 0) {
    deadline = std::min(deadline,
                        start + absl::Milliseconds(config_.time_budget_ms()));
  }
  Tensor initial = state;
  if (initial.rank() == 1) initial.shape.insert(initial.shape.begin(), 1);
  PlanResult result;
  absl::Status last_error;
  absl::Duration slowest = absl::ZeroDuration();
  for (int i = 0; i < config_.iterations(); ++i) {
    // Another iteration only if it can finish before the deadline.
    const absl::Time began = absl::Now();
    if (i > 0 && began + slowest > deadline) break;
    const Tensor& samples = Sample(config_.samples());
    absl::StatusOr<Trajectory> trajectory =
        ChunkedRollout(model, initial, samples, context, config_.threads());
    slowest = std::max(slowest, absl::Now() - began);
    if (!trajectory.ok()) {  // skip the iteration, keep the plan
      ++result.failed_iterations;
      result.last_failure = std::string(trajectory.status().message());
      last_error = trajectory.status();
      continue;
    }
    std::vector<double> costs = cost_->Evaluate(
        trajectory->mean, trajectory->epistemic_std, samples, previous_);
    for (int64_t s : trajectory->diverged) {
      costs[s] = std::numeric_limits<double>::infinity();
    }
    for (double& cost : costs) {
      if (!std::isfinite(cost)) {
        cost = std::numeric_limits<double>::infinity();
        ++result.diverged_samples;
      }
    }
    Update(samples, costs);
    ++result.iterations;
    result.rollouts += config_.samples();
  }
  if (result.iterations == 0) return last_error;  // every iteration failed
  result.actions = Tensor{{config_.horizon(), nu_}, plan_};
  if (!config_.skip_plan_rollout()) {  // the plan's own trajectory and cost
    Tensor plan{{1, config_.horizon(), nu_}, plan_};
    WM_ASSIGN_OR_RETURN(Trajectory predicted,
                        model.Rollout(initial, plan, context));
    result.cost = cost_->Evaluate(predicted.mean, predicted.epistemic_std, plan,
                                  previous_)[0];
    result.predicted_mean = predicted.mean;
    result.predicted_mean.shape.erase(result.predicted_mean.shape.begin());
    result.predicted_std = predicted.epistemic_std;
    result.predicted_std.shape.erase(result.predicted_std.shape.begin());
  }
  // Warm start: the plan shifted by one step, its last action repeated.
  previous_.assign(plan_.begin(), plan_.begin() + nu_);
  if (config_.horizon() > 1) {
    std::rotate(plan_.begin(), plan_.begin() + nu_, plan_.end());
    std::copy(plan_.end() - 2 * nu_, plan_.end() - nu_, plan_.end() - nu_);
  }
  if (config_.kind() == "cem") {
    for (int64_t i = 0; i < static_cast<int64_t>(std_.size()); ++i) {
      std_[i] = config_.noise() * half_range_[i % nu_];
    }
  }
  return result;
}

}  // namespace wm::worldmodel
