#include "worldmodel/learned_model.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/learned_ensemble.h"
#include "worldmodel/tensor_checks.h"
#include "worldmodel/weights_file.h"

namespace wm::worldmodel {
namespace {

// An ensemble of learned members behind WorldModel. Members' predictions are
// averaged (quaternions sign-aligned, then normalised); their spread is the
// epistemic std, their own predicted noise the aleatoric std.
class LearnedModel : public WorldModel {
 public:
  LearnedModel(v1::CheckpointManifest manifest, LearnedEnsemble ensemble)
      : manifest_(std::move(manifest)), ensemble_(std::move(ensemble)) {
    parameters_.assign(manifest_.parameters().begin(),
                       manifest_.parameters().end());
    for (auto& member : ensemble_.members) member->eval();
    for (const auto& joint : manifest_.spec().joints()) {
      if (joint.quaternion_offset() >= 0) {
        quaternion_offsets_.push_back(joint.quaternion_offset());
      }
    }
  }

  std::string kind() const override { return manifest_.kind(); }
  const v1::StateSpec& spec() const override { return manifest_.spec(); }
  double dt() const override { return manifest_.dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return parameters_;
  }

  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override {
    WM_RETURN_IF_ERROR(CheckPredictInputs(spec(), states, actions));
    const int64_t batch = states.shape[0];
    WM_RETURN_IF_ERROR(
        CheckContext(spec(), accepted_parameters(), batch, context));
    c10::InferenceMode inference;
    torch::Tensor x = ToTorch(states), a = ToTorch(actions);
    std::vector<torch::Tensor> next, noise;
    for (size_t k = 0; k < ensemble_.members.size(); ++k) {
      MemberStep step = ensemble_.members[k]->Step(
          ops(), x, a, MemberParameters(k, context, batch));
      next.push_back(step.next_state);
      noise.push_back(ensemble_.members[k]->AleatoricStd(ops(), step));
    }
    Prediction prediction;
    torch::Tensor mean = EnsembleMean(next);
    prediction.mean = FromTorch(mean);
    prediction.epistemic_std = FromTorch(EnsembleSpread(mean, next));
    prediction.aleatoric_std = FromTorch(RootMeanSquare(noise));
    if (context.per_member)
      prediction.member_mean = FromTorch(torch::stack(next));
    return prediction;
  }

  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    WM_RETURN_IF_ERROR(CheckRolloutInputs(spec(), initial, actions));
    const int64_t n = actions.shape[0], horizon = actions.shape[1];
    WM_RETURN_IF_ERROR(CheckContext(spec(), accepted_parameters(), n, context));
    c10::InferenceMode inference;
    torch::Tensor start = ToTorch(initial).expand({n, ops().nx()});
    torch::Tensor a = ToTorch(actions);
    const size_t members = ensemble_.members.size();
    std::vector<torch::Tensor> state(members, start), parameters(members);
    for (size_t k = 0; k < members; ++k) {
      parameters[k] = MemberParameters(k, context, n);
    }
    std::vector<std::vector<torch::Tensor>> member_states(
        context.per_member ? members : 0, {start});
    std::vector<torch::Tensor> means = {start},
                               epistemic = {torch::zeros({n, 2 * ops().nv()})},
                               aleatoric = {torch::zeros({n, 2 * ops().nv()})};
    for (int64_t t = 0; t < horizon; ++t) {
      std::vector<torch::Tensor> noise;
      torch::Tensor action = a.select(1, t);
      for (size_t k = 0; k < members; ++k) {
        MemberStep step =
            ensemble_.members[k]->Step(ops(), state[k], action, parameters[k]);
        state[k] = step.next_state;
        if (context.per_member) member_states[k].push_back(state[k]);
        noise.push_back(ensemble_.members[k]->AleatoricStd(ops(), step));
      }
      torch::Tensor mean = EnsembleMean(state);
      means.push_back(mean);
      epistemic.push_back(EnsembleSpread(mean, state));
      aleatoric.push_back(RootMeanSquare(noise));
    }
    Trajectory trajectory;
    trajectory.mean = FromTorch(torch::stack(means, 1));
    trajectory.epistemic_std = FromTorch(torch::stack(epistemic, 1));
    trajectory.aleatoric_std = FromTorch(torch::stack(aleatoric, 1));
    if (context.per_member) {
      std::vector<torch::Tensor> stacked;
      for (const auto& states : member_states) {
        stacked.push_back(torch::stack(states, 1));
      }
      trajectory.member_mean = FromTorch(torch::stack(stacked));
    }
    return trajectory;
  }

  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    if (!ensemble_.members.front()->uses_parameters()) {
      return absl::FailedPreconditionError(
          absl::StrCat("a ", kind(), " model infers no physical parameters"));
    }
    if (!history.has_history()) {
      return absl::InvalidArgumentError(
          "InferParameters needs context.history_states and "
          "context.history_actions");
    }
    WM_RETURN_IF_ERROR(CheckContext(spec(), accepted_parameters(), 1, history));
    c10::InferenceMode inference;
    std::vector<torch::Tensor> means, variances;
    for (const auto& member : ensemble_.members) {
      auto [mean, log_variance] =
          member->Encode(ops(), ToTorch(history.history_states),
                         ToTorch(history.history_actions));
      means.push_back(ops().DenormalizeParameters(mean.select(0, 0)));
      auto scale = ops().DenormalizeParameters(torch::ones_like(mean)) -
                   ops().DenormalizeParameters(torch::zeros_like(mean));
      variances.push_back(
          (torch::exp(log_variance) * scale * scale).select(0, 0));
    }
    torch::Tensor stacked = torch::stack(means);
    torch::Tensor mean = stacked.mean(0);
    torch::Tensor variance =
        torch::stack(variances).mean(0) + stacked.var(0, /*unbiased=*/false);
    ParameterEstimate estimate;
    estimate.parameters = parameters_;
    for (int64_t p = 0; p < mean.size(0); ++p) {
      estimate.mean.push_back(mean[p].item<float>());
      estimate.std.push_back(std::sqrt(variance[p].item<float>()));
    }
    return estimate;
  }

