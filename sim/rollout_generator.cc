#include "sim/rollout_generator.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "util/logging.h"
#include "util/random.h"

namespace wm::sim {

absl::StatusOr<std::unique_ptr<RolloutGenerator>> RolloutGenerator::Create(
    std::shared_ptr<const Scene> scene, GenerationOptions options) {
  if (options.episodes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("episodes must be >= 1, not ", options.episodes));
  }
  if (options.steps < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "steps must be >= 1 (an episode needs at least one transition), not ",
        options.steps));
  }
  if (options.end_episode == 0) options.end_episode = options.episodes;
  if (options.first_episode < 0 || options.end_episode > options.episodes ||
      options.first_episode >= options.end_episode) {
    return absl::InvalidArgumentError(absl::StrCat(
        "episode range [", options.first_episode, ", ", options.end_episode,
        ") is empty or not within the run's [0, ", options.episodes, ")"));
  }
  if (options.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers must be >= 1, not ", options.workers));
  }
  absl::StatusOr<std::unique_ptr<Policy>> policy =
      CreatePolicy(options.policy, *scene);
  if (!policy.ok()) return policy.status();
  return std::unique_ptr<RolloutGenerator>(
      new RolloutGenerator(std::move(scene), std::move(options)));
}

RolloutGenerator::RolloutGenerator(std::shared_ptr<const Scene> scene,
                                   GenerationOptions options)
    : scene_(std::move(scene)), options_(std::move(options)) {}

absl::StatusOr<datasets::Episode> RolloutGenerator::SimulateEpisode(
    int64_t index, Simulator* simulator, Policy* policy) const {
  const uint64_t seed = EpisodeSeed(options_.seed, index);
  const int nq = scene_->nq(), nv = scene_->nv(), nu = scene_->nu();
  const int64_t steps = options_.steps;

  datasets::Episode episode;
  episode.index = index;
  episode.nq = nq;
  episode.nv = nv;
  episode.nu = nu;
  episode.params = simulator->Reset(seed);
  // The policy's noise comes from its own stream of the episode's seed.
  Rng policy_rng(MixBits(seed));
  policy->Reset(&policy_rng);

  episode.qpos.resize((steps + 1) * nq);
  episode.qvel.resize((steps + 1) * nv);
  episode.time.resize(steps + 1);
  episode.ctrl.resize(steps * nu);
  const mjModel& model = simulator->model();
  const mjData& data = simulator->data();
  auto record = [&](int64_t t) {
    mju_copy(episode.qpos.data() + t * nq, data.qpos, nq);
    mju_copy(episode.qvel.data() + t * nv, data.qvel, nv);
    episode.time[t] = data.time;
  };
  record(0);
  for (int64_t t = 0; t < steps; ++t) {
    absl::Span<double> ctrl(episode.ctrl.data() + t * nu, nu);
    policy->Act(model, data, &policy_rng, ctrl);
    absl::Status stepped = simulator->Step(ctrl);
    if (!stepped.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("episode ", index, ": ", stepped.message()));
    }
    record(t + 1);
  }
  return episode;
}

namespace {

// Writes a simulated episode to `sink` and counts it, or counts it as
// dropped (keeping the first five reasons) when its simulation failed.
// Returns the sink's error.
absl::Status WriteOrDrop(absl::StatusOr<datasets::Episode> episode,
                         datasets::EpisodeSink* sink,
                         GenerationSummary* summary) {
  if (!episode.ok()) {
    ++summary->dropped;
    if (summary->drop_reasons.size() < 5) {
      summary->drop_reasons.emplace_back(episode.status().message());
    }
    return absl::OkStatus();
  }
  const int64_t steps = episode->num_steps();
  absl::Status written = sink->Write(*std::move(episode));
  if (!written.ok()) return written;
  ++summary->episodes_written;
  summary->steps_written += steps;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GenerationSummary> RolloutGenerator::Run(
    datasets::EpisodeSink* sink,
    const std::function<void(const GenerationProgress&)>& progress) {
  const int64_t total = options_.end_episode;
  // Workers run at most this far ahead of the writer (bounded memory).
  const int64_t window = 4 * static_cast<int64_t>(options_.workers) + 4;

  std::mutex mutex;
  std::condition_variable changed;
  std::map<int64_t, absl::StatusOr<datasets::Episode>> finished;
  int64_t next_to_simulate = options_.first_episode;
  int64_t next_to_write = options_.first_episode;
  bool stop = false;

  auto worker = [&] {
    Simulator simulator(scene_);
    std::unique_ptr<Policy> policy = *CreatePolicy(options_.policy, *scene_);
    while (true) {
      int64_t index;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] {
          return stop || next_to_simulate >= total ||
                 next_to_simulate < next_to_write + window;
        });
        if (stop || next_to_simulate >= total) return;
        index = next_to_simulate++;
      }
      absl::StatusOr<datasets::Episode> episode =
          SimulateEpisode(index, &simulator, policy.get());
      {
        std::lock_guard<std::mutex> lock(mutex);
        finished.emplace(index, std::move(episode));
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < options_.workers; ++w) threads.emplace_back(worker);

  GenerationSummary summary;
  GenerationProgress state;
  state.episodes_total = total - options_.first_episode;
  absl::Status sink_status;
  while (next_to_write < total) {
    absl::StatusOr<datasets::Episode> episode;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return finished.count(next_to_write) > 0; });
      auto node = finished.extract(next_to_write);
      episode = std::move(node.mapped());
    }
    sink_status = WriteOrDrop(std::move(episode), sink, &summary);
    if (!sink_status.ok()) break;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++next_to_write;
    }
    changed.notify_all();
    state.episodes_done = next_to_write - options_.first_episode;
    state.steps_done = summary.steps_written;
    state.dropped = summary.dropped;
    if (progress) progress(state);
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
  }
  changed.notify_all();
  for (std::thread& thread : threads) thread.join();
  if (!sink_status.ok()) return sink_status;
  return summary;
}

}  // namespace wm::sim
