#include "worldmodel/eval/toss_protocol_report.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/scene.h"
#include "util/json_writer.h"
#include "util/status_macros.h"

namespace wm::worldmodel {
namespace {

constexpr int kBootstrapResamples = 2000;
constexpr uint64_t kBootstrapSeed = 20221;

void WriteModel(JsonWriter& json, const TossModelScores& s) {
  json.BeginObject();
  json.Key("name").String(s.name).Key("kind").String(s.kind);
  json.Key("e_q").BeginObject();
  json.Key("mean").Number(s.summary.mean);
  json.Key("ci90").NumberArray({s.summary.ci90_low, s.summary.ci90_high});
  json.Key("median").Number(s.summary.median);
  json.EndObject();
  json.Key("mean_pos_err_m").Number(s.mean_pos_err_m);
  json.Key("mean_rot_err_deg").Number(s.mean_rot_err_deg);
  if (s.first_over_this.has_value()) {
    const PairedComparison& paired = *s.first_over_this;
    json.Key("model_over_this").BeginObject();
    json.Key("mean_ratio").Number(paired.mean_ratio);
    json.Key("ci90").NumberArray({paired.ci90_low, paired.ci90_high});
    json.Key("share_model_better").Number(paired.share_a_better);
    json.EndObject();
  }
  json.EndObject();
}

// Toss t's scores, each model's by its name.
void WriteToss(JsonWriter& json, const std::vector<TossModelScores>& scores,
               size_t t) {
  const TossScore& first = scores[0].tosses[t];
  json.BeginObject();
  json.Key("episode").Int(first.episode);
  json.Key("start_index").Int(first.start_index);
  json.Key("samples").Int(first.samples);
  const std::pair<const char*, double TossScore::*> measures[] = {
      {"e_q", &TossScore::e_q},
      {"pos_err_m", &TossScore::mean_pos_err_m},
      {"rot_err_deg", &TossScore::mean_rot_err_deg}};
  for (const auto& [key, measure] : measures) {
    json.Key(key).BeginObject();
    for (const TossModelScores& s : scores) {
      json.Key(s.name).Number(s.tosses[t].*measure);
    }
    json.EndObject();
  }
  json.EndObject();
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
  const size_t tosses =
      report.models.empty() ? 0 : report.models[0].tosses.size();
  JsonWriter json;
  json.BeginObject();
  json.Key("protocol").String("acosta_toss");
  json.Key("data").String(report.data);
  json.Key("tosses").Int(static_cast<int64_t>(tosses));
  json.Key("bootstrap_resamples").Int(report.bootstrap_resamples);
  json.Key("models").BeginArray();
  for (const TossModelScores& s : report.models) WriteModel(json, s);
  json.EndArray();
  json.Key("per_toss").BeginArray();
  for (size_t t = 0; t < tosses; ++t) WriteToss(json, report.models, t);
  json.EndArray();
  json.EndObject();
  return json.str() + "\n";
}

}  // namespace wm::worldmodel
