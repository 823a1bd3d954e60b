#ifndef WM_WORLDMODEL_LEARNED_LEARNED_NETWORKS_H_
#define WM_WORLDMODEL_LEARNED_LEARNED_NETWORKS_H_

// The LibTorch networks of the learned model kinds: one ensemble member
// each. Internal to the LibTorch target (includes torch headers).

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "worldmodel/learned/torch_state_ops.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

// One member's one-step prediction for states [B, nx] and actions [B, nu].
struct MemberStep {
  torch::Tensor next_state;  // [B, nx]
  // The normalised quantity the member predicts and its log-variance:
  // physics: the velocity change [B, nv]; blackbox: the tangent delta
  // [B, 2 nv]; hybrid: the correction of MuJoCo's tangent delta [B, 2 nv].
  // Physics and blackbox hold `mean`, the position correction and the
  // aleatoric std at 0 on entries that never varied in training
  // (StateNormalization::delta_varies): there they predict the training mean
  // change.
  torch::Tensor mean;
  torch::Tensor log_variance;
  // Physics only: the normalised within-step position correction [B, nv]
  // (see StateIntegration::IntegrateVelocityChange), in velocity_delta_std
  // units.
  torch::Tensor position_correction;
};

// An ensemble member. Forward passes are thread-safe under
// torch::InferenceMode; training uses one member per thread.
class MemberNetwork : public torch::nn::Module {
 public:
  // True when the member reads physical parameters (physics kind).
  virtual bool uses_parameters() const = 0;
  // Normalised parameter estimate (mean, log-variance) [B, P] from a history
  // of states [B, L + 1, nx] and actions [B, L, nu].
  virtual std::pair<torch::Tensor, torch::Tensor> Encode(
      const StateOps& ops, const torch::Tensor& history_states,
      const torch::Tensor& history_actions) = 0;
  // The parameters a history reveals, as Encode, for use: the physics kind
  // refines the encoder's estimate with its own dynamics (see
  // learned_networks.cc). Others: Encode.
  virtual std::pair<torch::Tensor, torch::Tensor> Identify(
      const StateOps& ops, const torch::Tensor& history_states,
      const torch::Tensor& history_actions) {
    return Encode(ops, history_states, history_actions);
  }
  // One step with normalised parameters [B, P] (ignored by blackbox; for
  // hybrid: the normalised tangent delta of the MuJoCo step [B, 2 nv]).
  virtual MemberStep Step(const StateOps& ops, const torch::Tensor& states,
                          const torch::Tensor& actions,
                          const torch::Tensor& parameters) = 0;
  // The member's predicted noise as a tangent-space std [B, 2 nv], from a
  // step's log-variance.
  virtual torch::Tensor AleatoricStd(const StateOps& ops,
                                     const MemberStep& step) const = 0;
  // Penalty that keeps the learned log-variance bounds tight (PETS).
  torch::Tensor BoundPenalty() const;

  // Makes this member compute all of `members` (same kind and sizes) at
  // once, for inference: every input then holds K blocks of rows (block k
  // for member k, e.g. states.repeat({K, 1})), and outputs come back in the
  // same blocks. See StackMembers.
  virtual void StackFrom(const std::vector<const MemberNetwork*>& members) = 0;

 protected:
  // Soft-bounded log-variance between learned min and max (PETS).
  torch::Tensor BoundLogVariance(const torch::Tensor& raw) const;
  void RegisterBounds(int size);
  void StackBounds(const std::vector<const MemberNetwork*>& members);

  torch::Tensor max_log_variance_, min_log_variance_;
  // Set by StackBounds: the members' bounds [K, 1, size].
  torch::Tensor stacked_max_log_variance_, stacked_min_log_variance_;
};

// Copies every parameter of `from` into `to`, a member built with the same
// kind and sizes (early stopping keeps the best weights this way).
void CopyParameters(const MemberNetwork& from, MemberNetwork& to);

// Whether every gradient of `member` is finite (undefined ones count as
// such). A training step with a non-finite loss or gradient is skipped:
// applied, it would turn every weight to NaN.
bool GradientsFinite(const MemberNetwork& member);

// Consecutive non-finite training steps after which a member counts as
// diverged.
constexpr int kMaxConsecutiveNonFiniteSteps = 100;

// Creates a member of a learned `kind` (physics, blackbox or hybrid;
// CHECK-fails for mujoco) with the given hidden widths for `ops`. Weights are
// initialised from torch's generator: seed it first (torch::manual_seed) for
// reproducible members.
std::shared_ptr<MemberNetwork> MakeMember(ModelKind kind, const StateOps& ops,
                                          const std::vector<int>& hidden);

// Hybrid members only (CHECK-fails otherwise): the per-entry tangent scale
// of the correction the member predicts (step.mean * it is the correction
// in tangent units), [2 nv]; and setting it (training, from the data).
torch::Tensor HybridCorrectionStd(const MemberNetwork& member);
void SetHybridCorrectionStd(MemberNetwork& member,
                            const torch::Tensor& correction_std);

// One network computing all `members` (of `kind`, built with `hidden` for
// `ops`) in one set of batched operations, for inference: K members cost
// about as many LibTorch calls as one. Inputs hold K blocks of rows, block k
// for member k; outputs likewise. A copy of the weights; not trainable.
std::shared_ptr<MemberNetwork> StackMembers(
    ModelKind kind, const StateOps& ops, const std::vector<int>& hidden,
    const std::vector<std::shared_ptr<MemberNetwork>>& members);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_LEARNED_NETWORKS_H_
