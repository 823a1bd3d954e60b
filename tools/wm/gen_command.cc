// `wm gen`: simulates randomised episodes of a scene (all of them, or one
// shard of the run: --shard) into an HDF5 dataset.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datasets/dataset_writer.h"
#include "datasets/generation_shard.h"
#include "sim/policy.h"
#include "sim/rollout_generator.h"
#include "sim/scene_library.h"
#include "sim/scene_manifest.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"

#ifndef WM_GIT_REVISION
#define WM_GIT_REVISION "unknown"
#endif

namespace wm::tools {
namespace {

// The config file's values, overridden by the flags given on the command
// line; defaults where neither sets a value.
absl::StatusOr<v1::GenerationConfig> ResolveConfig(
    const Invocation& invocation) {
  v1::GenerationConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(ReadTextProtoFile(absl::GetFlag(FLAGS_config), &config));
  }
  auto use_flag = [&](const char* name, bool config_has_value) {
    return invocation.Given(name) || !config_has_value;
  };
  if (use_flag("scene", !config.scene().empty())) {
    config.set_scene(absl::GetFlag(FLAGS_scene));
  }
  if (use_flag("episodes", config.episodes() != 0)) {
    config.set_episodes(absl::GetFlag(FLAGS_episodes));
  }
  if (use_flag("steps", config.steps() != 0)) {
    config.set_steps(absl::GetFlag(FLAGS_steps));
  }
  if (use_flag("seed", config.seed() != 0)) {
    config.set_seed(absl::GetFlag(FLAGS_seed));
  }
  if (use_flag("workers", config.workers() != 0)) {
    config.set_workers(absl::GetFlag(FLAGS_workers));
  }
  if (use_flag("out", !config.out().empty())) {
    config.set_out(absl::GetFlag(FLAGS_out));
  }
  if (use_flag("overwrite", config.overwrite())) {
    config.set_overwrite(absl::GetFlag(FLAGS_overwrite));
  }
  if (use_flag("episodes_per_shard", config.episodes_per_shard() != 0)) {
    config.set_episodes_per_shard(absl::GetFlag(FLAGS_episodes_per_shard));
  }
  if (invocation.Given("policy") && !absl::GetFlag(FLAGS_policy).empty()) {
    const std::string kind = absl::GetFlag(FLAGS_policy);
    config.clear_policy();
    if (kind == "zero") {
      config.mutable_policy()->mutable_zero();
    } else if (kind == "uniform") {
      config.mutable_policy()->mutable_uniform();
    } else if (kind == "smooth_noise") {
      config.mutable_policy()->mutable_smooth_noise()->set_correlation_time(
          0.2);
      config.mutable_policy()->mutable_smooth_noise()->set_scale(0.5);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--policy: unknown policy '", kind,
          "' (zero, uniform, smooth_noise; scripted and approach policies "
          "are set in --config)"));
    }
  }
  // --shard (or the config's shard), checked and resolved.
  std::string shard = absl::GetFlag(FLAGS_shard);
  if (!invocation.Given("shard") && config.num_shards() > 0) {
    shard = absl::StrCat(config.shard_index(), "/", config.num_shards());
  }
  WM_ASSIGN_OR_RETURN(
      datasets::GenerationShard resolved,
      datasets::ResolveGenerationShard(shard, absl::GetFlag(FLAGS_shards),
                                       config.episodes(), std::getenv));
  config.set_shard_index(resolved.index);
  config.set_num_shards(resolved.count);
  if (config.workers() <= 0) {  // a shard is one task of a batch job
    config.set_workers(resolved.sharded()
                           ? 1
                           : std::max(1u, std::thread::hardware_concurrency()));
  }
  if (config.scene().empty()) {
    return absl::InvalidArgumentError("--scene is required");
  }
  if (config.out().empty()) {
    return absl::InvalidArgumentError("--out is required");
  }
  return config;
}