 private:
  const StateOps& ops() const { return *ensemble_.ops; }
  // Explicit parameters the model reads: none for blackbox.
  int64_t accepted_parameters() const {
    return ensemble_.members.front()->uses_parameters() ? parameters_.size()
                                                        : 0;
  }

  // Member k's normalised parameters [batch, P]: explicit ones, else its own
  // inference from the history, else the training mean (zeros).
  torch::Tensor MemberParameters(size_t k, const Context& context,
                                 int64_t batch) const {
    const int p = ops().num_parameters();
    if (!ensemble_.members[k]->uses_parameters())
      return torch::zeros({batch, 0});
    if (context.has_parameters()) {
      return ops()
          .NormalizeParameters(ToTorch(context.parameters))
          .expand({batch, p});
    }
    if (context.has_history()) {
      return ensemble_.members[k]
          ->Encode(ops(), ToTorch(context.history_states),
                   ToTorch(context.history_actions))
          .first.expand({batch, p});
    }
    return torch::zeros({batch, p});
  }

  // Average of member states [B, nx]; quaternions sign-aligned to member 0,
  // averaged, normalised.
  torch::Tensor EnsembleMean(const std::vector<torch::Tensor>& states) const {
    std::vector<torch::Tensor> aligned = {states.front()};
    const std::vector<int>& quaternions = quaternion_offsets_;
    for (size_t k = 1; k < states.size(); ++k) {
      torch::Tensor s = states[k];
      for (int offset : quaternions) {
        auto dot =
            (s.narrow(1, offset, 4) * states.front().narrow(1, offset, 4))
                .sum(1, true);
        auto sign = torch::where(dot < 0, -1.0, 1.0);
        s = torch::cat({s.narrow(1, 0, offset), s.narrow(1, offset, 4) * sign,
                        s.narrow(1, offset + 4, s.size(1) - offset - 4)},
                       1);
      }
      aligned.push_back(s);
    }
    torch::Tensor mean = torch::stack(aligned).mean(0);
    for (int offset : quaternions) {
      auto q = mean.narrow(1, offset, 4);
      q.copy_(q / q.norm(2, 1, true).clamp_min(1e-12));
    }
    return mean;
  }

  // Tangent-space spread of members around the mean, [B, 2 nv].
  torch::Tensor EnsembleSpread(const torch::Tensor& mean,
                               const std::vector<torch::Tensor>& states) const {
    std::vector<torch::Tensor> deltas;
    for (const auto& s : states) deltas.push_back(ops().TangentDelta(mean, s));
    return RootMeanSquare(deltas);
  }

  static torch::Tensor RootMeanSquare(const std::vector<torch::Tensor>& xs) {
    return torch::sqrt(torch::stack(xs).pow(2).mean(0));
  }

  v1::CheckpointManifest manifest_;
  LearnedEnsemble ensemble_;
  std::vector<v1::ParameterInfo> parameters_;
  std::vector<int> quaternion_offsets_;  // qpos offsets of quaternion w
};

}  // namespace

absl::StatusOr<std::unique_ptr<WorldModel>> LoadLearnedModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest) {
  if (manifest.kind() != "physics" && manifest.kind() != "blackbox") {
    return absl::InvalidArgumentError(absl::StrCat(
        version_dir, ": kind '", manifest.kind(), "' is not a learned kind"));
  }
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  WM_RETURN_IF_ERROR(LoadEnsembleWeights(
      absl::StrCat(version_dir, "/weights.pt"), ensemble.members));
  return std::unique_ptr<WorldModel>(
      new LearnedModel(manifest, std::move(ensemble)));
}

}  // namespace wm::worldmodel

#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {

void RegisterLearnedModels(ModelFactory* factory) {
  factory->Register("physics", LoadLearnedModel);
  factory->Register("blackbox", LoadLearnedModel);
}

}  // namespace wm::worldmodel
