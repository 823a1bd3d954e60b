#include "worldmodel/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "datasets/normalizer.h"
#include "datasets/split.h"
#include "util/quantile.h"
#include "util/status_macros.h"
#include "worldmodel/eval/episode_scorer.h"
#include "worldmodel/eval/metrics.h"
#include "worldmodel/eval/parameter_scorer.h"

namespace wm::worldmodel {
namespace {

using datasets::Episode;

constexpr double kDefaultHistorySeconds = 1.0;
constexpr int64_t kMaxHistorySteps = 100;
constexpr int64_t kDefaultHorizons[] = {10, 50, 100};
constexpr int64_t kDefaultMaxBatch = 1024;
constexpr double kDtTolerance = 1e-6;  // relative

absl::Status ValidateConfig(const v1::EvalConfig& config) {
  if (!std::isfinite(config.history_seconds()) ||
      config.history_seconds() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval config: history_seconds must be >= 0, got ",
                     config.history_seconds()));
  }
  for (double seconds : config.horizons_seconds()) {
    if (!std::isfinite(seconds) || seconds <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "eval config: horizons_seconds must be > 0, got ", seconds));
    }
  }
  if (config.max_episodes() < 0 || config.max_batch() < 0) {
    return absl::InvalidArgumentError(
        "eval config: max_episodes and max_batch must be >= 0");
  }
  if (!config.parameter_overrides().empty() && !config.use_true_parameters()) {
    return absl::InvalidArgumentError(
        "eval config: parameter_overrides needs use_true_parameters: true");
  }
  for (const auto& [name, value] : config.parameter_overrides()) {
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "eval config: parameter_overrides[\"", name, "\"] is ", value));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckModelFitsDataset(const WorldModel& model,
                                   const datasets::Dataset& dataset) {
  const v1::StateSpec& a = model.spec();
  const v1::StateSpec& b = dataset.spec();
  if (a.nq() != b.nq() || a.nv() != b.nv() || a.nu() != b.nu()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", model.kind(), "' has nq ", a.nq(), ", nv ", a.nv(), ", nu ",
        a.nu(), " but dataset ", dataset.directory(), " has nq ", b.nq(),
        ", nv ", b.nv(), ", nu ", b.nu()));
  }
  const double dt = dataset.manifest().dt();
  if (!(std::abs(model.dt() - dt) <= kDtTolerance * dt)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", model.kind(), "' steps at dt ", model.dt(),
        " s but dataset ", dataset.directory(), " has dt ", dt, " s"));
  }
  return absl::OkStatus();
}

// Episodes of `dataset` (test split only when `test_only`), in index order,
// at most `limit` (0: all).
absl::StatusOr<std::vector<Episode>> LoadEpisodes(
    const datasets::Dataset& dataset, bool test_only, int64_t limit) {
  std::vector<Episode> episodes;
  for (int k = 0; k < dataset.num_shards(); ++k) {
    if (limit > 0 && static_cast<int64_t>(episodes.size()) >= limit) break;
    WM_ASSIGN_OR_RETURN(std::vector<Episode> shard, dataset.ReadShard(k));
    for (Episode& episode : shard) {
      if (limit > 0 && static_cast<int64_t>(episodes.size()) >= limit) break;
      if (test_only &&
          datasets::SplitOf(episode.index, {}) != datasets::Split::kTest) {
        continue;
      }
      episodes.push_back(std::move(episode));
    }
  }
  return episodes;
}

}  // namespace

std::vector<double> TangentStateScale(const v1::StateSpec& spec,
                                      const v1::NormalizationStats& stats) {
  const int nq = spec.nq(), nv = spec.nv();
  std::vector<double> scale(2 * nv, 1.0);
  if (spec.joints_size() == 0) {
    for (int i = 0; i < nv; ++i) scale[i] = stats.state_std(i);
  }
  for (const v1::Joint& joint : spec.joints()) {
    const int q = joint.qpos_offset(), v = joint.qvel_offset();
    if (joint.type() == v1::Joint::FREE) {
      for (int i = 0; i < 3; ++i) scale[v + i] = stats.state_std(q + i);
    } else if (joint.type() != v1::Joint::BALL) {
      scale[v] = stats.state_std(q);
    }
  }
  for (int i = 0; i < nv; ++i) scale[nv + i] = stats.state_std(nq + i);
  return scale;
}

