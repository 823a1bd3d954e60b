#ifndef WM_WORLDMODEL_EVAL_TOSS_PROTOCOL_REPORT_H_
#define WM_WORLDMODEL_EVAL_TOSS_PROTOCOL_REPORT_H_

// `wm eval --protocol acosta_toss` as a library call: every toss of a
// dataset scored by the protocol of acosta_toss_protocol.h for several
// models side by side, summarised with bootstrap intervals, and the report's
// JSON.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "worldmodel/eval/acosta_toss_protocol.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// A model under evaluation and the name reports give it.
struct NamedModel {
  std::string name;
  const WorldModel* model = nullptr;
};

// One model's scores over the tosses.
struct TossModelScores {
  std::string name;
  std::string kind;
  std::vector<TossScore> tosses;  // dataset order
  std::vector<double> e_q;        // per toss
  BootstrapSummary summary;       // of e_q
  double mean_pos_err_m = 0;
  double mean_rot_err_deg = 0;
  // The first model's e_q over this one's, paired by toss; absent for the
  // first model itself.
  std::optional<PairedComparison> first_over_this;
};

struct TossProtocolReport {
  std::string data;  // the dataset's directory
  int bootstrap_resamples = 0;
  std::vector<TossModelScores> models;  // the order given
};

// Scores `models` (the first is the model, the rest baselines; at least
// one) on every episode of `tosses`, with 2000 bootstrap resamples at a
// fixed seed. `on_model` (may be empty) is called with each model's name
// before it is scored. Errors: FAILED_PRECONDITION for a dataset without
// episodes; the scene's and ScoreTosses' errors, prefixed by the model's
// name.
absl::StatusOr<TossProtocolReport> RunTossProtocol(
    const std::vector<NamedModel>& models, const datasets::Dataset& tosses,
    const std::function<void(const std::string& name)>& on_model);

// The report as JSON (protocol, data, tosses, bootstrap_resamples, models
// with e_q mean / ci90 / median, mean errors and model_over_this, and
// per_toss). Non-finite numbers are written as null.
std::string TossProtocolJson(const TossProtocolReport& report);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_TOSS_PROTOCOL_REPORT_H_
