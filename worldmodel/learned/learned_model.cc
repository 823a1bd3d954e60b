#include "worldmodel/learned/learned_model.h"

#include <torch/torch.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/learned/fused_answers.h"
#include "worldmodel/learned/fused_call_cache.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/tensor_checks.h"

namespace wm::worldmodel {
namespace {

// An ensemble of learned members behind WorldModel. Members' predictions are
// averaged (quaternions sign-aligned, then normalised); their spread is the
// epistemic std (with, for parameters beyond the training data's range, what
// the prediction owes to that extrapolation: AddExtrapolation; and, for a
// context history more surprising than the validation data's, the excess:
// AddSurprise), their own predicted noise the aleatoric std. All K members
// run stacked in one network (StackMembers): tensors carry K blocks of rows,
// block k for member k, so a call costs one set of LibTorch operations.
// On the fused path (InferencePath::kFused), Predict and Rollout run the
// same arithmetic in FusedPredict / FusedRollout (fused_answers.h); the
// stacked LibTorch network then only identifies and scores context
// histories, once per call.
class LearnedModel : public WorldModel {
 public:
  LearnedModel(v1::CheckpointManifest manifest, LearnedEnsemble ensemble,
               InferencePath path)
      : manifest_(std::move(manifest)), ensemble_(std::move(ensemble)) {
    for (auto& member : ensemble_.members) member->eval();
    stacked_ = StackMembers(ensemble_.kind, ops(), ensemble_.hidden,
                            ensemble_.members);
    if (path == InferencePath::kFused) {
      fused_ = std::make_unique<FusedEnsemble>(ensemble_);
    }
    // Only a kind that reads physical parameters lists them.
    if (stacked_->uses_parameters()) {
      parameters_.assign(manifest_.parameters().begin(),
                         manifest_.parameters().end());
    }
    for (const auto& joint : manifest_.spec().joints()) {
      if (joint.quaternion_offset() >= 0) {
        quaternion_offsets_.push_back(joint.quaternion_offset());
      }
    }
    SetTrainingRange();
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
        CheckContext(spec(), parameters_.size(), batch, context));
    if (fused_) {
      return FusedPredict(*fused_, quaternion_offsets_, states, actions,
                          PrepareFusedCall(context, batch));
    }
    c10::InferenceMode inference;
    const int64_t k = members();
    const torch::Tensor start = ToTorch(states).repeat({k, 1});
    const torch::Tensor a = ToTorch(actions).repeat({k, 1});
    const torch::Tensor parameters = StackedParameters(context, batch);
    MemberStep step = stacked_->Step(ops(), start, a, parameters);
    torch::Tensor next = step.next_state.view({k, batch, -1});
    torch::Tensor mean = EnsembleMean(next);
    torch::Tensor spread = EnsembleSpread(mean, next);
    if (std::optional<torch::Tensor> in_range = InRange(parameters)) {
      spread = AddExtrapolation(
          spread, step.next_state,
          stacked_->Step(ops(), start, a, *in_range).next_state, batch);
    }
    const torch::Tensor aleatoric = RootMeanSquare(
        stacked_->AleatoricStd(ops(), step).view({k, batch, -1}));
    if (std::optional<torch::Tensor> surprise =
            SurpriseFactor(context, parameters, batch)) {
      spread = AddSurprise(spread, aleatoric, *surprise);
    }
    Prediction prediction;
    prediction.mean = FromTorch(mean);
    prediction.epistemic_std = FromTorch(spread);
    prediction.aleatoric_std = FromTorch(aleatoric);
    if (context.per_member) prediction.member_mean = FromTorch(next);
    return prediction;
  }

  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    WM_RETURN_IF_ERROR(CheckRolloutInputs(spec(), initial, actions));
    const int64_t n = actions.shape[0], horizon = actions.shape[1];
    WM_RETURN_IF_ERROR(CheckContext(spec(), parameters_.size(), n, context));
    if (fused_) {
      return FusedRollout(*fused_, quaternion_offsets_, initial, actions,
                          PrepareFusedCall(context, n));
    }
    c10::InferenceMode inference;
    const int64_t k = members();
    torch::Tensor start = ToTorch(initial).expand({n, ops().nx()});
    torch::Tensor a = ToTorch(actions).repeat({k, 1, 1});
    torch::Tensor parameters = StackedParameters(context, n);
    const std::optional<torch::Tensor> in_range = InRange(parameters);
    const std::optional<torch::Tensor> surprise =
        SurpriseFactor(context, parameters, n);
    torch::Tensor state = start.repeat({k, 1});
    torch::Tensor in_range_state = state;
    std::vector<torch::Tensor> means = {start}, members_states = {state},
                               epistemic = {torch::zeros({n, 2 * ops().nv()})},
                               aleatoric = {torch::zeros({n, 2 * ops().nv()})};
    for (int64_t t = 0; t < horizon; ++t) {
      MemberStep step =
          stacked_->Step(ops(), state, a.select(1, t), parameters);
      state = step.next_state;
      torch::Tensor next = state.view({k, n, -1});
      torch::Tensor mean = EnsembleMean(next);
      means.push_back(mean);
      if (context.per_member) members_states.push_back(state);
      torch::Tensor spread = EnsembleSpread(mean, next);
      if (in_range) {
        in_range_state =
            stacked_->Step(ops(), in_range_state, a.select(1, t), *in_range)
                .next_state;
        spread = AddExtrapolation(spread, state, in_range_state, n);
      }
      torch::Tensor noise =
          RootMeanSquare(stacked_->AleatoricStd(ops(), step).view({k, n, -1}));
      if (surprise) spread = AddSurprise(spread, noise, *surprise);
      epistemic.push_back(spread);
      aleatoric.push_back(noise);
    }
    Trajectory trajectory;
    trajectory.mean = FromTorch(torch::stack(means, 1));
    trajectory.epistemic_std = FromTorch(torch::stack(epistemic, 1));
    trajectory.aleatoric_std = FromTorch(torch::stack(aleatoric, 1));
    if (context.per_member) {
      trajectory.member_mean = FromTorch(
          torch::stack(members_states, 1).view({k, n, horizon + 1, -1}));
    }
    return trajectory;
  }

  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    if (!stacked_->uses_parameters()) {
      return absl::FailedPreconditionError(
          absl::StrCat("a ", kind(), " model infers no physical parameters"));
    }
    if (!history.has_history()) {
      return absl::InvalidArgumentError(
          "InferParameters needs context.history_states and "
          "context.history_actions");
    }
    WM_RETURN_IF_ERROR(CheckContext(spec(), parameters_.size(), 1, history));
    c10::InferenceMode inference;
    const int64_t k = members();
    auto [normalized, log_variance] = stacked_->Identify(
        ops(), ToTorch(history.history_states).repeat({k, 1, 1}),
        ToTorch(history.history_actions).repeat({k, 1, 1}));
    auto [mean, variance] =
        MixParameterEstimates(ops(), normalized, log_variance, k);
    const auto& scales = manifest_.parameter_std_scale();
    ParameterEstimate estimate;
    estimate.parameters = parameters_;
    for (int64_t p = 0; p < mean.size(1); ++p) {
      const double scale = p < scales.size() ? scales[p] : 1.0;
      estimate.mean.push_back(mean[0][p].item<float>());
      estimate.std.push_back(scale * std::sqrt(variance[0][p].item<float>()));
    }
    return estimate;
  }

 private:
  const StateOps& ops() const { return *ensemble_.ops; }
  int64_t members() const { return ensemble_.members.size(); }

  // Normalised parameters [K * batch, P] in member blocks: explicit ones,
  // else each member's inference from the history, else the training mean
  // (zeros).
  torch::Tensor StackedParameters(const Context& context, int64_t batch) const {
    const int64_t k = members(), p = ops().num_parameters();
    if (!stacked_->uses_parameters()) return torch::zeros({k * batch, 0});
    if (context.has_parameters()) {
      return ops()
          .normalization()
          .NormalizeParameters(ToTorch(context.parameters))
          .expand({batch, p})
          .repeat({k, 1});
    }
    if (context.has_history()) {
      torch::Tensor estimate =
          stacked_
              ->Identify(ops(),
                         ToTorch(context.history_states).repeat({k, 1, 1}),
                         ToTorch(context.history_actions).repeat({k, 1, 1}))
              .first;
      // One history per call ([K, P]) or one per row ([K * batch, P]).
      return estimate.size(0) == k ? estimate.repeat_interleave(batch, 0)
                                   : estimate;
    }
    return torch::zeros({k * batch, p});
  }

  // ComputeFusedCall's answer, from call_cache_ when the same history was
  // prepared for as many rows before.
  FusedCall PrepareFusedCall(const Context& context, int64_t rows) const {
    if (!FusedCallCache::Cacheable(context)) {
      return ComputeFusedCall(context, rows);
    }
    if (std::optional<FusedCall> cached = call_cache_.Find(context, rows)) {
      return *std::move(cached);
    }
    FusedCall call = ComputeFusedCall(context, rows);
    call_cache_.Store(context, rows, call);
    return call;
  }

  // A fused call's parameters, in-range parameters and surprise factors for
  // `rows` rows, as StackedParameters, InRange and SurpriseFactor compute
  // them: explicit parameters and the training mean in plain C++, a
  // history's identification and surprise in LibTorch.
  FusedCall ComputeFusedCall(const Context& context, int64_t rows) const {
    FusedCall call;
    call.per_member = context.per_member;
    const int64_t k = members(), p = ops().num_parameters();
    if (!stacked_->uses_parameters()) return call;
    const FusedStateOps& fused_ops = fused_->ops();
    call.parameters.assign(k * rows * p, 0.0f);
    if (context.has_parameters()) {
      const bool one_row = context.parameters.shape[0] == 1;
      for (int64_t r = 0; r < rows; ++r) {
        fused_ops.NormalizeParameters(
            context.parameters.data.data() + (one_row ? 0 : r) * p,
            call.parameters.data() + r * p);
      }
      for (int64_t m = 1; m < k; ++m) {
        std::copy(call.parameters.begin(), call.parameters.begin() + rows * p,
                  call.parameters.begin() + m * rows * p);
      }
    } else if (context.has_history()) {
      c10::InferenceMode inference;
      call.parameters = FromTorch(StackedParameters(context, rows)).data;
    }
    if (!range_low_vector_.empty()) {
      call.in_range = call.parameters;
      bool clamped = false;
      for (size_t i = 0; i < call.in_range.size(); ++i) {
        const float low = range_low_vector_[i % p];
        const float high = range_high_vector_[i % p];
        const float value = std::max(std::min(call.in_range[i], high), low);
        clamped = clamped || value != call.in_range[i];
        call.in_range[i] = value;
      }
      if (!clamped) call.in_range.clear();
    }
    if (manifest_.history_surprise_reference() > 0 && context.has_history()) {
      c10::InferenceMode inference;
      const torch::Tensor parameters =
          torch::from_blob(call.parameters.data(), {k * rows, p});
      if (std::optional<torch::Tensor> factor =
              SurpriseFactor(context, parameters, rows)) {
        call.surprise = FromTorch(*factor).data;
      }
    }
    return call;
  }

  // The normalised training range of each parameter, from the randomize
  // list of the scene the model was trained on (none when a parameter is
  // not listed there, as for real logs' scenes).
  void SetTrainingRange() {
    if (!stacked_->uses_parameters() || parameters_.empty()) return;
    std::vector<float> low, high;
    for (const v1::ParameterInfo& parameter : parameters_) {
      bool found = false;
      for (const v1::ParameterRange& range : manifest_.scene().randomize()) {
        if (absl::StrCat(range.element(), "/", range.quantity()) ==
            parameter.name()) {
          low.push_back(range.min());
          high.push_back(range.max());
          found = true;
        }
      }
      if (!found) return;
    }
    const int64_t p = static_cast<int64_t>(low.size());
    range_low_ = ops().normalization().NormalizeParameters(
        torch::tensor(low).view({1, p}));
    range_high_ = ops().normalization().NormalizeParameters(
        torch::tensor(high).view({1, p}));
    range_low_vector_ = FromTorch(range_low_).data;
    range_high_vector_ = FromTorch(range_high_).data;
  }

  // Normalised parameters [K * B, P] clamped into the training range, when
  // any lies outside it; nullopt when all lie inside (or no range is known).
  std::optional<torch::Tensor> InRange(const torch::Tensor& parameters) const {
    if (!range_low_.defined() || parameters.size(1) == 0) return std::nullopt;
    torch::Tensor clamped =
        torch::max(torch::min(parameters, range_high_), range_low_);
    if (torch::equal(clamped, parameters)) return std::nullopt;
    return clamped;
  }

  // `spread` [B, 2 nv] with each member's tangent difference between its
  // states at the given parameters and at the parameters clamped into the
  // training range ([K * B, nx] each) added in quadrature (root mean square
  // over members): what the prediction owes to extrapolating a parameter
  // beyond the data counts as epistemic uncertainty.
  torch::Tensor AddExtrapolation(const torch::Tensor& spread,
                                 const torch::Tensor& states,
                                 const torch::Tensor& in_range_states,
                                 int64_t batch) const {
    torch::Tensor extrapolation =
        RootMeanSquare(ops()
                           .integration()
                           .TangentDelta(in_range_states, states)
                           .view({members(), batch, -1}));
    return torch::sqrt(spread.pow(2) + extrapolation.pow(2));
  }

  // Per row [B, 1], the factor (> 1) by which the context history's
  // surprise (HistorySurprise, at the members' `parameters` [K * B, P])
  // exceeds the manifest's history_surprise_reference; nullopt when it does
  // not, or without a history or a reference. One history for all rows is
  // scored at row 0's parameters.
  std::optional<torch::Tensor> SurpriseFactor(const Context& context,
                                              const torch::Tensor& parameters,
                                              int64_t batch) const {
    const double reference = manifest_.history_surprise_reference();
    if (reference <= 0 || !context.has_history()) return std::nullopt;
    const torch::Tensor states = ToTorch(context.history_states);
    const int64_t histories = states.size(0);
    const torch::Tensor per_history =
        histories == batch
            ? parameters
            : parameters.view({members(), batch, -1}).select(1, 0);
    const torch::Tensor factor =
        (HistorySurprise(ops(), *stacked_, members(), states,
                         ToTorch(context.history_actions), per_history) /
         reference)
            .clamp_min(1.0)
            .to(torch::kFloat32)
            .view({histories, 1});
    if (!(factor > 1.0).any().item<bool>()) return std::nullopt;
    return factor.expand({batch, 1});
  }

  // `spread` [B, d] widened so that the whole predictive variance
  // (epistemic^2 + aleatoric^2) grows by `factor` [B, 1]: the excess
  // surprise counts as epistemic, what the model does not know here.
  static torch::Tensor AddSurprise(const torch::Tensor& spread,
                                   const torch::Tensor& aleatoric,
                                   const torch::Tensor& factor) {
    return torch::sqrt(factor * spread.pow(2) +
                       (factor - 1.0) * aleatoric.pow(2));
  }

  // Average of member states [K, B, nx] -> [B, nx]; quaternions sign-aligned
  // to member 0, averaged, normalised.
  torch::Tensor EnsembleMean(const torch::Tensor& states) const {
    torch::Tensor aligned = states;
    if (!quaternion_offsets_.empty()) {
      aligned = states.clone();
      for (int offset : quaternion_offsets_) {
        auto q = aligned.narrow(2, offset, 4);
        auto dot = (q * q.select(0, 0).unsqueeze(0)).sum(2, true);
        q.mul_(torch::where(dot < 0, -1.0, 1.0));
      }
    }
    torch::Tensor mean = aligned.mean(0);
    for (int offset : quaternion_offsets_) {
      auto q = mean.narrow(1, offset, 4);
      q.copy_(q / q.norm(2, 1, true).clamp_min(1e-12));
    }
    return mean;
  }

  // Tangent-space spread of members [K, B, nx] around the mean, [B, 2 nv].
  torch::Tensor EnsembleSpread(const torch::Tensor& mean,
                               const torch::Tensor& states) const {
    const int64_t k = states.size(0), batch = states.size(1);
    torch::Tensor deltas = ops().integration().TangentDelta(
        mean.repeat({k, 1}), states.reshape({k * batch, -1}));
    return RootMeanSquare(deltas.view({k, batch, -1}));
  }

  // sqrt of the mean over members of x^2, for x [K, B, d] -> [B, d].
  static torch::Tensor RootMeanSquare(const torch::Tensor& x) {
    return torch::sqrt(x.pow(2).mean(0));
  }

  v1::CheckpointManifest manifest_;
  LearnedEnsemble ensemble_;
  std::shared_ptr<MemberNetwork> stacked_;  // all members, for inference
  std::vector<v1::ParameterInfo> parameters_;
  std::vector<int> quaternion_offsets_;  // qpos offsets of quaternion w
  // Normalised training range [1, P] of the parameters (undefined: none).
  torch::Tensor range_low_, range_high_;
  std::vector<float> range_low_vector_, range_high_vector_;  // [P] each
  std::unique_ptr<FusedEnsemble> fused_;  // the fused path's members
  mutable FusedCallCache call_cache_;     // calls prepared from histories
};

}  // namespace

