// `wm fleet`: a simulated fleet. N robots plan push episodes in MuJoCo
// through the served model while hidden parameters drift beyond the
// training ranges, stream their logs to the ingest service and report
// over time (worldmodel/flywheel/fleet.h); tools/plot_fleet.py draws it.

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/client/ingest_client.h"
#include "services/client/remote_world_model.h"
#include "sim/scene_library.h"
#include "tools/wm/flags.h"
#include "tools/wm/subcommand.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "worldmodel/flywheel/fleet.h"
#include "worldmodel/planning/task_library.h"

namespace wm::tools {
namespace {

services::ClientOptions ClientOptionsFromEnvironment() {
  services::ClientOptions options;
  if (const char* token = std::getenv("WM_SERVE_TOKEN")) {
    options.bearer_token = token;
  }
  return options;
}

absl::StatusOr<worldmodel::FleetOptions> ResolveOptions() {
  worldmodel::FleetOptions options;
  WM_ASSIGN_OR_RETURN(options.scene,
                      sim::LoadSceneConfig(absl::GetFlag(FLAGS_scene)));
  WM_ASSIGN_OR_RETURN(options.task,
                      worldmodel::LoadTaskConfig(absl::GetFlag(FLAGS_task)));
  options.planner.set_samples(absl::GetFlag(FLAGS_samples));
  options.planner.set_horizon(absl::GetFlag(FLAGS_horizon));
  options.planner.set_iterations(absl::GetFlag(FLAGS_iterations));
  options.episode.history_seconds = absl::GetFlag(FLAGS_history_seconds);
  options.robots = absl::GetFlag(FLAGS_robots);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.drift_start_s = absl::GetFlag(FLAGS_drift_start);
  options.drift_end_s = absl::GetFlag(FLAGS_drift_end);
  options.report_every_s = absl::GetFlag(FLAGS_report_every);
  options.seed = absl::GetFlag(FLAGS_seed);
  WM_ASSIGN_OR_RETURN(
      options.drift,
      worldmodel::ParseDrift(absl::GetFlag(FLAGS_drift), options.scene));
  if (absl::GetFlag(FLAGS_model).empty()) {
    return absl::InvalidArgumentError(
        "--model NAME (the served model) is "
        "required");
  }
  return options;
}

// Counts the published and refused decisions in the flywheel's log.
std::pair<int64_t, int64_t> CountDecisions(const std::string& log) {
  std::pair<int64_t, int64_t> counts{0, 0};
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (absl::StrContains(line, "\"decision\": \"published\"")) ++counts.first;
    if (absl::StrContains(line, "\"decision\": \"refused\"")) ++counts.second;
  }
  return counts;
}

// Robot `robot`'s ids on the ingest service: "robot-R" and, for its
// episode number k, "sSEED-ek" (idempotent across retries).
std::string RobotId(int robot) { return absl::StrCat("robot-", robot); }
std::string EpisodeId(int64_t index) {
  return absl::StrCat("s", absl::GetFlag(FLAGS_seed), "-e", index);
}

// The ingest upload of one logged episode: samples are its states, each
// with the action applied after it (the last one repeated).
services::EpisodeUpload ToUpload(int robot, const datasets::Episode& episode,
                                 const sim::Scene& scene) {
  services::EpisodeUpload upload;
  upload.robot_id = RobotId(robot);
  upload.episode_id = EpisodeId(episode.index);
  upload.scene = scene.config().name();
  upload.dt = scene.dt();
  upload.spec = scene.spec();
  const int nq = episode.nq, nv = episode.nv, nu = episode.nu;
  const int64_t samples = static_cast<int64_t>(episode.time.size());
  for (int64_t k = 0; k < samples; ++k) {
    upload.times.push_back(episode.time[k]);
    upload.states.insert(upload.states.end(), episode.qpos.begin() + k * nq,
                         episode.qpos.begin() + (k + 1) * nq);
    upload.states.insert(upload.states.end(), episode.qvel.begin() + k * nv,
                         episode.qvel.begin() + (k + 1) * nv);
    const int64_t action = std::min(k, samples - 2);
    upload.actions.insert(upload.actions.end(),
                          episode.ctrl.begin() + action * nu,
                          episode.ctrl.begin() + (action + 1) * nu);
  }
  upload.params = episode.params;
  return upload;
}

absl::Status Fleet() {
  WM_ASSIGN_OR_RETURN(const worldmodel::FleetOptions options, ResolveOptions());
  WM_ASSIGN_OR_RETURN(auto scene, sim::Scene::Create(options.scene));
  const services::ClientOptions client = ClientOptionsFromEnvironment();
  const std::string server = absl::GetFlag(FLAGS_server);
  const std::string ingest_address = absl::GetFlag(FLAGS_ingest).empty()
                                         ? server
                                         : absl::GetFlag(FLAGS_ingest);
  WM_ASSIGN_OR_RETURN(std::unique_ptr<services::IngestClient> ingest,
                      services::IngestClient::Connect(ingest_address, client));
  v1::ModelSpec model;
  model.set_name(absl::GetFlag(FLAGS_model));
  std::ofstream json_file;
  if (!absl::GetFlag(FLAGS_json).empty()) {
    json_file.open(absl::GetFlag(FLAGS_json), std::ios::app);
    if (!json_file) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", absl::GetFlag(FLAGS_json)));
    }
  }
  worldmodel::FleetHooks hooks;
  hooks.served = [&]()
      -> absl::StatusOr<std::pair<std::shared_ptr<const worldmodel::WorldModel>,
                                  std::string>> {
    WM_ASSIGN_OR_RETURN(auto remote, services::RemoteWorldModel::Connect(
                                         server, model, client));
    std::string name =
        absl::StrCat(remote->model().name(), "/", remote->model().version());
    return std::make_pair(
        std::shared_ptr<const worldmodel::WorldModel>(std::move(remote)), name);
  };
  hooks.upload = [&](int robot, const datasets::Episode& episode) {
    return ingest->UploadEpisode(ToUpload(robot, episode, *scene)).status();
  };
  const std::string log = absl::GetFlag(FLAGS_log);
  if (!log.empty()) hooks.decisions = [log] { return CountDecisions(log); };
  hooks.report = [&](const std::string& line) {
    (json_file.is_open() ? json_file : std::cout) << line << std::endl;
  };
  // The post-drift episodes acknowledged in time, named as the store
  // names them (robot/episode), for --post_drift_out.
  std::vector<std::pair<std::string, datasets::Episode>> post_drift;
  const std::string post_drift_out = absl::GetFlag(FLAGS_post_drift_out);
  const double until = absl::GetFlag(FLAGS_post_drift_until);
  if (!post_drift_out.empty()) {
    hooks.post_drift_uploaded = [&](int robot, const datasets::Episode& episode,
                                    double acknowledged_s) {
      if (until > 0 && acknowledged_s > until) return;
      post_drift.emplace_back(
          absl::StrCat(RobotId(robot), "/", EpisodeId(episode.index)), episode);
    };
  }
  std::cerr << "wm fleet: " << options.robots << " robots planning with "
            << model.name() << " at " << server << ", uploading to "
            << ingest_address << " for " << options.seconds << " s\n";
  WM_RETURN_IF_ERROR(worldmodel::RunFleet(options, hooks));
  if (post_drift_out.empty()) return absl::OkStatus();
  std::cerr << "wm fleet: " << post_drift.size()
            << " post-drift episodes written to " << post_drift_out << "\n";
  return worldmodel::WriteFleetEpisodes(*scene, std::move(post_drift),
                                        post_drift_out);
}

}  // namespace

int RunFleet(const Invocation& invocation) {
  const absl::Status status = Fleet();
  if (!status.ok()) {
    std::cerr << "wm fleet: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
