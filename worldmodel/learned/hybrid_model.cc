#include "worldmodel/learned/hybrid_model.h"

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"
#include "worldmodel/learned/fused_ensemble.h"
#include "worldmodel/learned/learned_ensemble.h"
#include "worldmodel/learned/weights_file.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/tensor_checks.h"

namespace wm::worldmodel {
namespace {

// MuJoCo base plus residual members, all K run stacked (StackMembers): the
// tensors given to the stacked network hold K blocks of rows. On the fused
// path the members run in FusedEnsemble and the step's assembly in plain
// C++ (FusedResidual), the same arithmetic.
class HybridModel : public WorldModel {
 public:
  HybridModel(v1::CheckpointManifest manifest,
              std::unique_ptr<MujocoModel> base, LearnedEnsemble ensemble,
              InferencePath path)
      : manifest_(std::move(manifest)),
        base_(std::move(base)),
        ensemble_(std::move(ensemble)) {
    for (auto& member : ensemble_.members) member->eval();
    stacked_ = StackMembers(ensemble_.kind, ops(), ensemble_.hidden,
                            ensemble_.members);
    if (path == InferencePath::kFused) {
      fused_ = std::make_unique<FusedEnsemble>(ensemble_);
    }
  }

  std::string kind() const override {
    return ModelKindName(ModelKind::kHybrid);
  }
  const v1::StateSpec& spec() const override { return base_->spec(); }
  double dt() const override { return base_->dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return base_->parameters();
  }

  absl::StatusOr<Prediction> Predict(const Tensor& states,
                                     const Tensor& actions,
                                     const Context& context) const override {
    WM_RETURN_IF_ERROR(CheckPredictInputs(spec(), states, actions));
    const int64_t batch = states.shape[0];
    WM_RETURN_IF_ERROR(
        CheckContext(spec(), parameters().size(), batch, context));
    if (fused_) {
      WM_ASSIGN_OR_RETURN(FusedStep step,
                          FusedResidual(states.data, actions, context, batch));
      Prediction prediction;
      prediction.mean = {{batch, ops().nx()}, std::move(step.mean)};
      prediction.epistemic_std = SquareRoot(step.epistemic_variance, batch);
      prediction.aleatoric_std = SquareRoot(step.aleatoric_variance, batch);
      if (context.per_member) {
        prediction.member_mean = {{members(), batch, ops().nx()},
                                  std::move(step.members)};
      }
      return prediction;
    }
    c10::InferenceMode inference;
    WM_ASSIGN_OR_RETURN(Step step,
                        Residual(ToTorch(states), actions, context, batch));
    Prediction prediction;
    prediction.mean = FromTorch(step.mean);
    prediction.epistemic_std = FromTorch(step.epistemic_variance.sqrt());
    prediction.aleatoric_std = FromTorch(step.aleatoric_variance.sqrt());
    if (context.per_member) prediction.member_mean = FromTorch(step.members);
    return prediction;
  }

  absl::StatusOr<Trajectory> Rollout(const Tensor& initial,
                                     const Tensor& actions,
                                     const Context& context) const override {
    WM_RETURN_IF_ERROR(CheckRolloutInputs(spec(), initial, actions));
    const int64_t n = actions.shape[0], horizon = actions.shape[1];
    const int nu = spec().nu(), nx = ops().nx(), width = 2 * ops().nv();
    WM_RETURN_IF_ERROR(CheckContext(spec(), parameters().size(), n, context));
    if (fused_) return FusedRollout(initial, actions, context);
    c10::InferenceMode inference;
    torch::Tensor state = ToTorch(initial).expand({n, nx}).contiguous();
    torch::Tensor all_actions = ToTorch(actions);
    torch::Tensor epistemic = torch::zeros({n, width});
    torch::Tensor aleatoric = torch::zeros({n, width});
    std::vector<torch::Tensor> means = {state}, epistemics = {epistemic},
                               aleatorics = {aleatoric},
                               members = {state.unsqueeze(0).expand(
                                   {this->members(), n, nx})};
    for (int64_t t = 0; t < horizon; ++t) {
      Tensor step_actions = FromTorch(all_actions.select(1, t));
      step_actions.shape = {n, nu};
      WM_ASSIGN_OR_RETURN(Step step, Residual(state, step_actions, context, n));
      state = step.mean;
      epistemic = epistemic + step.epistemic_variance;
      aleatoric = aleatoric + step.aleatoric_variance;
      means.push_back(state);
      epistemics.push_back(epistemic.sqrt());
      aleatorics.push_back(aleatoric.sqrt());
      if (context.per_member) members.push_back(step.members);
    }
    Trajectory trajectory;
    trajectory.mean = FromTorch(torch::stack(means, 1));
    trajectory.epistemic_std = FromTorch(torch::stack(epistemics, 1));
    trajectory.aleatoric_std = FromTorch(torch::stack(aleatorics, 1));
    if (context.per_member) {
      trajectory.member_mean = FromTorch(torch::stack(members, 2));
    }
    return trajectory;
  }

