#include "worldmodel/flywheel/fleet.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "datasets/dataset_writer.h"
#include "datasets/in_memory_sink.h"
#include "sim/rollout_generator.h"
#include "sim/scene_manifest.h"
#include "util/json_writer.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "worldmodel/eval/episode_scorer.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {
namespace {

using Clock = std::chrono::steady_clock;

std::string RangeName(const v1::ParameterRange& range) {
  return absl::StrCat(range.element(), "/", range.quantity());
}

absl::StatusOr<ParameterDrift> ParseDriftEntry(const std::string& entry) {
  const std::vector<std::string> parts = absl::StrSplit(entry, '=');
  ParameterDrift drift;
  if (parts.size() != 2 || parts[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--drift entry '", entry, "': expected NAME=MIN:MAX or NAME=VALUE"));
  }
  drift.name = parts[0];
  const std::vector<std::string> ends = absl::StrSplit(parts[1], ':');
  const bool parsed = (ends.size() == 1 || ends.size() == 2) &&
                      absl::SimpleAtod(ends[0], &drift.min) &&
                      absl::SimpleAtod(ends.back(), &drift.max);
  if (!parsed || !std::isfinite(drift.min) || !std::isfinite(drift.max) ||
      drift.min < 0 || drift.min > drift.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--drift entry '", entry,
                     "': the range must be finite numbers 0 <= MIN <= MAX"));
  }
  return drift;
}

// The error of the spec's first state-error kind after `horizon` steps
// of open-loop rollout following `history` steps, per episode.
absl::StatusOr<std::vector<double>> HorizonErrors(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    int64_t history, int64_t horizon) {
  ScoringPlan plan;
  plan.history_steps = history;
  plan.horizons = {horizon};
  plan.delta_std.assign(2 * model.spec().nv(), 1.0);
  plan.state_scale.assign(2 * model.spec().nv(), 1.0);
  WM_ASSIGN_OR_RETURN(ScoredEpisodes scored,
                      ScoreEpisodes(model, episodes, plan, nullptr));
  const std::string key = StateErrorKeys(model.spec()).front();
  std::vector<double> errors;
  for (const EpisodeScore& score : scored.episodes) {
    if (!score.horizon_errors.empty()) {
      errors.push_back(StateErrorValue(score.horizon_errors.front(), key));
    }
  }
  return errors;
}

class Fleet {
 public:
  Fleet(const FleetOptions& options, const FleetHooks& hooks)
      : options_(options), hooks_(hooks), start_(Clock::now()) {}

  absl::Status Run();

 private:
  double Elapsed() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }
  double DriftFraction(double t) const {
    if (t <= options_.drift_start_s) return 0;
    if (t >= options_.drift_end_s) return 1;
    return (t - options_.drift_start_s) /
           (options_.drift_end_s - options_.drift_start_s);
  }
  absl::Status RobotLoop(int robot);
  absl::Status OneEpisode(int robot, int64_t k);
  absl::Status Report();
  void Emit(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    hooks_.report(line);
  }

  const FleetOptions& options_;
  const FleetHooks& hooks_;
  const Clock::time_point start_;
  std::mutex mutex_;  // guards the counters and hooks_.report
  int64_t episodes_ = 0, ingested_ = 0, upload_failures_ = 0;
  int64_t interval_episodes_ = 0, interval_successes_ = 0;
  int64_t model_failures_ = 0, reports_ = 0;
  std::atomic<bool> failed_{false};
  absl::Status first_error_;
};

