#ifndef WM_WORLDMODEL_LEARNED_TRAINING_SPLITS_H_
#define WM_WORLDMODEL_LEARNED_TRAINING_SPLITS_H_

// Which episodes a wm train run trains and validates on: the hash split
// inside --data (datasets/split.h), or, with --validation_data DIR, every
// episode of --data for training and every episode of DIR for validation.
// Torch-free; shared by every learned kind.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "wm/v1/model.pb.h"

namespace wm::worldmodel {

struct TrainingSplits {
  std::unique_ptr<datasets::Dataset> data;  // --data
  // --validation_data, or null (validation is --data's validation split).
  std::unique_ptr<datasets::Dataset> validation_data;

  // The dataset the validation episodes come from.
  const datasets::Dataset& validation() const {
    return validation_data != nullptr ? *validation_data : *data;
  }
  // The fractions under which data()'s kTrain episodes are the training
  // episodes: the default hash split, or {train 1, validation 0} (all of
  // them) with a separate validation dataset.
  datasets::SplitFractions train_fractions() const;
  // The fractions under which validation()'s kValidation episodes are the
  // validation episodes: the default hash split, or {train 0, validation 1}
  // (all of them) with a separate validation dataset.
  datasets::SplitFractions validation_fractions() const;
};

// Opens `data_dir` and, when `validation_data_dir` is not empty, the
// validation dataset, which must model the same system: the same state
// layout (spec), dt and parameter names. Errors: the datasets' NOT_FOUND /
// DATA_LOSS, prefixed by the flag; INVALID_ARGUMENT naming both
// directories when the layouts or dt differ, or when both are the same
// directory.
absl::StatusOr<TrainingSplits> OpenTrainingSplits(
    const std::string& data_dir, const std::string& validation_data_dir);

// Records the split in a checkpoint manifest: split_train and
// split_validation (the fractions of --data), and with a separate
// validation dataset its directory and fingerprint.
void RecordSplits(const TrainingSplits& splits,
                  v1::CheckpointManifest* manifest);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_TRAINING_SPLITS_H_
