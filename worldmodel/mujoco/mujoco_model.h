#ifndef WM_WORLDMODEL_MUJOCO_MUJOCO_MODEL_H_
#define WM_WORLDMODEL_MUJOCO_MUJOCO_MODEL_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "sim/scene.h"
#include "sim/simulator.h"
#include "wm/v1/scene.pb.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/mujoco/simulation_ensemble.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Model kind "mujoco": the scene's MJCF simulated by sim::Simulator, each
// step holding the action over frame_skip MuJoCo steps (dt = the scene's
// control period). The physical parameters (the scene's randomised ones, in
// Scene::parameters() order) come per batch row from explicit
// context.parameters when given, else from the model's fixed values: the
// scene's nominal ones (the "MuJoCo nominal" baseline) or values set at
// creation (the oracle with true parameters, or identified ones). A history
// context is validated and ignored: this model does not infer. With a
// SimulationEnsemble (model.proto) of K >= 2 members, each row is simulated
// once per member (its parameters and start perturbed) and the answer is
// their average (AverageStates) with their spread as the epistemic std;
// otherwise spreads are zero. Every simulation starts from a freshly reset
// simulator (SetParameters, then SetState), so a row's result does not
// depend on the batch around it; without an ensemble it equals a direct
// sim::Simulator run doing the same, bit for bit (states and actions as the
// float32 values given). Thread-safe: simulators come from a mutex-guarded
// pool.
//
// Model kind "contact" is the same simulation with a learned force added at
// every MuJoCo step of every member (sim::LearnedForceLaw, v1::LearnedForce;
// trained by worldmodel/sysid/contact_training.h).
class MujocoModel : public WorldModel {
 public:
  // Compiles `scene` (MJCF inline) and fixes the parameter values (empty
  // means the scene's nominal ones) and the ensemble (default: one
  // simulation) and the learned force (features empty: none; the model is
  // then of kind "contact"). INVALID_ARGUMENT for a scene that does not
  // compile (see sim::Scene::Create), values of the wrong count or not
  // finite (named "parameter_values"), a bad ensemble
  // (SimulationMembers::Create) or learned force
  // (sim::LearnedForceLaw::Create).
  static absl::StatusOr<std::unique_ptr<MujocoModel>> Create(
      const v1::SceneConfig& scene, std::vector<double> parameter_values,
      const v1::SimulationEnsemble& ensemble = {},
      const v1::LearnedForce& learned_force = {});
  // The same from an already compiled scene.
  static absl::StatusOr<std::unique_ptr<MujocoModel>> Create(
      std::shared_ptr<const sim::Scene> scene,
      std::vector<double> parameter_values,
      const v1::SimulationEnsemble& ensemble = {},
      const v1::LearnedForce& learned_force = {});

  std::string kind() const override {
    return ModelKindName(force_law_ ? ModelKind::kContact : ModelKind::kMujoco);
  }
  const v1::StateSpec& spec() const override { return scene_->spec(); }
  double dt() const override { return scene_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return parameters_;
  }
  // The fixed parameter values used when the context has none.
  const std::vector<double>& parameter_values() const { return values_; }
  // Simulations per row (1 without an ensemble).
  int members() const { return members_.size(); }
  const sim::Scene& scene() const { return *scene_; }

  // Steps each row once. Errors: INVALID_ARGUMENT (tensor_checks.h);
  // FAILED_PRECONDITION naming the row when the simulation goes unstable.
  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override;
  // Steps each of the N rows H times. Errors as Predict (row and step named).
  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override;
  // Always FAILED_PRECONDITION: a simulator does not infer its parameters.
  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override;

 private:
  MujocoModel(std::shared_ptr<const sim::Scene> scene,
              std::vector<double> values, SimulationMembers members,
              std::shared_ptr<const sim::LearnedForceLaw> force_law);

  // The parameter values of batch row `row` (context or fixed ones).
  std::vector<double> RowParameters(const Context& context, int64_t row) const;
  // Simulates one row: sets parameters and `state`, then steps through
  // `steps` actions of nu values each, writing each next state (nx floats)
  // to `out` + step * nx.
  absl::Status RunRow(sim::Simulator* simulator,
                      const std::vector<double>& parameters, const float* state,
                      const float* actions, int64_t steps, float* out) const;
  // Simulates one row from `state` through `steps` actions: once, or once
  // per ensemble member and averaged. Writes each next state (nx floats) to
  // `mean` + step * nx and its spread (2 nv floats; zero for one
  // simulation) to `spread` + step * 2 nv, and member m's next states to
  // (*member_states)[m] (steps * nx).
  absl::Status SimulateRow(
      sim::Simulator* simulator, const std::vector<double>& parameters,
      const float* state, const float* actions, int64_t steps, float* mean,
      float* spread, std::vector<std::vector<float>>* member_states) const;
  std::unique_ptr<sim::Simulator> AcquireSimulator() const;
  void ReleaseSimulator(std::unique_ptr<sim::Simulator> simulator) const;

  std::shared_ptr<const sim::Scene> scene_;
  std::vector<double> values_;
  SimulationMembers members_;
  std::shared_ptr<const sim::LearnedForceLaw> force_law_;  // null: none
  std::vector<v1::ParameterInfo> parameters_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<sim::Simulator>> pool_;
};

// "mujoco:DATA_DIR", the model path of wm eval --model and wm train --base
// that means a dataset's embedded scene at its nominal parameter values.
bool IsNominalMujocoPath(const std::string& path);
// The DATA_DIR of a "mujoco:DATA_DIR" path ("" for any other path).
std::string NominalMujocoDataDir(const std::string& path);

// The scene `dataset` embeds, to simulate it. FAILED_PRECONDITION naming the
// dataset when it embeds no MJCF (an imported log without a scene).
absl::StatusOr<v1::SceneConfig> EmbeddedScene(const datasets::Dataset& dataset);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_MUJOCO_MUJOCO_MODEL_H_