absl::Status Fleet::OneEpisode(int robot, int64_t k) {
  const double t = Elapsed();
  const double fraction = DriftFraction(t);
  WM_ASSIGN_OR_RETURN(
      auto scene, sim::Scene::Create(
                      DriftedScene(options_.scene, options_.drift, fraction)));
  auto served = hooks_.served();
  if (!served.ok()) {  // the server is restarting: count, wait, go on
    std::lock_guard<std::mutex> lock(mutex_);
    ++model_failures_;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return absl::OkStatus();
  }
  const std::shared_ptr<const WorldModel> model = served->first;
  const uint64_t seed =
      EpisodeSeed(options_.seed, static_cast<int64_t>(robot) << 32 | k);
  WM_ASSIGN_OR_RETURN(PlanningEpisode episode,
                      RunPlanningEpisode(
                          scene, options_.task, options_.planner,
                          [model](const std::vector<double>&) { return model; },
                          seed, options_.episode));
  absl::Status uploaded = absl::OkStatus();
  if (!episode.actions.empty()) {
    datasets::Episode logged =
        LoggedEpisode(episode, *scene, episode.true_parameters);
    logged.index = k;
    uploaded = hooks_.upload(robot, logged);
    if (uploaded.ok() && fraction == 1 && hooks_.post_drift_uploaded) {
      std::lock_guard<std::mutex> lock(mutex_);
      hooks_.post_drift_uploaded(robot, logged, Elapsed());
    }
  }
  JsonWriter json(JsonWriter::Style::kCompact);
  json.BeginObject().Key("type").String("episode");
  json.Key("t_s").Number(t).Key("robot").Int(robot).Key("episode").Int(k);
  json.Key("drift_fraction").Number(fraction);
  json.Key("served_version").String(served->second);
  json.Key("success").Bool(episode.success);
  json.Key("steps").Int(static_cast<int64_t>(episode.actions.size()) /
                        std::max(1, scene->nu()));
  json.Key("uploaded").Bool(uploaded.ok()).EndObject();
  std::lock_guard<std::mutex> lock(mutex_);
  ++episodes_;
  ++interval_episodes_;
  interval_successes_ += episode.success;
  (uploaded.ok() ? ingested_ : upload_failures_) += 1;
  hooks_.report(json.str());
  return absl::OkStatus();
}

absl::Status Fleet::RobotLoop(int robot) {
  for (int64_t k = 0; Elapsed() < options_.seconds && !failed_; ++k) {
    const absl::Status status = OneEpisode(robot, k);
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (first_error_.ok()) first_error_ = status;
      failed_ = true;
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Fleet::Report() {
  const double t = Elapsed();
  const double fraction = DriftFraction(t);
  WM_ASSIGN_OR_RETURN(
      auto scene, sim::Scene::Create(
                      DriftedScene(options_.scene, options_.drift, fraction)));
  sim::GenerationOptions generation;
  generation.episodes = options_.probe_episodes;
  generation.steps = options_.probe_steps;
  generation.seed = MixBits(options_.seed ^ (0x9e37 + reports_));
  generation.workers = 1;
  WM_ASSIGN_OR_RETURN(auto generator,
                      sim::RolloutGenerator::Create(scene, generation));
  datasets::InMemorySink probes;
  WM_RETURN_IF_ERROR(generator->Run(&probes, nullptr).status());
  double error = NAN;
  std::string version = "";
  if (auto served = hooks_.served(); served.ok()) {
    version = served->second;
    const auto history = std::llround(1.0 / scene->dt());
    const auto horizon = std::llround(options_.error_horizon_s / scene->dt());
    if (auto errors =
            HorizonErrors(*served->first, probes.episodes(), history, horizon);
        errors.ok() && !errors->empty()) {
      error = Mean(*errors);
    }
  }
  const auto [published, refused] =
      hooks_.decisions ? hooks_.decisions() : std::pair<int64_t, int64_t>{};
  std::lock_guard<std::mutex> lock(mutex_);
  JsonWriter json(JsonWriter::Style::kCompact);
  json.BeginObject().Key("type").String("report").Key("t_s").Number(t);
  json.Key("drift_fraction").Number(fraction);
  json.Key("served_version").String(version);
  json.Key("model_error").Number(error);
  json.Key("episodes").Int(episodes_).Key("episodes_ingested").Int(ingested_);
  json.Key("upload_failures").Int(upload_failures_);
  json.Key("model_failures").Int(model_failures_);
  json.Key("interval_episodes").Int(interval_episodes_);
  json.Key("interval_success_rate")
      .Number(interval_episodes_ > 0
                  ? static_cast<double>(interval_successes_) /
                        interval_episodes_
                  : NAN);
  json.Key("published").Int(published).Key("refused").Int(refused);
  json.EndObject();
  hooks_.report(json.str());
  interval_episodes_ = interval_successes_ = 0;
  ++reports_;
  return absl::OkStatus();
}

absl::Status Fleet::Run() {
  std::vector<std::thread> robots;
  for (int robot = 0; robot < options_.robots; ++robot) {
    robots.emplace_back([this, robot] { RobotLoop(robot).IgnoreError(); });
  }
  absl::Status status;
  for (double next = 0; Elapsed() < options_.seconds && !failed_;
       next += options_.report_every_s) {
    while (Elapsed() < std::min(next, options_.seconds) && !failed_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (Elapsed() >= options_.seconds) break;  // the last report follows
    status.Update(Report());
    if (!status.ok()) failed_ = true;
  }
  for (std::thread& robot : robots) robot.join();
  if (status.ok()) status.Update(Report());
  std::lock_guard<std::mutex> lock(mutex_);
  return first_error_.ok() ? status : first_error_;
}

}  // namespace

absl::StatusOr<std::vector<ParameterDrift>> ParseDrift(
    const std::string& text, const v1::SceneConfig& scene) {
  std::vector<ParameterDrift> drifts;
  const std::vector<std::string> entries =
      absl::StrSplit(text, ',', absl::SkipEmpty());
  for (const std::string& entry : entries) {
    WM_ASSIGN_OR_RETURN(ParameterDrift drift, ParseDriftEntry(entry));
    const bool known = std::any_of(
        scene.randomize().begin(), scene.randomize().end(),
        [&](const auto& range) { return RangeName(range) == drift.name; });
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("--drift entry '", entry, "': scene ", scene.name(),
                       " randomises no parameter ", drift.name));
    }
    drifts.push_back(drift);
  }
  return drifts;
}

