#include "worldmodel/guarded_model.h"

#include <cmath>

#include "worldmodel/answer_bounds.h"

namespace wm::worldmodel {
namespace {

class GuardedModel final : public WorldModel {
 public:
  explicit GuardedModel(std::unique_ptr<WorldModel> model)
      : model_(std::move(model)) {}

  std::string kind() const override { return model_->kind(); }
  const v1::StateSpec& spec() const override { return model_->spec(); }
  double dt() const override { return model_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return model_->parameters();
  }

  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override {
    absl::StatusOr<Prediction> answer = GuardModelCall(Name("Predict"), [&] {
      return model_->Predict(states, actions, context);
    });
    if (answer.ok()) BoundPrediction(states, &*answer);
    return answer;
  }

  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    absl::StatusOr<Trajectory> answer = GuardModelCall(Name("Rollout"), [&] {
      return model_->Rollout(initial, actions, context);
    });
    if (answer.ok()) BoundTrajectory(initial, &*answer);
    return answer;
  }

  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    absl::StatusOr<ParameterEstimate> answer =
        GuardModelCall(Name("InferParameters"),
                       [&] { return model_->InferParameters(history); });
    if (!answer.ok()) return answer;
    for (size_t p = 0; p < answer->mean.size(); ++p) {
      if (!std::isfinite(answer->mean[p]) || !std::isfinite(answer->std[p])) {
        return absl::InternalError(absl::StrCat(
            Name("InferParameters"), ": the estimate of parameter ", p,
            " is not finite (mean ", answer->mean[p], ", std ", answer->std[p],
            ")"));
      }
    }
    return answer;
  }

 private:
  std::string Name(const char* method) const {
    return absl::StrCat(model_->kind(), " model ", method);
  }

  const std::unique_ptr<WorldModel> model_;
};

}  // namespace

std::unique_ptr<WorldModel> GuardModel(std::unique_ptr<WorldModel> model) {
  if (model == nullptr || dynamic_cast<GuardedModel*>(model.get())) {
    return model;
  }
  return std::make_unique<GuardedModel>(std::move(model));
}

}  // namespace wm::worldmodel
