#include "worldmodel/learned/training_splits.h"

#include <google/protobuf/util/message_differencer.h>

#include <cmath>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

namespace fs = std::filesystem;

// "nq/nv/nu N/N/N, dt D s, P parameters" of a dataset, for errors.
std::string Describe(const v1::DatasetManifest& m) {
  return absl::StrCat("nq/nv/nu ", m.spec().nq(), "/", m.spec().nv(), "/",
                      m.spec().nu(), ", ", m.spec().joints_size(),
                      " joints, dt ", m.dt(), " s, ", m.parameters_size(),
                      " parameters");
}

// OK when both datasets model the same system.
absl::Status CheckSameSystem(const datasets::Dataset& data,
                             const datasets::Dataset& validation) {
  const v1::DatasetManifest& a = data.manifest();
  const v1::DatasetManifest& b = validation.manifest();
  bool same =
      google::protobuf::util::MessageDifferencer::Equals(a.spec(), b.spec()) &&
      std::abs(a.dt() - b.dt()) <= 1e-9 * a.dt() &&
      a.parameters_size() == b.parameters_size();
  for (int i = 0; same && i < a.parameters_size(); ++i) {
    same = a.parameters(i).name() == b.parameters(i).name();
  }
  if (same) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--validation_data ", validation.directory(),
      " models another system than --data ", data.directory(), ": ",
      Describe(b), " against ", Describe(a),
      " (the state layout, dt and parameter names must be the same)"));
}

}  // namespace

datasets::SplitFractions TrainingSplits::train_fractions() const {
  if (validation_data == nullptr) return datasets::SplitFractions();
  datasets::SplitFractions all_train;
  all_train.train = 1.0;
  all_train.validation = 0.0;
  return all_train;
}

datasets::SplitFractions TrainingSplits::validation_fractions() const {
  if (validation_data == nullptr) return datasets::SplitFractions();
  datasets::SplitFractions all_validation;
  all_validation.train = 0.0;
  all_validation.validation = 1.0;
  return all_validation;
}

absl::StatusOr<TrainingSplits> OpenTrainingSplits(
    const std::string& data_dir, const std::string& validation_data_dir) {
  TrainingSplits splits;
  WM_ASSIGN_OR_RETURN(splits.data, datasets::Dataset::Open(data_dir));
  if (validation_data_dir.empty()) return splits;
  std::error_code ignored;
  if (fs::equivalent(data_dir, validation_data_dir, ignored)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--validation_data ", validation_data_dir, " is --data ", data_dir,
        " itself: validate on other episodes (or drop --validation_data to "
        "use --data's validation split)"));
  }
  absl::StatusOr<std::unique_ptr<datasets::Dataset>> validation =
      datasets::Dataset::Open(validation_data_dir);
  if (!validation.ok()) {
    return absl::Status(
        validation.status().code(),
        absl::StrCat("--validation_data: ", validation.status().message()));
  }
  splits.validation_data = std::move(*validation);
  WM_RETURN_IF_ERROR(CheckSameSystem(*splits.data, *splits.validation_data));
  return splits;
}

void RecordSplits(const TrainingSplits& splits,
                  v1::CheckpointManifest* manifest) {
  const datasets::SplitFractions fractions = splits.train_fractions();
  manifest->set_split_train(fractions.train);
  manifest->set_split_validation(fractions.validation);
  if (splits.validation_data == nullptr) return;
  manifest->set_validation_dataset_dir(splits.validation_data->directory());
  manifest->set_validation_dataset_fingerprint(
      splits.validation_data->Fingerprint());
}

}  // namespace wm::worldmodel
