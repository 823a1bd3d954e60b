#ifndef WM_WORLDMODEL_FLYWHEEL_FLEET_H_
#define WM_WORLDMODEL_FLYWHEEL_FLEET_H_

// `wm fleet`'s work as a library call: N simulated robots, each a MuJoCo
// loop of closed-loop planning episodes (planning_episode.h) through the
// served model, under hidden parameters that drift beyond the scene's
// training ranges; each episode is handed to an upload hook (the ingest
// service), and the fleet reports over time, as JSON lines, the served
// version, the served model's error on fresh episodes, planning success,
// episodes ingested and the flywheel's decisions. The served model and
// the uploads come through hooks (gRPC clients live above this layer).
// Torch-free.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "sim/scene.h"
#include "wm/v1/planning.pb.h"
#include "wm/v1/scene.pb.h"
#include "worldmodel/planning/planning_episode.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Where one randomised parameter (`element/quantity`) ends up: its range
// after the drift.
struct ParameterDrift {
  std::string name;
  double min = 0, max = 0;
};

// Parses "box_table/friction=0.05:0.07,box/mass=3" (NAME=MIN:MAX or
// NAME=VALUE) against the scene's randomised parameters. INVALID_ARGUMENT
// naming the entry for a malformed one, a parameter the scene does not
// randomise, a non-finite or negative value, or min > max.
absl::StatusOr<std::vector<ParameterDrift>> ParseDrift(
    const std::string& text, const v1::SceneConfig& scene);

// `scene` with each drifted parameter's range moved `fraction` (0: the
// scene's own, 1: the drift's) of the way, ends interpolated linearly.
v1::SceneConfig DriftedScene(v1::SceneConfig scene,
                             const std::vector<ParameterDrift>& drift,
                             double fraction);

struct FleetOptions {
  v1::SceneConfig scene;
  v1::TaskConfig task;
  v1::PlannerConfig planner;
  PlanningEpisodeOptions episode;
  int robots = 4;
  double seconds = 600;  // the run's wall-clock length
  // The drift ramps linearly between these wall-clock times (s).
  double drift_start_s = 60, drift_end_s = 120;
  std::vector<ParameterDrift> drift;
  uint64_t seed = 1;
  double report_every_s = 15;
  // Fresh episodes (the scene's default policy, this long, current hidden
  // parameters) the served model is scored on at each report: the error
  // of the spec's first state-error kind (pos_m for push) after 1 s of
  // history and error_horizon_s of open-loop rollout.
  int probe_episodes = 16;
  int64_t probe_steps = 100;
  double error_horizon_s = 2.5;
};

struct FleetHooks {
  // The served model now (one version pinned for a whole episode) and its
  // name "NAME/N".
  std::function<absl::StatusOr<
      std::pair<std::shared_ptr<const WorldModel>, std::string>>()>
      served;
  // Streams robot `robot`'s episode (its index: the robot's episode
  // number) to the ingest service; returns once it is acknowledged
  // durable. Called from the robot's thread.
  std::function<absl::Status(int robot, const datasets::Episode& episode)>
      upload;
  // The flywheel's decisions so far: published, refused (may be empty).
  std::function<std::pair<int64_t, int64_t>()> decisions;
  // One JSON line (an "episode" or a "report" record). Serialised.
  std::function<void(const std::string&)> report;
  // Each episode begun after the drift's end (drift fraction 1) once its
  // upload is acknowledged, with the seconds since the run's start at that
  // moment: the post-drift episodes the ingest service received (an
  // offline reference trains on them). Serialised; may be empty.
  std::function<void(int robot, const datasets::Episode& episode,
                     double acknowledged_s)>
      post_drift_uploaded;
};

// Runs the fleet for options.seconds (robots' episodes in flight finish
// first), then a last report. An episode whose upload fails is counted
// (upload_failures), not retried beyond the hook's own retries. Errors:
// INVALID_ARGUMENT for options that do not fit (robots < 1, drift end
// before start), the scene's, and the first robot error that is not a
// model or upload error.
absl::Status RunFleet(const FleetOptions& options, const FleetHooks& hooks);

// A planning episode as a store episode: its states split into qpos and
// qvel, its actions, times k dt, `params` as given (index 0).
datasets::Episode LoggedEpisode(const PlanningEpisode& episode,
                                const sim::Scene& scene,
                                std::vector<double> params);

// Writes `episodes` (name, episode) as a dataset in `directory` (replaced
// when it exists) with `scene`'s manifest (sim::ManifestForScene), the
// episodes' indices reassigned 0, 1, ... in the given order, provenance
// source "wm fleet" and one imported_files entry per episode (file = its
// name), as an ingest store lists them. DatasetWriter's errors.
absl::Status WriteFleetEpisodes(
    const sim::Scene& scene,
    std::vector<std::pair<std::string, datasets::Episode>> episodes,
    const std::string& directory);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_FLYWHEEL_FLEET_H_
