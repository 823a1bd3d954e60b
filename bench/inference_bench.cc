// In-process inference cost of the learned kinds, side by side in one run
// (bench_report.h format), on push models at their default sizes
// (push_models.h), one thread:
// - rollout_256x30_vs_compute_floor: the full WorldModel::Rollout (256
//   samples x 30 steps, as served: fused path, guarded) of the push physics
//   checkpoint against its FLOPs (StepFlopsPerRow) at the single-thread
//   sgemm rate of a 512^3 product, measured interleaved with it;
// - rollout_256x30_fused_vs_libtorch, the same against the LibTorch path
//   (InferencePath::kLibTorch), for physics and blackbox;
// - rollout_256x30_two_threads_vs_one: the same Rollout with its rows split
//   over two threads (RowSplitThreads, as `wm serve` sets it) against one;
//   rollout_256x30_history_context_vs_none: with a new 1 s history as
//   context every call (identified and scored, as the closed loop's next
//   step asks); rollout_256x30_repeated_history_vs_none: the same history
//   again (prepared once: a planner's further iterations and chunks);
// - predict_b1_in_process: one batch-1 Predict of push physics, as served,
//   against the 60 us target; and against the LibTorch path.
// Medians of interleaved rounds, so that every side sees the same load.

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_report.h"
#include "bench/push_models.h"
#include "util/logging.h"
#include "util/parallel.h"
#include "util/text_proto.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/fused_math.h"
#include "worldmodel/learned/learned_model.h"
#include "worldmodel/learned/torch_runtime.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::bench {
namespace {

constexpr int kSamples = 256, kHorizon = 30;

// Median microseconds per call of each function over `rounds` interleaved
// rounds (one call of each per round) after a tenth as many warm-up rounds.
std::vector<double> MedianMicros(
    int rounds, const std::vector<std::function<void()>>& functions) {
  std::vector<std::vector<double>> micros(functions.size());
  for (int i = -std::max(1, rounds / 10); i < rounds; ++i) {
    for (size_t f = 0; f < functions.size(); ++f) {
      const absl::Time start = absl::Now();
      functions[f]();
      if (i >= 0) {
        micros[f].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
      }
    }
  }
  std::vector<double> medians;
  for (const auto& samples : micros) medians.push_back(Median(samples));
  return medians;
}

// A push state at rest [rows, 17] (box on the table, pusher behind it).
Tensor PushStates(int rows) {
  constexpr int kNx = 17;
  Tensor states = Tensor::Filled({rows, kNx});
  for (int r = 0; r < rows; ++r) {
    states.data[r * kNx + 2] = 0.05f;  // box height
    states.data[r * kNx + 3] = 1.0f;   // box quaternion w
    states.data[r * kNx + 7] = 0.15f;  // pusher x
  }
  return states;
}

// Varied pusher velocities [samples, horizon, 2].
Tensor PushActions(int samples, int horizon) {
  Tensor actions = Tensor::Filled({samples, horizon, 2});
  for (size_t i = 0; i < actions.data.size(); ++i) {
    actions.data[i] = 0.1f * static_cast<float>((i * 7919) % 200) / 100.0f;
  }
  return actions;
}

// Loads MODELS/NAME through `factory`, CHECKing success.
std::unique_ptr<worldmodel::WorldModel> Load(
    const worldmodel::ModelFactory& factory, const std::string& path) {
  auto model = factory.Load(path);
  CHECK(model.ok()) << model.status();
  return std::move(*model);
}

// The served push physics Rollout of `actions` from `initial` split over
// two threads against one, and with the closed loop's context (the last
// second of history) against none.
void BenchSplitAndHistory(const worldmodel::WorldModel& physics,
                          const Tensor& initial, const Tensor& actions) {
  worldmodel::Context history;
  constexpr int kHistorySteps = 20;  // 1 s of the push scene's 50 ms
  history.history_states = PushStates(kHistorySteps + 1);
  history.history_states.shape = {1, kHistorySteps + 1, 17};
  history.history_actions = PushActions(1, kHistorySteps);
  auto split_rollout = [&](int threads) {
    return [&, threads] {
      SetRowSplitThreads(threads);
      CHECK(physics.Rollout(initial, actions, {}).ok());
      SetRowSplitThreads(1);
    };
  };
  // A new history every call (the closed loop's next second), and the
  // same one again (a planner's further iterations and chunks: prepared
  // once, FusedCallCache).
  worldmodel::Context new_history = history;
  const std::vector<double> split_us = MedianMicros(
      15, {split_rollout(2), split_rollout(1),
           [&] {
             new_history.history_actions.data[0] += 1e-3f;
             CHECK(physics.Rollout(initial, actions, new_history).ok());
           },
           [&] { CHECK(physics.Rollout(initial, actions, history).ok()); }});
  Report("rollout_256x30_two_threads_vs_one", split_us[0] / 1e3,
         split_us[1] / 1e3, "ms");
  Report("rollout_256x30_history_context_vs_none", split_us[2] / 1e3,
         split_us[1] / 1e3, "ms");
  Report("rollout_256x30_repeated_history_vs_none", split_us[3] / 1e3,
         split_us[1] / 1e3, "ms");
}

void BenchInference() {
  const std::string work =
      (std::filesystem::temp_directory_path() / "wm_inference_bench").string();
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  std::cerr << "preparing models in " << work << "\n";
  const std::string models =
      PreparePushModels(absl::StrCat(WM_BINARY_DIR, "/bin/wm"), work);

  worldmodel::ModelFactory served;
  worldmodel::RegisterLearnedModels(&served);
  worldmodel::ModelFactory libtorch;
  for (worldmodel::ModelKind kind :
       {worldmodel::ModelKind::kPhysics, worldmodel::ModelKind::kBlackbox}) {
    libtorch.Register(
        worldmodel::ModelKindName(kind),
        [](const std::string& dir, const v1::CheckpointManifest& manifest) {
          return worldmodel::LoadLearnedModel(
              dir, manifest, worldmodel::InferencePath::kLibTorch);
        });
  }

  // --- Rollout 256 x 30 against the compute floor and LibTorch -----------
  const std::string physics_path = models + "/push_physics";
  auto physics = Load(served, physics_path);
  auto physics_libtorch = Load(libtorch, physics_path);
  auto version = worldmodel::ResolveModelVersionDir(physics_path);
  CHECK(version.ok()) << version.status();
  v1::CheckpointManifest manifest;
  CHECK(ReadTextProtoFile(*version + "/manifest.pbtxt", &manifest).ok());
  const double flops =
      worldmodel::StepFlopsPerRow(manifest) * kSamples * kHorizon;

  constexpr int kSize = 512;
  std::vector<float> a(kSize * kSize, 0.5f), b(kSize * kSize, 0.25f),
      c(kSize * kSize);
  auto sgemm = [&] {
    worldmodel::MatMul(kSize, kSize, kSize, a.data(), b.data(), c.data());
  };
  const Tensor initial = PushStates(1);
  const Tensor actions = PushActions(kSamples, kHorizon);
  auto rollout = [&](const worldmodel::WorldModel& model) {
    return [&] { CHECK(model.Rollout(initial, actions, {}).ok()); };
  };
  const std::vector<double> rollout_us =
      MedianMicros(15, {sgemm, rollout(*physics), rollout(*physics_libtorch)});
  const double sgemm_rate = 2.0 * kSize * kSize * kSize / (rollout_us[0] / 1e6);
  const double floor_ms = 1e3 * flops / sgemm_rate;
  std::printf(
      "# push physics K=%d: %.3g FLOP per sample-step, sgemm 512^3 %.1f "
      "GFLOP/s on one thread\n",
      manifest.training().ensemble_size(), flops / (kSamples * kHorizon),
      sgemm_rate / 1e9);
  Report("rollout_256x30_vs_compute_floor", rollout_us[1] / 1e3, floor_ms,
         "ms");
  Report("rollout_256x30_fused_vs_libtorch", rollout_us[1] / 1e3,
         rollout_us[2] / 1e3, "ms");

  BenchSplitAndHistory(*physics, initial, actions);

  auto blackbox = Load(served, models + "/push_blackbox");
  auto blackbox_libtorch = Load(libtorch, models + "/push_blackbox");
  const std::vector<double> blackbox_us =
      MedianMicros(10, {rollout(*blackbox), rollout(*blackbox_libtorch)});
  Report("rollout_256x30_blackbox_fused_vs_libtorch", blackbox_us[0] / 1e3,
         blackbox_us[1] / 1e3, "ms");

  // --- Predict batch 1 ----------------------------------------------------
  const Tensor state = PushStates(1);
  const Tensor action = PushActions(1, 1);
  const Tensor one_action{{1, 2}, action.data};
  auto predict = [&](const worldmodel::WorldModel& model) {
    return [&] { CHECK(model.Predict(state, one_action, {}).ok()); };
  };
  const std::vector<double> predict_us =
      MedianMicros(3000, {predict(*physics), predict(*physics_libtorch)});
  Report("predict_b1_in_process", predict_us[0], 60.0, "us");
  Report("predict_b1_fused_vs_libtorch", predict_us[0], predict_us[1], "us");
}

}  // namespace
}  // namespace wm::bench

int main() {
  wm::worldmodel::UseOneIntraOpThread();
  wm::bench::BenchInference();
  return 0;
}