  absl::StatusOr<ParameterEstimate> InferParameters(
      const Context& history) const override {
    return absl::FailedPreconditionError(
        "a hybrid model does not infer its parameters: it simulates with "
        "fixed (identified or nominal) ones or explicit context.parameters");
  }

 private:
  // One hybrid step of `batch` rows.
  struct Step {
    torch::Tensor mean;                // [B, nx]
    torch::Tensor members;             // [K, B, nx]
    torch::Tensor epistemic_variance;  // [B, 2 nv]
    torch::Tensor aleatoric_variance;  // [B, 2 nv]
  };

  // A fused hybrid step of `batch` rows, as Step in floats.
  struct FusedStep {
    std::vector<float> mean;                // [B, nx]
    std::vector<float> members;             // [K, B, nx] when per member
    std::vector<float> epistemic_variance;  // [B, 2 nv]
    std::vector<float> aleatoric_variance;  // [B, 2 nv]
  };

  // Residual on the fused path: the MuJoCo step of `states` [B, nx], then
  // the members' corrections (FusedEnsemble) combined per row.
  absl::StatusOr<FusedStep> FusedResidual(const std::vector<float>& states,
                                          const Tensor& actions,
                                          const Context& context,
                                          int64_t batch) const {
    const FusedStateOps& fops = fused_->ops();
    const int nx = fops.nx(), width = 2 * fops.nv();
    const int k = fused_->members();
    Context base_context;
    base_context.parameters = context.parameters;
    WM_ASSIGN_OR_RETURN(Prediction base, base_->Predict({{batch, nx}, states},
                                                        actions, base_context));
    // The MuJoCo tangent deltas [B, 2 nv] and their z-scores.
    std::vector<float> delta(batch * width), normalized(batch * width);
    for (int64_t r = 0; r < batch; ++r) {
      fops.TangentDelta(&states[r * nx], &base.mean.data[r * nx],
                        &delta[r * width]);
      for (int i = 0; i < width; ++i) {
        normalized[r * width + i] =
            (delta[r * width + i] - fops.delta_mean()[i]) / fops.delta_std()[i];
      }
    }
    std::vector<float> corrections(k * batch * width), noise(k * batch * width);
    FusedScratch scratch;
    for (int m = 0; m < k; ++m) {
      fused_->Step(
          m, batch, {states.data(), actions.data.data(), normalized.data()},
          {nullptr, &corrections[m * batch * width], &noise[m * batch * width]},
          &scratch);
    }
    FusedStep out;
    out.mean.resize(batch * nx);
    out.epistemic_variance.assign(batch * width, 0.0f);
    out.aleatoric_variance.assign(batch * width, 0.0f);
    if (context.per_member) out.members.resize(k * batch * nx);
    std::vector<float> mean_correction(width), total(width);
    for (int64_t r = 0; r < batch; ++r) {
      float* epistemic = &out.epistemic_variance[r * width];
      float* aleatoric = &out.aleatoric_variance[r * width];
      for (int i = 0; i < width; ++i) {
        float sum = 0.0f;
        for (int m = 0; m < k; ++m)
          sum += corrections[(m * batch + r) * width + i];
        mean_correction[i] = sum / k;
      }
      for (int m = 0; m < k; ++m) {
        const float* c = &corrections[(m * batch + r) * width];
        const float* n = &noise[(m * batch + r) * width];
        for (int i = 0; i < width; ++i) {
          const float d = c[i] - mean_correction[i];
          epistemic[i] += d * d / k;
          aleatoric[i] += n[i] * n[i] / k;
          total[i] = delta[r * width + i] + c[i];
        }
        if (context.per_member) {
          fops.TangentIntegrate(&states[r * nx], total.data(),
                                &out.members[(m * batch + r) * nx]);
        }
      }
      for (int i = 0; i < width; ++i) {
        total[i] = delta[r * width + i] + mean_correction[i];
      }
      fops.TangentIntegrate(&states[r * nx], total.data(), &out.mean[r * nx]);
    }
    return out;
  }

