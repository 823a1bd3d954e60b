#ifndef WM_TESTS_WORLDMODEL_FLYWHEEL_FLYWHEEL_TEST_UTIL_H_
#define WM_TESTS_WORLDMODEL_FLYWHEEL_FLYWHEEL_TEST_UTIL_H_

// Stores and models for the flywheel tests: push episodes simulated before
// and after a drift beyond the training ranges (table friction 0.05-0.07,
// box mass 2.5-3 kg), written as a growing store, and a small physics
// model trained on the pre-drift ones.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset_writer.h"
#include "datasets/in_memory_sink.h"
#include "sim/rollout_generator.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "util/status_macros.h"
#include "wm/v1/flywheel.pb.h"
#include "worldmodel/learned/trainer.h"

namespace wm::worldmodel::testing {

// Push with its randomised ranges replaced: box mass [mass_min, mass_max]
// kg, table friction [friction_min, friction_max].
inline absl::StatusOr<v1::SceneConfig> PushWithRanges(double mass_min,
                                                      double mass_max,
                                                      double friction_min,
                                                      double friction_max) {
  WM_ASSIGN_OR_RETURN(v1::SceneConfig config, sim::LoadSceneConfig("push"));
  for (auto& range : *config.mutable_randomize()) {
    if (range.element() == "box" && range.quantity() == "mass") {
      range.set_min(mass_min);
      range.set_max(mass_max);
    } else if (range.element() == "box_table") {
      range.set_min(friction_min);
      range.set_max(friction_max);
    }
  }
  return config;
}

inline absl::StatusOr<v1::SceneConfig> DriftedPush() {
  return PushWithRanges(2.5, 3.0, 0.05, 0.07);
}

// `episodes` simulated episodes of `config` (seeded), re-indexed from
// `first_index` on.
inline absl::StatusOr<std::vector<datasets::Episode>> SimulateEpisodes(
    const v1::SceneConfig& config, int64_t episodes, int64_t steps,
    uint64_t seed, int64_t first_index) {
  WM_ASSIGN_OR_RETURN(auto scene, sim::Scene::Create(config));
  sim::GenerationOptions options;
  options.episodes = episodes;
  options.steps = steps;
  options.seed = seed;
  options.workers = 1;
  WM_ASSIGN_OR_RETURN(auto generator,
                      sim::RolloutGenerator::Create(scene, options));
  datasets::InMemorySink sink;
  WM_RETURN_IF_ERROR(generator->Run(&sink, nullptr).status());
  std::vector<datasets::Episode> simulated = sink.episodes();
  for (size_t i = 0; i < simulated.size(); ++i) {
    simulated[i].index = first_index + static_cast<int64_t>(i);
  }
  return simulated;
}

// Writes `episodes` (increasing index) as a dataset of push's layout in
// `directory`, replacing what is there (a store that grew by whole
// episodes: its earlier episodes stay a prefix).
inline absl::Status WriteStore(const std::string& directory,
                               const std::vector<datasets::Episode>& episodes) {
  WM_ASSIGN_OR_RETURN(auto scene, sim::LoadScene("push"));
  v1::DatasetManifest manifest = sim::ManifestForScene(*scene);
  manifest.mutable_provenance()->set_source("flywheel test");
  WM_ASSIGN_OR_RETURN(auto writer, datasets::DatasetWriter::Create(
                                       directory, manifest, 32, true));
  for (const datasets::Episode& episode : episodes) {
    WM_RETURN_IF_ERROR(writer->Write(episode));
  }
  return writer->Finish(0).status();
}

// A small physics ensemble (2 members of [32, 32]) trained for `steps`
// steps on 40 pre-drift push episodes, published as model_dir/1.
inline absl::Status TrainPreDriftModel(const std::string& data_dir,
                                       const std::string& model_dir,
                                       int64_t steps) {
  WM_ASSIGN_OR_RETURN(const v1::SceneConfig push, sim::LoadSceneConfig("push"));
  WM_ASSIGN_OR_RETURN(auto episodes, SimulateEpisodes(push, 40, 80, 7, 0));
  WM_RETURN_IF_ERROR(WriteStore(data_dir, episodes));
  TrainingRequest request;
  request.config.set_model("physics");
  request.config.set_ensemble_size(2);
  request.config.add_hidden(32);
  request.config.add_hidden(32);
  request.config.set_max_steps(steps);
  request.config.set_eval_every(20);
  request.config.set_batch_size(64);
  request.config.set_validation_windows(128);
  request.config.set_learning_rate(3e-3);
  request.config.set_seed(1);
  request.config.set_workers(2);
  request.data_dir = data_dir;
  request.model_dir = model_dir;
  return TrainAndPublish(request, nullptr).status();
}

// A flywheel config for tests: cycles of 30 new episodes, a third held out,
// judged 0.5 s (10 steps) ahead, fine-tuning `steps` steps at
// `learning_rate`.
inline v1::FlywheelConfig TestFlywheelConfig(int64_t steps,
                                             double learning_rate) {
  v1::FlywheelConfig config;
  config.set_min_new_episodes(30);
  config.set_holdout_fraction(0.34);
  config.set_min_holdout_episodes(6);
  config.set_horizon_seconds(0.5);
  config.mutable_training()->set_max_steps(steps);
  config.mutable_training()->set_batch_size(64);
  config.mutable_training()->set_validation_windows(128);
  config.mutable_training()->set_eval_every(25);
  config.mutable_training()->set_learning_rate(learning_rate);
  config.mutable_training()->set_workers(2);
  config.mutable_training()->set_seed(1);
  return config;
}

}  // namespace wm::worldmodel::testing

#endif  // WM_TESTS_WORLDMODEL_FLYWHEEL_FLYWHEEL_TEST_UTIL_H_
