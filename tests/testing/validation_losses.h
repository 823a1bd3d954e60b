#ifndef WM_TESTS_TESTING_VALIDATION_LOSSES_H_
#define WM_TESTS_TESTING_VALIDATION_LOSSES_H_

// Recomputing a trained ensemble's validation losses in tests, as the
// training run scored them. Includes LibTorch headers (learned tests only).

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/split.h"
#include "datasets/window_sampler.h"
#include "util/status_macros.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/learned/hybrid_objective.h"
#include "worldmodel/learned/hybrid_trainer.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/trainer.h"
#include "worldmodel/learned/training_batch.h"
#include "worldmodel/learned/training_splits.h"
#include "worldmodel/model_kind.h"

namespace wm::testing {

using ::wm::worldmodel::BuildHybridData;
using ::wm::worldmodel::HybridBase;
using ::wm::worldmodel::HybridData;
using ::wm::worldmodel::HybridObjective;
using ::wm::worldmodel::LearnedEnsemble;
using ::wm::worldmodel::LoadHybridBase;
using ::wm::worldmodel::ModelKind;
using ::wm::worldmodel::OpenTrainingSplits;
using ::wm::worldmodel::StateOps;
using ::wm::worldmodel::ToBatch;
using ::wm::worldmodel::TrainingRequest;
using ::wm::worldmodel::TrainingSplits;
using ::wm::worldmodel::WindowBatch;
using ::wm::worldmodel::WindowObjective;

// Each of `ensemble`'s members' validation loss as training scores it: the
// kind's objective on the request's validation episodes (--data's
// validation split, or every episode of request.validation_data_dir).
inline absl::StatusOr<std::vector<double>> ValidationLosses(
    const TrainingRequest& request, const v1::CheckpointManifest& manifest,
    LearnedEnsemble& ensemble) {
  const v1::TrainingConfig& config = manifest.training();
  WM_ASSIGN_OR_RETURN(
      const TrainingSplits splits,
      OpenTrainingSplits(request.data_dir, request.validation_data_dir));
  const StateOps& ops = *ensemble.ops;
  std::vector<double> out;
  torch::NoGradGuard no_grad;
  if (ensemble.kind == ModelKind::kHybrid) {
    WM_ASSIGN_OR_RETURN(HybridBase base, LoadHybridBase(request.base));
    WM_ASSIGN_OR_RETURN(HybridData data,
                        BuildHybridData(splits, *base.model, ops,
                                        config.horizon(), config.workers()));
    for (size_t k = 0; k < ensemble.members.size(); ++k) {
      HybridObjective objective(config, &ops, base.model.get(), &data, k);
      out.push_back(objective.Validate(*ensemble.members[k]).loss);
    }
    return out;
  }
  WM_ASSIGN_OR_RETURN(
      auto sampler,
      datasets::WindowSampler::Create(
          &splits.validation(), datasets::Split::kValidation,
          manifest.history_steps(), config.horizon(), config.seed() + 1,
          /*shards_in_memory=*/2, splits.validation_fractions()));
  WM_ASSIGN_OR_RETURN(auto windows,
                      sampler->NextBatch(config.validation_windows()));
  const WindowBatch validation =
      ToBatch(windows, ops.nx(), ops.nu(), ops.num_parameters());
  for (size_t k = 0; k < ensemble.members.size(); ++k) {
    WM_ASSIGN_OR_RETURN(auto objective,
                        WindowObjective::Create(
                            config, splits.data.get(), splits.train_fractions(),
                            manifest.history_steps(), &ops, &validation,
                            ensemble.kind == ModelKind::kPhysics, k));
    out.push_back(objective->Validate(*ensemble.members[k]).loss);
  }
  return out;
}

}  // namespace wm::testing

#endif  // WM_TESTS_TESTING_VALIDATION_LOSSES_H_
