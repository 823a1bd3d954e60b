#ifndef WM_TESTS_TESTING_FAULT_MODELS_H_
#define WM_TESTS_TESTING_FAULT_MODELS_H_

// Fault injection for tests of what happens when a model misbehaves: a
// WorldModel that forwards every call to a real model (MuJoCo in the tests)
// and, on cue, throws as LibTorch does (c10::Error is a std::exception) or
// makes a sample diverge the way a runaway ensemble member does (its mean
// NaN, its spread infinite from some step on). Sound answers are the real
// model's, unchanged.

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

#include "worldmodel/world_model.h"

namespace wm::testing {

struct Faults {
  // A call where a state row's first value (Predict's states[b, 0],
  // Rollout's initial[n, 0]) equals this throws std::runtime_error
  // ("injected fault").
  float throw_on_first_state = 777.0f;
  // Every n-th Rollout call throws (0: never).
  int throw_every_nth_rollout = 0;
  // A Predict row or Rollout sample whose first action component exceeds
  // this diverges: from `diverge_step` on (Rollout; Predict: its answer)
  // its mean is NaN and its epistemic spread infinite.
  float diverge_above_action = std::numeric_limits<float>::infinity();
  int diverge_step = 3;
};

// Thread-safe as the model it wraps.
class FaultInjectingModel : public worldmodel::WorldModel {
 public:
  FaultInjectingModel(std::shared_ptr<const worldmodel::WorldModel> model,
                      Faults faults)
      : model_(std::move(model)), faults_(faults) {}

  std::string kind() const override { return model_->kind(); }
  const v1::StateSpec& spec() const override { return model_->spec(); }
  double dt() const override { return model_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return model_->parameters();
  }

  absl::StatusOr<worldmodel::Prediction> Predict(
      const Tensor& states, const Tensor& actions,
      const worldmodel::Context& context) const override {
    ThrowOnCue(states);
    auto answer = model_->Predict(states, actions, context);
    if (!answer.ok() || actions.rank() != 2) return answer;
    const int64_t rows = actions.shape[0], nu = actions.shape[1];
    const int64_t nx = answer->mean.shape[1];
    const int64_t ns = answer->epistemic_std.shape[1];
    for (int64_t r = 0; r < rows; ++r) {
      if (!(actions.data[r * nu] > faults_.diverge_above_action)) continue;
      for (int64_t i = 0; i < nx; ++i) answer->mean.data[r * nx + i] = kNan;
      for (int64_t i = 0; i < ns; ++i) {
        answer->epistemic_std.data[r * ns + i] = kInf;
      }
    }
    return answer;
  }

  absl::StatusOr<worldmodel::Trajectory> Rollout(
      const Tensor& initial, const Tensor& actions,
      const worldmodel::Context& context) const override {
    ThrowOnCue(initial);
    const int call = ++rollout_calls_;
    if (faults_.throw_every_nth_rollout > 0 &&
        call % faults_.throw_every_nth_rollout == 0) {
      throw std::runtime_error("injected fault: Rollout call " +
                               std::to_string(call));
    }
    auto answer = model_->Rollout(initial, actions, context);
    if (!answer.ok() || actions.rank() != 3) return answer;
    const int64_t n = actions.shape[0], horizon = actions.shape[1];
    const int64_t nu = actions.shape[2], steps = horizon + 1;
    const int64_t nx = answer->mean.shape[2];
    const int64_t ns = answer->epistemic_std.shape[2];
    for (int64_t s = 0; s < n; ++s) {
      if (!(actions.data[s * horizon * nu] > faults_.diverge_above_action)) {
        continue;
      }
      for (int64_t t = std::min<int64_t>(faults_.diverge_step, horizon);
           t < steps; ++t) {
        const int64_t row = s * steps + t;
        for (int64_t i = 0; i < nx; ++i) answer->mean.data[row * nx + i] = kNan;
        for (int64_t i = 0; i < ns; ++i) {
          answer->epistemic_std.data[row * ns + i] = kInf;
        }
      }
    }
    return answer;
  }

  absl::StatusOr<worldmodel::ParameterEstimate> InferParameters(
      const worldmodel::Context& history) const override {
    if (history.has_history()) ThrowOnCue(history.history_states);
    return model_->InferParameters(history);
  }

  int rollout_calls() const { return rollout_calls_; }

 private:
  static constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  static constexpr float kInf = std::numeric_limits<float>::infinity();

  // Throws when any row's first value (stride nx) is the marker.
  void ThrowOnCue(const Tensor& states) const {
    const size_t nx = spec().nq() + spec().nv();
    for (size_t i = 0; i < states.data.size(); i += nx) {
      if (states.data[i] == faults_.throw_on_first_state) {
        throw std::runtime_error("injected fault: a model call threw");
      }
    }
  }

  const std::shared_ptr<const worldmodel::WorldModel> model_;
  const Faults faults_;
  mutable std::atomic<int> rollout_calls_{0};
};

}  // namespace wm::testing

#endif  // WM_TESTS_TESTING_FAULT_MODELS_H_
