#ifndef WM_SIM_ROLLOUT_GENERATOR_H_
#define WM_SIM_ROLLOUT_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/episode.h"
#include "sim/policy.h"
#include "sim/scene.h"
#include "sim/simulator.h"
#include "wm/v1/scene.pb.h"

namespace wm::sim {

struct GenerationOptions {
  int64_t episodes = 0;  // episodes in the run: indices [0, episodes)
  // Simulate only the episodes [first_episode, end_episode) of the run (one
  // shard of it; end_episode 0: through `episodes`). Episode i is the same
  // whichever range it is simulated in.
  int64_t first_episode = 0;
  int64_t end_episode = 0;
  int64_t steps = 0;  // control steps per episode
  uint64_t seed = 0;
  int workers = 1;
  v1::PolicyConfig policy;  // unset: the scene's default policy
};

struct GenerationProgress {
  int64_t episodes_done = 0;  // written or dropped
  int64_t episodes_total = 0;
  int64_t steps_done = 0;  // control steps of written episodes
  int64_t dropped = 0;
};

struct GenerationSummary {
  int64_t episodes_written = 0;
  int64_t steps_written = 0;
  int64_t dropped = 0;
  // Why the first few dropped episodes were dropped ("episode 12: ...").
  std::vector<std::string> drop_reasons;
};

// Simulates randomised episodes of a scene in parallel and hands them, in
// episode order, to a sink. Episode i is simulated from EpisodeSeed(seed, i)
// alone (parameters, initial state, policy noise), so the output does not
// depend on the number of workers. Episodes that go unstable are dropped and
// counted. Run() is not reentrant; SimulateEpisode is const and thread-safe
// given a simulator and policy per thread.
class RolloutGenerator {
 public:
  // INVALID_ARGUMENT when episodes < 1, steps < 1 (a zero-step episode),
  // workers < 1, the episode range is empty or not within [0, episodes), or
  // the policy does not fit the scene.
  static absl::StatusOr<std::unique_ptr<RolloutGenerator>> Create(
      std::shared_ptr<const Scene> scene, GenerationOptions options);

  // Simulates every episode of the range on options.workers threads (the
  // progress counts episodes of the range); the calling thread
  // writes them to `sink` in index order and calls `progress` (may be empty)
  // after each. A sink error stops the run and is returned.
  absl::StatusOr<GenerationSummary> Run(
      datasets::EpisodeSink* sink,
      const std::function<void(const GenerationProgress&)>& progress);

  // Simulates episode `index` with a worker's own simulator and policy.
  // FAILED_PRECONDITION (MuJoCo's message) when the simulation goes unstable.
  absl::StatusOr<datasets::Episode> SimulateEpisode(int64_t index,
                                                    Simulator* simulator,
                                                    Policy* policy) const;

  const Scene& scene() const { return *scene_; }
  const GenerationOptions& options() const { return options_; }

 private:
  RolloutGenerator(std::shared_ptr<const Scene> scene,
                   GenerationOptions options);

  std::shared_ptr<const Scene> scene_;
  GenerationOptions options_;
};

}  // namespace wm::sim

#endif  // WM_SIM_ROLLOUT_GENERATOR_H_
