#ifndef WM_WORLDMODEL_EVAL_EVAL_JOB_H_
#define WM_WORLDMODEL_EVAL_EVAL_JOB_H_

// What `wm eval` does, as a library call: load the model (and an optional
// baseline), score it on a dataset beside the constant-velocity and nominal
// MuJoCo baselines, and return every report. Printing and writing files are
// the caller's.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "wm/v1/model.pb.h"
#include "worldmodel/eval/eval_report.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// A model to evaluate and the name reports give it.
struct LoadedModel {
  std::string name;  // "NAME/N", or "mujoco:DATA_DIR" as given
  std::unique_ptr<WorldModel> model;
};

// Loads `path`: MODELS/NAME[/N] through `factory` (named "NAME/N"), or
// mujoco:DATA_DIR, the dataset's embedded scene at nominal parameter values
// (named as given). Errors: the factory's and the dataset's;
// FAILED_PRECONDITION for a dataset that embeds no MJCF.
absl::StatusOr<LoadedModel> LoadModelForEval(const ModelFactory& factory,
                                             const std::string& path);

struct EvalJob {
  std::string model;          // MODELS/NAME[/N] or mujoco:DATA_DIR (required)
  std::string baseline;       // the same forms; empty for none
  std::string data_dir;       // the dataset scored (required)
  std::string ood_data_dir;   // episodes outside the training ranges; optional
  bool all_episodes = false;  // every episode, not only the test split
  v1::EvalConfig config;
};

struct EvalJobResult {
  EvalReport report;  // the model's
  std::string kind;   // the model's kind
  // constant_velocity, then mujoco_nominal (absent when the data embeds no
  // scene; see notes), then the baseline under its kind's name.
  std::vector<NamedReport> baselines;
  // What the caller should tell the user but is no error (a baseline that
  // could not be built and why).
  std::vector<std::string> notes;
};

// Progress of one model's scoring: (its name, work done, total work).
using EvalJobProgress =
    std::function<void(const std::string& model, int64_t done, int64_t total)>;

// Runs `job`: loads its models through `factory`, scores each with Evaluate
// (evaluator.h), the model first, and returns the reports. When the model is
// mujoco:DATA_DIR, its report doubles as mujoco_nominal. `progress` may be
// empty. Errors: INVALID_ARGUMENT for a missing model or data_dir; the
// loaders', the datasets' and Evaluate's errors, prefixed by the model's
// name.
absl::StatusOr<EvalJobResult> RunEvalJob(const EvalJob& job,
                                         const ModelFactory& factory,
                                         const EvalJobProgress& progress);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_EVAL_JOB_H_
