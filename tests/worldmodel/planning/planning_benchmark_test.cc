#include "worldmodel/planning/planning_benchmark.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;

PlanningEpisode Episode(bool success, double time, double position,
                        std::vector<double> plan_ms) {
  PlanningEpisode episode;
  episode.success = success;
  episode.time_to_goal_s = success ? time : -1;
  episode.final_position_error_m = position;
  episode.final_yaw_error_deg = 10 * position;
  episode.plan_ms = std::move(plan_ms);
  episode.true_parameters = {0.5, std::nan("")};
  return episode;
}

TEST(PlanningBenchmarkTest, SummaryInterpolatesMedians) {
  const std::vector<PlanningEpisode> episodes = {
      Episode(true, 2.0, 0.01, {10, 30}), Episode(true, 3.0, 0.02, {20}),
      Episode(false, 0, 0.30, {40}), Episode(false, 0, 0.50, {20})};
  const PlanningSummary summary = SummarizePlanning(episodes);
  EXPECT_DOUBLE_EQ(summary.success_rate, 0.5);
  EXPECT_DOUBLE_EQ(summary.median_time_to_goal_s, 2.5);
  EXPECT_DOUBLE_EQ(summary.median_position_error_m, 0.16);
  EXPECT_DOUBLE_EQ(summary.median_yaw_error_deg, 1.6);
  EXPECT_DOUBLE_EQ(summary.planning_hz, 1000.0 / 24);  // mean of 5 plans
  EXPECT_DOUBLE_EQ(summary.p50_ms, 20);
  EXPECT_NEAR(summary.p99_ms, 39.6, 1e-9);
}

TEST(PlanningBenchmarkTest, NothingToSummariseIsNanAndJsonNull) {
  const PlanningSummary summary =
      SummarizePlanning({Episode(false, 0, 0.2, {})});
  EXPECT_DOUBLE_EQ(summary.success_rate, 0);
  EXPECT_TRUE(std::isnan(summary.median_time_to_goal_s));
  EXPECT_TRUE(std::isnan(summary.planning_hz));
  ContenderResult result;
  result.label = "physics";
  result.model = "push_blackbox/2";
  result.episodes = {Episode(false, 0, 0.2, {})};
  result.summary = summary;
  const std::string json = PlanningReportJson({result}, 1.0);
  EXPECT_THAT(json, HasSubstr("{\n  \"physics\": {\n    \"model\": "
                              "\"push_blackbox/2\",\n    \"episodes\": 1,"));
  EXPECT_THAT(json, HasSubstr("\"median_time_to_goal_s\": null"));
  // A NaN true parameter (unknown) is null, which JSON allows; nan is not.
  EXPECT_THAT(json, HasSubstr("\"true_parameters\": [0.5, null]"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("nan")));
  // A path point that is not finite (a diverged simulation) is null too.
  result.episodes[0].path = {{1.0f, std::nanf("")}};
  EXPECT_THAT(PlanningReportJson({result}, 1.0),
              HasSubstr("\"path\": [[1, null]]"));
}

}  // namespace
}  // namespace wm::worldmodel