double StepFlopsPerRow(const v1::CheckpointManifest& manifest) {
  return FusedEnsemble(BuildEnsemble(manifest)).FlopsPerRow();
}

absl::StatusOr<std::unique_ptr<WorldModel>> LoadLearnedModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    InferencePath path) {
  const absl::StatusOr<ModelKind> kind = ParseModelKind(manifest.kind());
  if (!kind.ok() ||
      (*kind != ModelKind::kPhysics && *kind != ModelKind::kBlackbox)) {
    return absl::InvalidArgumentError(absl::StrCat(
        version_dir, ": kind '", manifest.kind(), "' is not a learned kind"));
  }
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  WM_RETURN_IF_ERROR(
      LoadVersionWeights(version_dir, manifest, ensemble.members));
  return std::unique_ptr<WorldModel>(
      new LearnedModel(manifest, std::move(ensemble), path));
}

}  // namespace wm::worldmodel

#include "worldmodel/learned/hybrid_model.h"
#include "worldmodel/model_factory.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {

void RegisterLearnedModels(ModelFactory* factory) {
  RegisterMujocoModel(factory);
  auto learned = [](const std::string& version_dir,
                    const v1::CheckpointManifest& manifest) {
    return LoadLearnedModel(version_dir, manifest, InferencePath::kFused);
  };
  factory->Register(ModelKindName(ModelKind::kPhysics), learned);
  factory->Register(ModelKindName(ModelKind::kBlackbox), learned);
  factory->Register(ModelKindName(ModelKind::kHybrid),
                    [](const std::string& version_dir,
                       const v1::CheckpointManifest& manifest) {
                      return LoadHybridModel(version_dir, manifest,
                                             InferencePath::kFused);
                    });
}

}  // namespace wm::worldmodel
