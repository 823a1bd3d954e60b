#ifndef WM_SIM_SCENE_H_
#define WM_SIM_SCENE_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/initial_state.h"
#include "sim/mjcf.h"
#include "sim/physical_parameter.h"
#include "wm/v1/scene.pb.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::sim {

// An immutable scene: the compiled nominal model, its StateSpec, control
// period, randomisable parameters and initial-state sampler. Shared between
// threads as shared_ptr<const Scene> (like mjModel); each thread simulates
// with its own Simulator.
class Scene {
 public:
  // Compiles `config.mjcf` (inline MJCF; LoadSceneConfig fills it from
  // mjcf_file), applies its timestep and friction cone, and resolves
  // everything the config names. INVALID_ARGUMENT for malformed MJCF
  // (MuJoCo's message), frame_skip < 1, a timestep <= 0, an unknown friction
  // cone, or a bad parameter range or initial-state entry (each message names
  // it).
  static absl::StatusOr<std::shared_ptr<const Scene>> Create(
      const v1::SceneConfig& config);

  const std::string& name() const { return config_.name(); }
  const v1::SceneConfig& config() const { return config_; }
  // The nominal model (the MJCF's values, timestep and cone applied).
  const mjModel& model() const { return *model_; }
  const v1::StateSpec& spec() const { return spec_; }
  // State and action sizes: nx = nq + nv.
  int nq() const { return model_->nq; }
  int nv() const { return model_->nv; }
  int nu() const { return model_->nu; }
  int nx() const { return model_->nq + model_->nv; }
  // Control period dt = frame_skip * timestep, seconds.
  double dt() const { return frame_skip() * model_->opt.timestep; }
  int frame_skip() const { return config_.frame_skip(); }
  // The randomised parameters, in the order datasets store them.
  const std::vector<PhysicalParameter>& parameters() const {
    return parameters_;
  }
  // Each parameter's value in the nominal model.
  std::vector<double> NominalParameters() const;
  const InitialStateSampler& initial_state() const { return initial_state_; }

 private:
  Scene(v1::SceneConfig config, ModelPtr model, v1::StateSpec spec,
        std::vector<PhysicalParameter> parameters,
        InitialStateSampler initial_state);

  v1::SceneConfig config_;
  ModelPtr model_;
  v1::StateSpec spec_;
  std::vector<PhysicalParameter> parameters_;
  InitialStateSampler initial_state_;
};

// The StateSpec of `model`: joints (type, qpos / qvel offsets, quaternion
// offset, velocity frames) and actuators (name, ctrl range, unit from
// `actuator_units`, "" when not given).
v1::StateSpec BuildStateSpec(
    const mjModel& model,
    const google::protobuf::Map<std::string, std::string>& actuator_units);

}  // namespace wm::sim

#endif  // WM_SIM_SCENE_H_
