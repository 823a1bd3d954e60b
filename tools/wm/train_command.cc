// `wm train`: trains a learned world model on a dataset and publishes it as
// the next version of MODELS/NAME.

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "tools/wm/flags.h"
#include "tools/wm/progress_bar.h"
#include "tools/wm/subcommand.h"
#include "util/status_macros.h"
#include "util/text_proto.h"
#include "worldmodel/learned/distributed_options.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/sysid/contact_training.h"

namespace wm::tools {
namespace {

absl::StatusOr<worldmodel::TrainingRequest> ResolveRequest(
    const Invocation& invocation) {
  worldmodel::TrainingRequest request;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    WM_RETURN_IF_ERROR(
        ReadTextProtoFile(absl::GetFlag(FLAGS_config), &request.config));
  }
  if (invocation.Given("model")) {
    request.config.set_model(absl::GetFlag(FLAGS_model));
  }
  if (invocation.Given("seed"))
    request.config.set_seed(absl::GetFlag(FLAGS_seed));
  if (invocation.Given("workers")) {
    request.config.set_workers(absl::GetFlag(FLAGS_workers));
  }
  if (invocation.Given("max_steps")) {
    request.config.set_max_steps(absl::GetFlag(FLAGS_max_steps));
  }
  if (invocation.Given("ensemble_size")) {
    request.config.set_ensemble_size(absl::GetFlag(FLAGS_ensemble_size));
  }
  request.data_dir = absl::GetFlag(FLAGS_data);
  request.model_dir = absl::GetFlag(FLAGS_out);
  request.resume = absl::GetFlag(FLAGS_resume);
  request.init_from = absl::GetFlag(FLAGS_init);
  request.base = absl::GetFlag(FLAGS_base);
  request.validation_data_dir = absl::GetFlag(FLAGS_validation_data);
  if (absl::GetFlag(FLAGS_distributed)) {
    worldmodel::DistributedFlags flags;
    flags.rank = absl::GetFlag(FLAGS_rank);
    flags.world_size = absl::GetFlag(FLAGS_world_size);
    flags.master = absl::GetFlag(FLAGS_master);
    flags.timeout_seconds = absl::GetFlag(FLAGS_distributed_timeout);
    flags.distribute = absl::GetFlag(FLAGS_distribute);
    WM_ASSIGN_OR_RETURN(request.distributed,
                        worldmodel::ResolveDistributedOptions(flags));
  } else if (invocation.Given("rank") || invocation.Given("world_size") ||
             invocation.Given("master") || invocation.Given("distribute")) {
    return absl::InvalidArgumentError(
        "--rank, --world_size, --master and --distribute apply with "
        "--distributed only");
  }
  if (request.data_dir.empty()) {
    return absl::InvalidArgumentError("--data is required");
  }
  if (request.model_dir.empty()) {
    return absl::InvalidArgumentError("--out MODELS/NAME is required");
  }
  return request;
}

// --model contact: a learned force on a MuJoCo base, searched by CMA-ES.
absl::Status TrainContact(const worldmodel::TrainingRequest& request) {
  worldmodel::ContactTrainingJob job;
  job.config = request.config;
  job.data_dir = request.data_dir;
  job.validation_data_dir = request.validation_data_dir;
  job.base = request.base;
  job.model_dir = request.model_dir;
  job.git_revision = WM_GIT_REVISION;
  std::cerr << "wm train: contact force on MuJoCo base " << job.base
            << ", fit on " << job.data_dir << ", selected on "
            << job.validation_data_dir << " -> " << job.model_dir << "\n";
  const int generations = job.config.contact().max_generations() > 0
                              ? job.config.contact().max_generations()
                              : 40;
  ProgressBar bar("generations", generations);
  auto progress = [&](const worldmodel::ContactTrainingProgress& state) {
    bar.Update(state.generation,
               absl::StrFormat("fit %.4g, validation %.4g (base %.4g)",
                               state.fit_objective, state.validation_objective,
                               state.base_validation_objective));
  };
  absl::StatusOr<v1::CheckpointManifest> manifest =
      worldmodel::TrainContactAndPublish(job, progress);
  bar.Finish();
  if (!manifest.ok()) return manifest.status();
  const auto& metrics = manifest->metrics();
  const double base = metrics.at("base_validation_objective");
  const double selected = metrics.at("validation_objective");
  std::cout << "published " << request.model_dir << "/" << manifest->version()
            << absl::StrFormat(
                   " (contact, %s, %d weights): validation %.4g against the "
                   "base's %.4g (%+.1f%%), fit %.4g against %.4g, in %.0f s\n",
                   manifest->learned_force().features(),
                   manifest->learned_force().weights_size(), selected, base,
                   100 * (selected / base - 1), metrics.at("fit_objective"),
                   metrics.at("base_fit_objective"), bar.ElapsedSeconds());
  if (selected >= base) {
    std::cout << "note: no learned force beat the base on validation; the "
                 "published force is zero (the base itself)\n";
  }
  return absl::OkStatus();
}

absl::Status Train(const worldmodel::TrainingRequest& request) {
  if (request.config.model() ==
      worldmodel::ModelKindName(worldmodel::ModelKind::kContact)) {
    if (request.distributed.enabled) {
      return absl::InvalidArgumentError(
          "--distributed trains physics and blackbox models, not contact");
    }
    return TrainContact(request);
  }
  WM_ASSIGN_OR_RETURN(v1::TrainingConfig config,
                      worldmodel::WithTrainingDefaults(request.config));
  std::cerr << "wm train: " << config.model() << " ensemble of "
            << config.ensemble_size() << " on " << request.data_dir << " -> "
            << request.model_dir << (request.resume ? " (resuming)" : "")
            << (request.init_from.empty()
                    ? ""
                    : " (fine-tuning " + request.init_from +
                          "; its kind and sizes apply)")
            << (request.base.empty() ? "" : " on MuJoCo base " + request.base)
            << (request.validation_data_dir.empty()
                    ? ""
                    : " (validating on every episode of " +
                          request.validation_data_dir + ")")
            << (request.distributed.enabled
                    ? absl::StrFormat(" (rank %d of %d)",
                                      request.distributed.rank,
                                      request.distributed.world_size)
                    : "")
            << "\n";
  ProgressBar bar("steps", config.ensemble_size() * config.max_steps());
  auto progress = [&](const worldmodel::TrainingProgress& state) {
    bar.Update(state.steps_done,
               absl::StrFormat("loss %.4g, val %.4g, %s samples/s",
                               state.train_loss, state.validation_loss,
                               CompactNumber(state.samples_per_second)));
  };
  absl::StatusOr<v1::CheckpointManifest> manifest =
      worldmodel::TrainAndPublish(request, progress);
  bar.Finish();
  if (!manifest.ok()) return manifest.status();
  if (request.distributed.enabled && request.distributed.rank != 0) {
    std::cout << absl::StrFormat(
        "rank %d of %d trained in %.0f s; rank 0 publishes\n",
        request.distributed.rank, request.distributed.world_size,
        bar.ElapsedSeconds());
    return absl::OkStatus();
  }
  std::cout << "published " << request.model_dir << "/" << manifest->version()
            << " (" << manifest->kind() << ", "
            << manifest->training().ensemble_size() << " members, lr "
            << manifest->training().learning_rate() << ", validation loss "
            << absl::StrFormat("%.4g",
                               manifest->metrics().at("validation_loss"))
            << ") in " << absl::StrFormat("%.0f", bar.ElapsedSeconds())
            << " s\n";
  if (const auto diverged = manifest->metrics().find("diverged_members");
      diverged != manifest->metrics().end()) {
    std::cout << absl::StrFormat(
        "warning: %.0f of %d members diverged (100 non-finite steps in a "
        "row) and kept their best weights; try a lower learning_rate\n",
        diverged->second, manifest->training().ensemble_size());
  }
  if (manifest->kind() ==
      worldmodel::ModelKindName(worldmodel::ModelKind::kHybrid)) {
    std::cout << absl::StrFormat(
        "validation one-step RMS error (normalised tangent): MuJoCo base "
        "%.4g, hybrid %.4g\n",
        manifest->metrics().at("validation_rmse_mujoco"),
        manifest->metrics().at("validation_rmse_hybrid"));
  }
  return absl::OkStatus();
}

}  // namespace

int RunTrain(const Invocation& invocation) {
  absl::StatusOr<worldmodel::TrainingRequest> request =
      ResolveRequest(invocation);
  absl::Status status = request.ok() ? Train(*request) : request.status();
  if (!status.ok()) {
    std::cerr << "wm train: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
