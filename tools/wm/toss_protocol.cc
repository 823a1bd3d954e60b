#include "tools/wm/toss_protocol.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/scene.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "worldmodel/eval/acosta_toss_protocol.h"

namespace wm::tools {
namespace {

using worldmodel::BootstrapSummary;
using worldmodel::PairedComparison;
using worldmodel::TossScore;

constexpr int kBootstrapResamples = 2000;
constexpr uint64_t kBootstrapSeed = 20221;

struct ModelScores {
  std::string name;
  std::string kind;
  std::vector<TossScore> tosses;
  std::vector<double> e_q;
  BootstrapSummary summary;
  double mean_pos_err_m = 0;
  double mean_rot_err_deg = 0;
};

std::string Number(double value) { return absl::StrFormat("%.10g", value); }

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string ToJson(const std::vector<ModelScores>& scores,
                   const datasets::Dataset& tosses) {
  std::vector<std::string> models;
  for (size_t m = 0; m < scores.size(); ++m) {
    const ModelScores& s = scores[m];
    std::string entry = absl::StrCat(
        "    {\"name\": ", Quoted(s.name), ", \"kind\": ", Quoted(s.kind),
        ",\n     \"e_q\": {\"mean\": ", Number(s.summary.mean), ", \"ci90\": [",
        Number(s.summary.ci90_low), ", ", Number(s.summary.ci90_high),
        "], \"median\": ", Number(s.summary.median),
        "},\n     \"mean_pos_err_m\": ", Number(s.mean_pos_err_m),
        ", \"mean_rot_err_deg\": ", Number(s.mean_rot_err_deg));
    if (m > 0) {
      const PairedComparison paired = worldmodel::ComparePaired(
          scores[0].e_q, s.e_q, kBootstrapResamples, kBootstrapSeed);
      absl::StrAppend(
          &entry, ",\n     \"model_over_this\": {\"mean_ratio\": ",
          Number(paired.mean_ratio), ", \"ci90\": [", Number(paired.ci90_low),
          ", ", Number(paired.ci90_high),
          "], \"share_model_better\": ", Number(paired.share_a_better), "}");
    }
    models.push_back(entry + "}");
  }
  std::vector<std::string> per_toss;
  for (size_t t = 0; t < scores[0].tosses.size(); ++t) {
    const TossScore& first = scores[0].tosses[t];
    std::vector<std::string> e_q, pos, rot;
    for (const ModelScores& s : scores) {
      e_q.push_back(
          absl::StrCat(Quoted(s.name), ": ", Number(s.tosses[t].e_q)));
      pos.push_back(absl::StrCat(Quoted(s.name), ": ",
                                 Number(s.tosses[t].mean_pos_err_m)));
      rot.push_back(absl::StrCat(Quoted(s.name), ": ",
                                 Number(s.tosses[t].mean_rot_err_deg)));
    }
    per_toss.push_back(absl::StrCat(
        "    {\"episode\": ", first.episode, ", \"start_index\": ",
        first.start_index, ", \"samples\": ", first.samples,
        ",\n     \"e_q\": {", absl::StrJoin(e_q, ", "),
        "},\n     \"pos_err_m\": {", absl::StrJoin(pos, ", "),
        "},\n     \"rot_err_deg\": {", absl::StrJoin(rot, ", "), "}}"));
  }
  return absl::StrCat("{\n  \"protocol\": \"acosta_toss\",\n  \"data\": ",
                      Quoted(tosses.directory()),
                      ",\n  \"tosses\": ", scores[0].tosses.size(),
                      ",\n  \"bootstrap_resamples\": ", kBootstrapResamples,
                      ",\n  \"models\": [\n", absl::StrJoin(models, ",\n"),
                      "\n  ],\n  \"per_toss\": [\n",
                      absl::StrJoin(per_toss, ",\n"), "\n  ]\n}\n");
}

}  // namespace

absl::Status RunTossProtocol(const std::vector<NamedModel>& models,
                             const datasets::Dataset& tosses,
                             const std::string& json_path) {
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
  std::vector<ModelScores> scores;
  for (const NamedModel& named : models) {
    ModelScores s;
    s.name = named.name;
    s.kind = named.model->kind();
    std::cerr << "wm eval: acosta_toss protocol, " << s.name << " on "
              << episodes.size() << " tosses\n";
    absl::StatusOr<std::vector<TossScore>> tossed =
        worldmodel::ScoreTosses(*named.model, episodes, gravity);
    if (!tossed.ok()) {
      return absl::Status(
          tossed.status().code(),
          absl::StrCat(s.name, ": ", tossed.status().message()));
    }
    s.tosses = std::move(*tossed);
    for (const TossScore& toss : s.tosses) {
      s.e_q.push_back(toss.e_q);
      s.mean_pos_err_m += toss.mean_pos_err_m / s.tosses.size();
      s.mean_rot_err_deg += toss.mean_rot_err_deg / s.tosses.size();
    }
    s.summary = worldmodel::SummariseWithBootstrap(s.e_q, kBootstrapResamples,
                                                   kBootstrapSeed);
    scores.push_back(std::move(s));
  }

  std::cout << absl::StrFormat("acosta_toss protocol on %d tosses of %s\n",
                               episodes.size(), tosses.directory());
  std::cout << absl::StrFormat("%-28s %8s %19s %8s %10s %10s %s\n", "model",
                               "e_q mean", "90% interval", "median",
                               "pos err m", "rot deg", "model/this (90%)");
  for (size_t m = 0; m < scores.size(); ++m) {
    const ModelScores& s = scores[m];
    std::string paired = "-";
    if (m > 0) {
      const PairedComparison p = worldmodel::ComparePaired(
          scores[0].e_q, s.e_q, kBootstrapResamples, kBootstrapSeed);
      paired =
          absl::StrFormat("%.3f [%.3f, %.3f], better on %.0f%%", p.mean_ratio,
                          p.ci90_low, p.ci90_high, 100 * p.share_a_better);
    }
    std::cout << absl::StrFormat(
        "%-28s %8.4f   [%6.4f, %6.4f] %8.4f %10.4f %10.2f %s\n", s.name,
        s.summary.mean, s.summary.ci90_low, s.summary.ci90_high,
        s.summary.median, s.mean_pos_err_m, s.mean_rot_err_deg, paired);
  }
  if (!json_path.empty()) {
    WM_RETURN_IF_ERROR(WriteFileAtomically(json_path, ToJson(scores, tosses)));
    std::cout << "wrote " << json_path << "\n";
  }
  return absl::OkStatus();
}

}  // namespace wm::tools