  // Rollout on the fused path: H fused steps from the mean state, the
  // per-step variances summed.
  absl::StatusOr<Trajectory> FusedRollout(const Tensor& initial,
                                          const Tensor& actions,
                                          const Context& context) const {
    const int64_t n = actions.shape[0], horizon = actions.shape[1];
    const int64_t steps = horizon + 1, k = members();
    const int nx = ops().nx(), nu = spec().nu(), width = 2 * ops().nv();
    std::vector<float> state(n * nx);
    for (int64_t r = 0; r < n; ++r) {
      const int64_t from = initial.shape[0] == 1 ? 0 : r;
      std::copy(&initial.data[from * nx], &initial.data[from * nx] + nx,
                &state[r * nx]);
    }
    Trajectory trajectory;
    trajectory.mean = Tensor::Filled({n, steps, nx});
    trajectory.epistemic_std = Tensor::Filled({n, steps, width});
    trajectory.aleatoric_std = Tensor::Filled({n, steps, width});
    if (context.per_member) {
      trajectory.member_mean = Tensor::Filled({k, n, steps, nx});
    }
    std::vector<float> epistemic(n * width, 0.0f), aleatoric(n * width, 0.0f);
    Tensor step_actions = Tensor::Filled({n, nu});
    for (int64_t t = 0; t <= horizon; ++t) {
      if (t > 0) {
        for (int64_t r = 0; r < n; ++r) {
          std::copy(actions.data.data() + (r * horizon + t - 1) * nu,
                    actions.data.data() + (r * horizon + t) * nu,
                    step_actions.data.data() + r * nu);
        }
        WM_ASSIGN_OR_RETURN(FusedStep step,
                            FusedResidual(state, step_actions, context, n));
        state = std::move(step.mean);
        for (int64_t i = 0; i < n * width; ++i) {
          epistemic[i] += step.epistemic_variance[i];
          aleatoric[i] += step.aleatoric_variance[i];
        }
        for (int64_t m = 0; context.per_member && m < k; ++m) {
          for (int64_t r = 0; r < n; ++r) {
            std::copy(
                &step.members[(m * n + r) * nx],
                &step.members[(m * n + r) * nx] + nx,
                &trajectory.member_mean.data[((m * n + r) * steps + t) * nx]);
          }
        }
      }
      for (int64_t r = 0; r < n; ++r) {
        std::copy(&state[r * nx], &state[r * nx] + nx,
                  &trajectory.mean.data[(r * steps + t) * nx]);
        for (int i = 0; i < width; ++i) {
          trajectory.epistemic_std.data[(r * steps + t) * width + i] =
              std::sqrt(epistemic[r * width + i]);
          trajectory.aleatoric_std.data[(r * steps + t) * width + i] =
              std::sqrt(aleatoric[r * width + i]);
        }
        for (int64_t m = 0; t == 0 && context.per_member && m < k; ++m) {
          std::copy(&state[r * nx], &state[r * nx] + nx,
                    &trajectory.member_mean.data[((m * n + r) * steps) * nx]);
        }
      }
    }
    return trajectory;
  }

