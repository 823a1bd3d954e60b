#include "worldmodel/learned/learned_ensemble.h"

#include <algorithm>
#include <cmath>

#include "util/logging.h"
#include "util/quantile.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {

std::vector<int> DefaultHidden(ModelKind kind) {
  if (kind == ModelKind::kBlackbox) return {200, 200, 200, 200};
  if (kind == ModelKind::kHybrid) return {128, 128};
  return {112, 96};
}

LearnedEnsemble BuildEnsemble(const v1::CheckpointManifest& manifest) {
  LearnedEnsemble ensemble;
  absl::StatusOr<ModelKind> kind = ParseModelKind(manifest.kind());
  CHECK(kind.ok() && IsLearnedKind(*kind))
      << "BuildEnsemble: manifest kind '" << manifest.kind()
      << "' is not a learned kind";
  ensemble.kind = *kind;
  std::vector<std::string> parameter_names;
  for (const auto& parameter : manifest.parameters()) {
    parameter_names.push_back(parameter.name());
  }
  ensemble.ops = std::make_unique<StateOps>(
      manifest.spec(), manifest.normalization(), manifest.dt(),
      std::max(1, manifest.frame_skip()), parameter_names,
      manifest.horizontal_invariance());
  std::vector<int> hidden(manifest.training().hidden().begin(),
                          manifest.training().hidden().end());
  if (hidden.empty()) hidden = DefaultHidden(ensemble.kind);
  ensemble.hidden = hidden;
  const int members = std::max(1, manifest.training().ensemble_size());
  for (int k = 0; k < members; ++k) {
    torch::manual_seed(manifest.training().seed() * 1000 + k);
    ensemble.members.push_back(
        MakeMember(ensemble.kind, *ensemble.ops, hidden));
  }
  return ensemble;
}

std::pair<torch::Tensor, torch::Tensor> MixParameterEstimates(
    const StateOps& ops, const torch::Tensor& normalized,
    const torch::Tensor& log_variance, int64_t members) {
  const int64_t p = normalized.size(1);
  torch::Tensor means = ops.normalization()
                            .DenormalizeParameters(normalized)
                            .view({members, -1, p});
  torch::Tensor unit =
      ops.normalization().DenormalizeParameters(torch::ones({1, p})) -
      ops.normalization().DenormalizeParameters(torch::zeros({1, p}));
  torch::Tensor variances =
      (torch::exp(log_variance) * unit * unit).view({members, -1, p});
  return {means.mean(0), variances.mean(0) + means.var(0, /*unbiased=*/false)};
}

std::vector<double> CalibrateParameterStd(
    const LearnedEnsemble& ensemble,
    const std::vector<LabelledHistories>& sets) {
  constexpr int kMinimumKnown = 20;
  c10::InferenceMode inference;
  const int64_t k = ensemble.members.size();
  auto stacked = StackMembers(ensemble.kind, *ensemble.ops, ensemble.hidden,
                              ensemble.members);
  CHECK(stacked->uses_parameters())
      << "calibrating a " << ModelKindName(ensemble.kind)
      << " ensemble, which infers no parameters";
  const int64_t p_count = ensemble.ops->num_parameters();
  std::vector<double> largest(p_count, -1.0);  // -1: no set counts
  for (const LabelledHistories& set : sets) {
    auto [normalized, log_variance] =
        stacked->Identify(*ensemble.ops, set.states.repeat({k, 1, 1}),
                          set.actions.repeat({k, 1, 1}));
    auto [mean, variance] =
        MixParameterEstimates(*ensemble.ops, normalized, log_variance, k);
    const torch::Tensor z =
        ((mean - set.truth).abs() / variance.sqrt()).to(torch::kFloat64);
    const auto z_of = z.accessor<double, 2>();
    for (int64_t p = 0; p < p_count; ++p) {
      std::vector<double> known;
      for (int64_t b = 0; b < z.size(0); ++b) {
        if (std::isfinite(z_of[b][p])) known.push_back(z_of[b][p]);
      }
      if (static_cast<int>(known.size()) >= kMinimumKnown) {
        largest[p] = std::max(largest[p], Quantile(known, 0.9) / kZ90);
      }
    }
  }
  std::vector<double> scales;
  for (double factor : largest) {
    scales.push_back(factor >= 0 ? std::clamp(factor, 0.1, 10.0) : 1.0);
  }
  return scales;
}

torch::Tensor HistorySurprise(const StateOps& ops, MemberNetwork& stacked,
                              int64_t members, const torch::Tensor& states,
                              const torch::Tensor& actions,
                              const torch::Tensor& parameters) {
  const int64_t h = states.size(0), l = actions.size(1), k = members;
  const int64_t rows = h * l;
  const torch::Tensor from = states.narrow(1, 0, l).reshape({rows, -1});
  const torch::Tensor to = states.narrow(1, 1, l).reshape({rows, -1});
  const torch::Tensor a = actions.reshape({rows, -1});
  MemberStep step = stacked.Step(ops, from.repeat({k, 1}), a.repeat({k, 1}),
                                 parameters.repeat_interleave(l, 0));
  const torch::Tensor errors =
      ops.integration()
          .TangentDelta(to.repeat({k, 1}), step.next_state)
          .view({k, rows, -1});
  const torch::Tensor mean_error = errors.mean(0);
  const torch::Tensor variance =
      (errors - mean_error).pow(2).mean(0) +
      stacked.AleatoricStd(ops, step).view({k, rows, -1}).pow(2).mean(0);
  const torch::Tensor varies =
      ops.normalization().delta_varies().to(torch::kFloat64);
  const torch::Tensor z2 =
      (mean_error.pow(2) / variance.clamp_min(1e-30)).to(torch::kFloat64) *
      varies;
  return z2.view({h, l, -1}).sum({1, 2}) /
         (static_cast<double>(l) * varies.sum().clamp_min(1.0));
}

double HistorySurpriseReference(const LearnedEnsemble& ensemble,
                                const LabelledHistories& histories) {
  c10::InferenceMode inference;
  const int64_t k = ensemble.members.size();
  auto stacked = StackMembers(ensemble.kind, *ensemble.ops, ensemble.hidden,
                              ensemble.members);
  CHECK(stacked->uses_parameters())
      << "calibrating the surprise of a " << ModelKindName(ensemble.kind)
      << " ensemble, which infers no parameters";
  const torch::Tensor parameters =
      stacked
          ->Identify(*ensemble.ops, histories.states.repeat({k, 1, 1}),
                     histories.actions.repeat({k, 1, 1}))
          .first;
  const torch::Tensor surprise =
      HistorySurprise(*ensemble.ops, *stacked, k, histories.states,
                      histories.actions, parameters)
          .contiguous();
  return Quantile(
      std::vector<double>(surprise.data_ptr<double>(),
                          surprise.data_ptr<double>() + surprise.numel()),
      0.9);
}

}  // namespace wm::worldmodel