namespace {

absl::StatusOr<ScoringPlan> MakePlan(const WorldModel& model,
                                     const datasets::Dataset& dataset,
                                     const v1::EvalConfig& config,
                                     const v1::NormalizationStats& stats) {
  ScoringPlan plan;
  const double dt = dataset.manifest().dt();
  plan.history_steps = HistorySteps(config, dt);
  plan.horizons = HorizonSteps(config, dt);
  plan.max_batch =
      config.max_batch() > 0 ? config.max_batch() : kDefaultMaxBatch;
  plan.delta_std.assign(stats.delta_std().begin(), stats.delta_std().end());
  plan.state_scale = TangentStateScale(dataset.spec(), stats);
  // A model without physical parameters (constant velocity, blackbox) is
  // scored from the history even when the true parameters are asked for.
  plan.use_true_parameters =
      config.use_true_parameters() && !model.parameters().empty();
  if (plan.use_true_parameters) {
    std::vector<std::string> model_names;
    for (const v1::ParameterInfo& parameter : model.parameters()) {
      model_names.push_back(parameter.name());
    }
    for (const auto& [name, value] : config.parameter_overrides()) {
      if (std::find(model_names.begin(), model_names.end(), name) ==
          model_names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "eval config: parameter_overrides names ", name, ", which model '",
            model.kind(), "' does not have (it has ",
            absl::StrJoin(model_names, ", "), ")"));
      }
    }
    for (const v1::ParameterInfo& parameter : model.parameters()) {
      const auto given = config.parameter_overrides().find(parameter.name());
      if (given != config.parameter_overrides().end()) {
        plan.true_parameter_columns.push_back(-1);
        plan.parameter_overrides.push_back(given->second);
        continue;
      }
      int column = -1;
      const auto& names = dataset.manifest().parameters();
      for (int c = 0; c < names.size(); ++c) {
        if (names[c].name() == parameter.name()) column = c;
      }
      if (column < 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "true parameters asked for, but the model's parameter ",
            parameter.name(), " is not in dataset ", dataset.directory()));
      }
      plan.true_parameter_columns.push_back(column);
      plan.parameter_overrides.push_back(std::nan(""));
    }
  }
  return plan;
}