v1::SceneConfig DriftedScene(v1::SceneConfig scene,
                             const std::vector<ParameterDrift>& drift,
                             double fraction) {
  for (v1::ParameterRange& range : *scene.mutable_randomize()) {
    for (const ParameterDrift& target : drift) {
      if (RangeName(range) != target.name) continue;
      range.set_min(range.min() + fraction * (target.min - range.min()));
      range.set_max(range.max() + fraction * (target.max - range.max()));
    }
  }
  return scene;
}

datasets::Episode LoggedEpisode(const PlanningEpisode& episode,
                                const sim::Scene& scene,
                                std::vector<double> params) {
  datasets::Episode logged;
  logged.nq = scene.nq();
  logged.nv = scene.nv();
  logged.nu = scene.nu();
  const int nx = scene.nx();
  const int64_t samples = static_cast<int64_t>(episode.states.size()) / nx;
  for (int64_t k = 0; k < samples; ++k) {
    const double* state = episode.states.data() + k * nx;
    logged.qpos.insert(logged.qpos.end(), state, state + logged.nq);
    logged.qvel.insert(logged.qvel.end(), state + logged.nq, state + nx);
    logged.time.push_back(k * scene.dt());
  }
  logged.ctrl = episode.actions;
  logged.params = std::move(params);
  return logged;
}

absl::Status WriteFleetEpisodes(
    const sim::Scene& scene,
    std::vector<std::pair<std::string, datasets::Episode>> episodes,
    const std::string& directory) {
  v1::DatasetManifest manifest = sim::ManifestForScene(scene);
  v1::Provenance provenance;
  provenance.set_source("wm fleet");
  WM_ASSIGN_OR_RETURN(std::unique_ptr<datasets::DatasetWriter> writer,
                      datasets::DatasetWriter::Create(
                          directory, manifest, /*episodes_per_shard=*/256,
                          /*overwrite=*/true));
  int64_t index = 0;
  for (auto& [name, episode] : episodes) {
    v1::ImportedFile* file = provenance.add_imported_files();
    file->set_file(name);
    file->set_first_episode(index);
    file->set_num_episodes(1);
    file->set_num_transitions(static_cast<int64_t>(episode.time.size()) - 1);
    episode.index = index++;
    WM_RETURN_IF_ERROR(writer->Write(std::move(episode)));
  }
  writer->set_provenance(std::move(provenance));
  return writer->Finish(0).status();
}

absl::Status RunFleet(const FleetOptions& options, const FleetHooks& hooks) {
  if (options.robots < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--robots is ", options.robots, "; at least 1"));
  }
  if (!(options.drift_end_s >= options.drift_start_s)) {
    return absl::InvalidArgumentError(
        "the drift must end after it starts (--drift_start, --drift_end)");
  }
  Fleet fleet(options, hooks);
  return fleet.Run();
}

}  // namespace wm::worldmodel
