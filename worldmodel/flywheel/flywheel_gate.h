#ifndef WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_GATE_H_
#define WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_GATE_H_

// The flywheel's gate: which episodes are held out from training, the
// error both versions are judged by on them, and the paired bootstrap
// decision whether a candidate is better than the served version by a
// margin its interval supports. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "datasets/episode.h"
#include "wm/v1/dataset.pb.h"
#include "wm/v1/flywheel.pb.h"
#include "wm/v1/state_spec.pb.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// `config` with every zero / empty field set to its default (flywheel.proto).
// INVALID_ARGUMENT naming the field for a negative count, a holdout_fraction
// outside (0, 1), or a min_improvement outside [0, 1).
absl::StatusOr<v1::FlywheelConfig> WithFlywheelDefaults(
    v1::FlywheelConfig config);

// Whether the episode with this index is held out for the gate: a
// SplitMix64 hash of the index (salted, so it is independent of the
// train / validation / test split of datasets/split.h) below `fraction`.
// Deterministic; adding episodes never moves one.
bool IsHeldOut(int64_t episode_index, double fraction);

// The steps of history and of horizon for `config` (with defaults) at
// control period `dt` (s), each at least 1.
int64_t GateHistorySteps(const v1::FlywheelConfig& config, double dt);
int64_t GateHorizonSteps(const v1::FlywheelConfig& config, double dt);

// The rollout lengths the gate scores an episode at: a fifth of the
// horizon, two fifths, ..., the horizon (distinct, increasing, >= 1). An
// episode is rolled out as far as the longest that fits after its history:
// closed-loop logs end when the goal is reached, often before the horizon.
std::vector<int64_t> GateRolloutSteps(const v1::FlywheelConfig& config,
                                      double dt);

// The shortest episode the gate can score: history + the shortest rollout.
int64_t GateMinEpisodeSteps(const v1::FlywheelConfig& config, double dt);

// The gate's [2 nv] tangent scales for `spec` from normalisation `stats`:
// TangentStateScale, except that each free joint's position, linear
// velocity and angular velocity are judged as vectors, each axis scaled by
// the RMS of the vector's three stds. A body's error is then a Euclidean
// distance (the same in every axis), and a nearly constant axis (a box's
// height on a table: std 4e-5 m) cannot turn a 0.1 mm sink into the
// largest error of the state.
std::vector<double> GateStateScale(const v1::StateSpec& spec,
                                   const v1::NormalizationStats& stats);

// The gate error of `model` on each of `episodes` (in order, each at least
// GateMinEpisodeSteps long, validated, the model's layout): the episode's
// first GateHistorySteps steps are the context, then one open-loop Rollout
// under the true actions, as long as the longest GateRolloutSteps that
// fits; the error is the RMS over tangent dimensions of error /
// state_scale at the rollout's last step (EpisodeScore::final_error;
// `state_scale` [2 nv], GateStateScale of the served model's
// normalisation). Errors: the model's; INVALID_ARGUMENT when an episode is
// too short or state_scale's size is not 2 nv.
absl::StatusOr<std::vector<double>> GateErrors(
    const WorldModel& model, const std::vector<datasets::Episode>& episodes,
    const std::vector<double>& state_scale, double dt,
    const v1::FlywheelConfig& config);

struct GateOutcome {
  bool publish = false;
  std::string reason;  // why, in words, with the numbers
  double current_error = 0, candidate_error = 0;  // means
  // The geometric mean of the episodes' candidate / current error ratios,
  // with its 90% interval.
  double ratio = 0, ratio_ci90_low = 0, ratio_ci90_high = 0;
};

// The decision on paired per-episode errors (same episodes, same order,
// non-empty, config with defaults): the geometric mean of the per-episode
// ratios candidate / current (every episode counts the same, whatever its
// error's size: a few episodes where both models are far off cannot hide
// what the others say) with a 90% percentile bootstrap interval
// resampling episodes (bootstrap_resamples, seeded by `seed`). Publish
// only when the interval's upper end is below 1 - min_improvement and the
// candidate's mean error is not above the current one's (no rare
// episode made much worse). Deterministic.
GateOutcome DecideGate(absl::Span<const double> candidate_errors,
                       absl::Span<const double> current_errors,
                       const v1::FlywheelConfig& config, uint64_t seed);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_FLYWHEEL_FLYWHEEL_GATE_H_
