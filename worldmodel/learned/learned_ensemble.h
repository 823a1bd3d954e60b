#ifndef WM_WORLDMODEL_LEARNED_LEARNED_ENSEMBLE_H_
#define WM_WORLDMODEL_LEARNED_LEARNED_ENSEMBLE_H_

// An ensemble of learned members and the state operations they share, built
// from a checkpoint manifest. Used by training and by LearnedModel. Internal
// to the LibTorch target.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wm/v1/model.pb.h"
#include "worldmodel/learned/learned_networks.h"
#include "worldmodel/learned/torch_state_ops.h"
#include "worldmodel/model_kind.h"

namespace wm::worldmodel {

struct LearnedEnsemble {
  ModelKind kind = ModelKind::kPhysics;  // a learned kind
  std::vector<int> hidden;               // the members' hidden widths
  std::unique_ptr<StateOps> ops;
  std::vector<std::shared_ptr<MemberNetwork>> members;
};

// Builds `manifest.training().ensemble_size()` members of
// `manifest.kind()`, which must name a learned kind (callers check it; other
// names CHECK-fail); member k's weights are initialised from torch seed
// (training seed + k), so a manifest always rebuilds the same initial
// ensemble.
LearnedEnsemble BuildEnsemble(const v1::CheckpointManifest& manifest);

// Default hidden widths of a kind: physics [112, 96] (under 0.25 MFLOP per
// sample-step for 5 members on the built-in scenes: 0.23 on push, the
// largest), blackbox 4 x 200, hybrid [128, 128].
std::vector<int> DefaultHidden(ModelKind kind);

// The ensemble's parameter posterior for B histories in physical units:
// the K members' estimates (`normalized` means and `log_variance`,
// [K * B, P] in member blocks) mixed: the mean of their means, and the mean
// of their variances plus the variance of their means. Returns {mean,
// variance}, each [B, P].
std::pair<torch::Tensor, torch::Tensor> MixParameterEstimates(
    const StateOps& ops, const torch::Tensor& normalized,
    const torch::Tensor& log_variance, int64_t members);

// Histories with the true parameters of the episodes they come from.
struct LabelledHistories {
  torch::Tensor states;   // [B, L + 1, nx]
  torch::Tensor actions;  // [B, L, nu]
  torch::Tensor truth;    // [B, P], NaN where unknown
};

// Per parameter, the smallest factor on the std of the ensemble's posterior
// that puts 90% of the known true values within +-kZ90 std in each of
// `sets` (the largest over the sets of the 0.9 Quantile of |error| / std,
// metrics.h, divided by kZ90), clamped to [0.1, 10]. A set with fewer than
// 20 known values of a parameter does not count for it; 1 where no set
// counts. The ensemble must read parameters (physics).
std::vector<double> CalibrateParameterStd(
    const LearnedEnsemble& ensemble,
    const std::vector<LabelledHistories>& sets);

// How surprised the ensemble is by H context histories: per history, the
// mean over its L transitions and over the tangent entries that vary in the
// data (delta std above the normaliser's floor) of the squared z-score of
// the ensemble's one-step prediction, (mean error)^2 / (epistemic^2 +
// aleatoric^2), where the mean error is the members' average tangent error
// and epistemic their spread around it. About 1 where the model is
// calibrated; large where the history does what the model cannot predict
// (parameters or states its data did not cover). `stacked` holds `members`
// members (StackMembers); states [H, L + 1, nx], actions [H, L, nu];
// `parameters` the normalised parameters the members read, [K * H, P] in
// member blocks. Returns [H] (float64). Call under InferenceMode.
torch::Tensor HistorySurprise(const StateOps& ops, MemberNetwork& stacked,
                              int64_t members, const torch::Tensor& states,
                              const torch::Tensor& actions,
                              const torch::Tensor& parameters);

// The 0.9 quantile of HistorySurprise over `histories` (labels unused), each
// scored at the parameters the members infer from it: the manifest's
// history_surprise_reference. The ensemble must read parameters (physics)
// and `histories` hold at least one.
double HistorySurpriseReference(const LearnedEnsemble& ensemble,
                                const LabelledHistories& histories);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_LEARNED_LEARNED_ENSEMBLE_H_
