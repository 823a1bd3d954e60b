#include "worldmodel/eval/toss_protocol_report.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/scene.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

constexpr int kBootstrapResamples = 2000;
constexpr uint64_t kBootstrapSeed = 20221;

std::string Number(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.10g", value) : "null";
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string ModelJson(const TossModelScores& s) {
  std::string entry = absl::StrCat(
      "    {\"name\": ", Quoted(s.name), ", \"kind\": ", Quoted(s.kind),
      ",\n     \"e_q\": {\"mean\": ", Number(s.summary.mean), ", \"ci90\": [",
      Number(s.summary.ci90_low), ", ", Number(s.summary.ci90_high),
      "], \"median\": ", Number(s.summary.median),
      "},\n     \"mean_pos_err_m\": ", Number(s.mean_pos_err_m),
      ", \"mean_rot_err_deg\": ", Number(s.mean_rot_err_deg));
  if (s.first_over_this.has_value()) {
    const PairedComparison& paired = *s.first_over_this;
    absl::StrAppend(
        &entry, ",\n     \"model_over_this\": {\"mean_ratio\": ",
        Number(paired.mean_ratio), ", \"ci90\": [", Number(paired.ci90_low),
        ", ", Number(paired.ci90_high),
        "], \"share_model_better\": ", Number(paired.share_a_better), "}");
  }
  return entry + "}";
}

std::string TossJson(const std::vector<TossModelScores>& scores, size_t t) {
  const TossScore& first = scores[0].tosses[t];
  std::vector<std::string> e_q, pos, rot;
  for (const TossModelScores& s : scores) {
    e_q.push_back(absl::StrCat(Quoted(s.name), ": ", Number(s.tosses[t].e_q)));
    pos.push_back(
        absl::StrCat(Quoted(s.name), ": ", Number(s.tosses[t].mean_pos_err_m)));
    rot.push_back(absl::StrCat(Quoted(s.name), ": ",
                               Number(s.tosses[t].mean_rot_err_deg)));
  }
  return absl::StrCat("    {\"episode\": ", first.episode,
                      ", \"start_index\": ", first.start_index,
                      ", \"samples\": ", first.samples, ",\n     \"e_q\": {",
                      absl::StrJoin(e_q, ", "), "},\n     \"pos_err_m\": {",
                      absl::StrJoin(pos, ", "), "},\n     \"rot_err_deg\": {",
                      absl::StrJoin(rot, ", "), "}}");
}

// Scores one model on `episodes`.
absl::StatusOr<TossModelScores> ScoreModel(
    const NamedModel& named, const std::vector<datasets::Episode>& episodes,
    double gravity) {
  TossModelScores s;
  s.name = named.name;
  s.kind = named.model->kind();
  absl::StatusOr<std::vector<TossScore>> tossed =
      ScoreTosses(*named.model, episodes, gravity);
  if (!tossed.ok()) {
    return absl::Status(tossed.status().code(),
                        absl::StrCat(s.name, ": ", tossed.status().message()));
  }
  s.tosses = std::move(*tossed);
  for (const TossScore& toss : s.tosses) {
    s.e_q.push_back(toss.e_q);
    s.mean_pos_err_m += toss.mean_pos_err_m / s.tosses.size();
    s.mean_rot_err_deg += toss.mean_rot_err_deg / s.tosses.size();
  }
  s.summary =
      SummariseWithBootstrap(s.e_q, kBootstrapResamples, kBootstrapSeed);
  return s;
}

}  // namespace

absl::StatusOr<TossProtocolReport> RunTossProtocol(
    const std::vector<NamedModel>& models, const datasets::Dataset& tosses,
    const std::function<void(const std::string& name)>& on_model) {
  WM_ASSIGN_OR_RETURN(auto scene,
                      sim::Scene::Create(tosses.manifest().scene()));
  const double gravity = -scene->model().opt.gravity[2];
  std::vector<datasets::Episode> episodes;
  WM_RETURN_IF_ERROR(tosses.ForEachEpisode([&](const datasets::Episode& e) {
    episodes.push_back(e);
    return absl::OkStatus();
  }));
  if (episodes.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(tosses.directory(), " holds no episodes"));
  }
  TossProtocolReport report;
  report.data = tosses.directory();
  report.bootstrap_resamples = kBootstrapResamples;
  for (const NamedModel& named : models) {
    if (on_model) on_model(named.name);
    WM_ASSIGN_OR_RETURN(TossModelScores scores,
                        ScoreModel(named, episodes, gravity));
    if (!report.models.empty()) {
      scores.first_over_this =
          ComparePaired(report.models[0].e_q, scores.e_q, kBootstrapResamples,
                        kBootstrapSeed);
    }
    report.models.push_back(std::move(scores));
  }
  return report;
}

std::string TossProtocolJson(const TossProtocolReport& report) {
  std::vector<std::string> models, per_toss;
  for (const TossModelScores& s : report.models) models.push_back(ModelJson(s));
  const size_t tosses =
      report.models.empty() ? 0 : report.models[0].tosses.size();
  for (size_t t = 0; t < tosses; ++t) {
    per_toss.push_back(TossJson(report.models, t));
  }
  return absl::StrCat(
      "{\n  \"protocol\": \"acosta_toss\",\n  \"data\": ", Quoted(report.data),
      ",\n  \"tosses\": ", tosses,
      ",\n  \"bootstrap_resamples\": ", report.bootstrap_resamples,
      ",\n  \"models\": [\n", absl::StrJoin(models, ",\n"),
      "\n  ],\n  \"per_toss\": [\n", absl::StrJoin(per_toss, ",\n"),
      "\n  ]\n}\n");
}

}  // namespace wm::worldmodel