  // Elementwise square roots of variances [rows, 2 nv].
  Tensor SquareRoot(const std::vector<float>& variance, int64_t rows) const {
    Tensor out = Tensor::Filled({rows, 2 * ops().nv()});
    for (size_t i = 0; i < variance.size(); ++i) {
      out.data[i] = std::sqrt(variance[i]);
    }
    return out;
  }

  const StateOps& ops() const { return *ensemble_.ops; }
  int64_t members() const { return ensemble_.members.size(); }

  // The MuJoCo step of `states` [B, nx] under `actions` [B, nu] (explicit
  // parameters from the context; a history is dropped), then the residual.
  absl::StatusOr<Step> Residual(const torch::Tensor& states,
                                const Tensor& actions, const Context& context,
                                int64_t batch) const {
    Context base_context;
    base_context.parameters = context.parameters;
    const Tensor states_tensor = FromTorch(states);
    WM_ASSIGN_OR_RETURN(Prediction base,
                        base_->Predict(states_tensor, actions, base_context));
    const int64_t k = members();
    torch::Tensor mujoco_delta = ops().integration().TangentDelta(
        states, ToTorch(base.mean));  // [B, 2 nv]
    MemberStep step = stacked_->Step(
        ops(), states.repeat({k, 1}), ToTorch(actions).repeat({k, 1}),
        ops().normalization().NormalizeDelta(mujoco_delta).repeat({k, 1}));
    torch::Tensor corrections =
        (step.mean * HybridCorrectionStd(*stacked_)).view({k, batch, -1});
    torch::Tensor mean_correction = corrections.mean(0);
    Step out;
    out.mean = ops().integration().TangentIntegrate(
        states, mujoco_delta + mean_correction);
    if (context.per_member) {
      out.members =
          ops()
              .integration()
              .TangentIntegrate(states.repeat({k, 1}),
                                mujoco_delta.repeat({k, 1}) +
                                    corrections.reshape({k * batch, -1}))
              .view({k, batch, -1});
    }
    out.epistemic_variance =
        (corrections - mean_correction.unsqueeze(0)).pow(2).mean(0);
    out.aleatoric_variance =
        stacked_->AleatoricStd(ops(), step).pow(2).view({k, batch, -1}).mean(0);
    return out;
  }

  v1::CheckpointManifest manifest_;
  std::unique_ptr<MujocoModel> base_;
  LearnedEnsemble ensemble_;
  std::shared_ptr<MemberNetwork> stacked_;  // all members, for inference
  std::unique_ptr<FusedEnsemble> fused_;    // the fused path's members
};

}  // namespace

absl::StatusOr<std::unique_ptr<WorldModel>> LoadHybridModel(
    const std::string& version_dir, const v1::CheckpointManifest& manifest,
    InferencePath path) {
  const absl::StatusOr<ModelKind> kind = ParseModelKind(manifest.kind());
  if (!kind.ok() || *kind != ModelKind::kHybrid) {
    return absl::InvalidArgumentError(absl::StrCat(
        version_dir, ": kind '", manifest.kind(), "' is not hybrid"));
  }
  WM_ASSIGN_OR_RETURN(std::unique_ptr<MujocoModel> base,
                      MujocoModel::Create(manifest.scene(),
                                          {manifest.parameter_values().begin(),
                                           manifest.parameter_values().end()}));
  const v1::StateSpec& a = base->spec();
  const v1::StateSpec& b = manifest.spec();
  if (a.nq() != b.nq() || a.nv() != b.nv() || a.nu() != b.nu()) {
    return absl::InvalidArgumentError(absl::StrCat(
        version_dir, ": the scene's state layout (nq/nv/nu ", a.nq(), "/",
        a.nv(), "/", a.nu(), ") differs from the manifest's spec"));
  }
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  WM_RETURN_IF_ERROR(
      LoadVersionWeights(version_dir, manifest, ensemble.members));
  return std::unique_ptr<WorldModel>(
      new HybridModel(manifest, std::move(base), std::move(ensemble), path));
}

}  // namespace wm::worldmodel