absl::Status Generate(const v1::GenerationConfig& config) {
  WM_ASSIGN_OR_RETURN(std::shared_ptr<const sim::Scene> scene,
                      sim::LoadScene(config.scene()));
  sim::GenerationOptions options;
  options.episodes = config.episodes();
  const datasets::EpisodeRange range = datasets::ShardEpisodeRange(
      config.episodes(), config.shard_index(), config.num_shards());
  options.first_episode = range.begin;
  options.end_episode = range.end;
  options.steps = config.steps();
  options.seed = config.seed();
  options.workers = config.workers();
  options.policy = config.policy();
  WM_ASSIGN_OR_RETURN(auto generator,
                      sim::RolloutGenerator::Create(scene, options));

  v1::DatasetManifest manifest = sim::ManifestForScene(*scene);
  v1::Provenance* provenance = manifest.mutable_provenance();
  provenance->set_source("wm gen");
  provenance->set_seed(config.seed());
  provenance->set_git_revision(WM_GIT_REVISION);
  *provenance->mutable_generation() = config;
  // The worker count does not change the data: keep it out of the manifest
  // so datasets stay byte-identical across worker counts.
  provenance->mutable_generation()->clear_workers();
  provenance->set_policy(sim::PolicyKindName(
      config.policy().kind_case() == v1::PolicyConfig::KIND_NOT_SET
          ? scene->config().default_policy()
          : config.policy()));

  const bool existed = std::filesystem::exists(config.out());
  WM_ASSIGN_OR_RETURN(
      auto writer, datasets::DatasetWriter::Create(config.out(), manifest,
                                                   config.episodes_per_shard(),
                                                   config.overwrite()));
  const std::string episodes =
      config.num_shards() == 0
          ? absl::StrCat(config.episodes(), " episodes")
          : absl::StrCat("shard ", config.shard_index(), " of ",
                         config.num_shards(), ": episodes [", range.begin, ", ",
                         range.end, ") of ", config.episodes());
  std::cerr << "wm gen: scene '" << scene->name() << "', " << episodes << " x "
            << config.steps() << " steps (dt " << scene->dt() << " s), "
            << config.workers() << " workers -> " << config.out() << "\n";
  ProgressBar bar("episodes", range.size());
  auto progress = [&](const sim::GenerationProgress& state) {
    const double rate = state.steps_done / std::max(bar.ElapsedSeconds(), 1e-9);
    bar.Update(state.episodes_done,
               absl::StrCat(CompactNumber(rate), " steps/s, ", state.dropped,
                            " dropped"));
  };
  absl::StatusOr<sim::GenerationSummary> summary =
      generator->Run(writer.get(), progress);
  absl::StatusOr<v1::DatasetManifest> written =
      summary.ok() ? writer->Finish(summary->dropped) : summary.status();
  bar.Finish();
  if (!written.ok()) {
    // Leave nothing half-written behind in a directory this run created.
    if (!existed) std::filesystem::remove_all(config.out());
    return written.status();
  }
  const double seconds = bar.ElapsedSeconds();
  std::cout << "wrote " << written->num_episodes() << " episodes, "
            << written->num_transitions() << " transitions, "
            << written->shards_size() << " shards to " << config.out() << " in "
            << absl::StrFormat("%.1f", seconds) << " s ("
            << CompactNumber(written->num_transitions() / seconds)
            << " steps/s)\n";
  if (summary->dropped > 0) {
    std::cout << "dropped " << summary->dropped
              << " unstable episodes, e.g.:\n";
    for (const std::string& reason : summary->drop_reasons) {
      std::cout << "  " << reason << "\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace

int RunGen(const Invocation& invocation) {
  absl::StatusOr<v1::GenerationConfig> config = ResolveConfig(invocation);
  absl::Status status = config.ok() ? Generate(*config) : config.status();
  if (!status.ok()) {
    std::cerr << "wm gen: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