std::vector<HorizonReport> AggregateRollouts(
    const std::vector<EpisodeScore>& scores, const ScoringPlan& plan,
    const v1::StateSpec& spec, double dt) {
  std::vector<HorizonReport> reports;
  const std::vector<std::string> keys = StateErrorKeys(spec);
  for (size_t h = 0; h < plan.horizons.size(); ++h) {
    HorizonReport report;
    report.steps = plan.horizons[h];
    report.seconds = plan.horizons[h] * dt;
    std::vector<std::vector<double>> values(keys.size());
    for (const EpisodeScore& score : scores) {
      if (score.horizon_errors.size() <= h) continue;
      report.episodes += 1;
      for (size_t k = 0; k < keys.size(); ++k) {
        values[k].push_back(StateErrorValue(score.horizon_errors[h], keys[k]));
      }
    }
    if (report.episodes == 0) continue;
    for (size_t k = 0; k < keys.size(); ++k) {
      report.errors.push_back(
          {keys[k], {Quantile(values[k], 0.5), Quantile(values[k], 0.9)}});
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

// Mean one-step spread per episode with one-step rows; NaN for none.
double MeanOneStepSpread(const std::vector<EpisodeScore>& scores) {
  double sum = 0;
  int64_t rows = 0;
  for (const EpisodeScore& score : scores) {
    sum += score.one_step_spread;
    rows += score.one_step_rows;
  }
  return rows > 0 ? sum / rows : std::nan("");
}

OodReport CompareOod(const std::vector<EpisodeScore>& inside,
                     const std::vector<EpisodeScore>& outside) {
  OodReport report;
  const double in_spread = MeanOneStepSpread(inside);
  const double out_spread = MeanOneStepSpread(outside);
  if (in_spread > 0 && std::isfinite(out_spread)) {
    report.spread_ratio = out_spread / in_spread;
  }
  std::vector<double> errors, spreads;
  for (const auto* scores : {&inside, &outside}) {
    for (const EpisodeScore& score : *scores) {
      if (score.rollout_steps == 0) continue;
      errors.push_back(score.rollout_error);
      spreads.push_back(score.rollout_spread);
    }
  }
  report.error_spread_rank_corr = SpearmanCorrelation(errors, spreads);
  return report;
}

}  // namespace

int64_t HistorySteps(const v1::EvalConfig& config, double dt) {
  const double seconds = config.history_seconds() > 0 ? config.history_seconds()
                                                      : kDefaultHistorySeconds;
  const int64_t steps = std::llround(seconds / dt);
  return std::clamp<int64_t>(steps, 1, kMaxHistorySteps);
}

std::vector<int64_t> HorizonSteps(const v1::EvalConfig& config, double dt) {
  std::vector<int64_t> steps;
  for (double seconds : config.horizons_seconds()) {
    steps.push_back(std::max<int64_t>(1, std::llround(seconds / dt)));
  }
  if (steps.empty()) {
    steps.assign(std::begin(kDefaultHorizons), std::end(kDefaultHorizons));
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

absl::StatusOr<EvalReport> Evaluate(const WorldModel& model,
                                    const datasets::Dataset& dataset,
                                    const v1::EvalConfig& config,
                                    const EvalOptions& options) {
  WM_RETURN_IF_ERROR(ValidateConfig(config));
  WM_RETURN_IF_ERROR(CheckModelFitsDataset(model, dataset));
  // Errors are normalised by the training split's statistics, or by all
  // episodes' when the dataset is held out whole.
  const datasets::SplitFractions normalization_split =
      options.all_episodes ? datasets::SplitFractions{1.0, 0.0}
                           : datasets::SplitFractions{};
  WM_ASSIGN_OR_RETURN(
      const v1::NormalizationStats stats,
      datasets::ComputeNormalization(dataset, normalization_split));
  WM_ASSIGN_OR_RETURN(const ScoringPlan plan,
                      MakePlan(model, dataset, config, stats));
  WM_ASSIGN_OR_RETURN(const std::vector<Episode> episodes,
                      LoadEpisodes(dataset, /*test_only=*/!options.all_episodes,
                                   config.max_episodes()));
  if (episodes.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("dataset ", dataset.directory(), " has no ",
                     options.all_episodes ? "episode" : "test-split episode"));
  }
  std::vector<Episode> ood_episodes;
  if (options.ood != nullptr) {
    WM_RETURN_IF_ERROR(CheckModelFitsDataset(model, *options.ood));
    WM_ASSIGN_OR_RETURN(
        ood_episodes,
        LoadEpisodes(*options.ood, /*test_only=*/false, config.max_episodes()));
  }

  WM_ASSIGN_OR_RETURN(const ScoredEpisodes scored,
                      ScoreEpisodes(model, episodes, plan, options.progress));
  EvalReport report;
  if (options.all_episodes) report.split = "all";
  report.episodes = episodes.size();
  double squared = 0;
  int64_t terms = 0;
  for (const EpisodeScore& score : scored.episodes) {
    squared += score.one_step_squared_error;
    terms += score.one_step_terms;
  }
  if (terms > 0) report.one_step_nmse = squared / terms;
  report.rollout = AggregateRollouts(scored.episodes, plan, model.spec(),
                                     dataset.manifest().dt());
  if (scored.calibration.count > 0) {
    report.calibration =
        CalibrationReport{scored.calibration.nll / scored.calibration.count,
                          static_cast<double>(scored.calibration.covered) /
                              scored.calibration.count};
  }
  if (!plan.use_true_parameters) {
    WM_ASSIGN_OR_RETURN(
        report.params,
        ScoreParameters(model, episodes, dataset.manifest(), plan));
  }
  if (options.ood != nullptr) {
    WM_ASSIGN_OR_RETURN(const ScoredEpisodes ood,
                        ScoreEpisodes(model, ood_episodes, plan, nullptr));
    report.ood = CompareOod(scored.episodes, ood.episodes);
  }
  return report;
}

}  // namespace wm::worldmodel
