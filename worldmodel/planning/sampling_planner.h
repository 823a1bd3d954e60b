#ifndef WM_WORLDMODEL_PLANNING_SAMPLING_PLANNER_H_
#define WM_WORLDMODEL_PLANNING_SAMPLING_PLANNER_H_

// MPPI and CEM over any WorldModel (learned, mujoco, remote): sample action
// sequences around a warm-started plan, roll them out through the model with
// the episode's context (so inferred friction and mass shape every
// prediction), score them with a TaskCost, and refine. Torch-free.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "util/random.h"
#include "util/tensor.h"
#include "wm/v1/planning.pb.h"
#include "worldmodel/planning/task_cost.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Absolute bounds on a PlannerConfig, whoever sends it (a server caps
// further: ServerConfig). Noise is a fraction of each actuator's half range,
// the temperature a fraction of the cost range.
inline constexpr int kMaxPlannerSamples = 1 << 20;
inline constexpr int kMaxPlannerHorizon = 10000;
inline constexpr int kMaxPlannerIterations = 1 << 20;
inline constexpr int kMaxPlannerThreads = 256;
inline constexpr double kMaxPlannerNoise = 100;
inline constexpr double kMaxPlannerTemperature = 1e6;
inline constexpr double kMaxPlannerTimeBudgetMs = 3.6e6;  // an hour

struct PlanResult {
  Tensor actions;  // [H, nu]: apply actions[0] now
  // Empty, and cost NaN, with PlannerConfig.skip_plan_rollout.
  Tensor predicted_mean;  // [H + 1, nx]: the plan's predicted trajectory
  Tensor predicted_std;   // [H + 1, 2 nv]: its epistemic spread
  double cost = std::numeric_limits<double>::quiet_NaN();  // under the task
  int iterations = 0;    // refinements done (the time budget may cut them)
                         // and not skipped
  int64_t rollouts = 0;  // action sequences rolled out
  // Sampled sequences whose rollout diverged (Trajectory::diverged) or whose
  // cost was not finite, over all iterations: scored as infinite cost.
  int64_t diverged_samples = 0;
  // Iterations whose Rollout failed and were skipped, and the last reason.
  int failed_iterations = 0;
  std::string last_failure;
};

class SamplingPlanner {
 public:
  // `config` with defaults filled; actions are bounded by the spec's
  // actuator ranges. INVALID_ARGUMENT naming the field ("planner.noise: must
  // be in [0, 100], got nan") for an unknown kind, any value non-finite or
  // outside its range (samples in [2, kMaxPlannerSamples], horizon,
  // iterations and threads >= 1, elite_fraction in [0, 1],
  // noise_correlation in [0, 0.999], the kMax* bounds above), or a task that
  // does not fit the spec (see TaskCost::Create).
  static absl::StatusOr<std::unique_ptr<SamplingPlanner>> Create(
      v1::PlannerConfig config, v1::TaskConfig task, const v1::StateSpec& spec);

  // Plans from `state` ([nx] or [1, nx]) with `model`, its Rollouts
  // conditioned on `context`. At least one iteration runs; further ones only
  // while the time budget (and `deadline`) allow. Warm-starts from the
  // previous call's plan shifted by one step. A diverged sample costs
  // +infinity (it never pulls the plan); an iteration whose Rollout fails is
  // skipped and counted. Errors: the last model error when every iteration
  // failed, or when the final plan's own Rollout fails. Not thread-safe (it
  // keeps the warm start and the random generator).
  absl::StatusOr<PlanResult> Plan(const WorldModel& model, const Tensor& state,
                                  const Context& context,
                                  absl::Time deadline = absl::InfiniteFuture());

  // Forgets the warm start and the last applied action (a new episode).
  void Reset();

  // Starts the next Plan from `plan` [H, nu] (e.g. a caller's previous plan,
  // already shifted), clipped to the actuator ranges. INVALID_ARGUMENT for
  // another shape or a non-finite value.
  absl::Status WarmStart(const Tensor& plan);

  const TaskCost& cost() const { return *cost_; }
  const v1::PlannerConfig& config() const { return config_; }

 private:
  SamplingPlanner(v1::PlannerConfig config, std::unique_ptr<TaskCost> cost,
                  const v1::StateSpec& spec);
  // N sequences [N, H, nu] around the plan; sequence 0 is the plan itself.
  // Written into samples_, whose storage every iteration and call reuses.
  const Tensor& Sample(int64_t n);
  // Moves the plan towards the low-cost samples (MPPI weights or CEM elites).
  void Update(const Tensor& samples, const std::vector<double>& costs);

  const v1::PlannerConfig config_;
  const std::unique_ptr<TaskCost> cost_;
  const int nu_;
  std::vector<float> low_, high_, half_range_;  // per actuator
  std::vector<float> plan_;                     // [H * nu]
  std::vector<float> std_;                      // [H * nu] CEM's sampling std
  std::vector<float> previous_;  // [nu] the action applied before this call
  Tensor samples_;               // [N, H, nu] the last iteration's sequences
  Rng random_;
};

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_PLANNING_SAMPLING_PLANNER_H_
