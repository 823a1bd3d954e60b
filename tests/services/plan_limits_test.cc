// The server's policy on one Plan call: threads and time default to the
// caps, asking for more is RESOURCE_EXHAUSTED naming the field, and the work
// of samples x horizon x iterations is capped.

#include "services/plan_limits.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

ServiceLimits Limits() {
  ServiceLimits limits;
  limits.max_planner_threads = 2;
  limits.max_plan_steps = 1000;
  limits.max_plan_time_budget_ms = 50;
  limits.max_rollout_steps = 400;
  return limits;
}

TEST(PlanLimitsTest, ThreadsAndTimeDefaultToTheCapsAndNeverExceedThem) {
  auto defaults = ServerPlannerConfig({}, Limits());
  ASSERT_THAT(defaults, IsOk());
  EXPECT_EQ(defaults->threads(), 2);
  EXPECT_EQ(defaults->time_budget_ms(), 50);
  v1::PlannerConfig fewer;
  fewer.set_threads(1);
  fewer.set_time_budget_ms(10);
  auto kept = ServerPlannerConfig(fewer, Limits());
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->threads(), 1);
  EXPECT_EQ(kept->time_budget_ms(), 10);
  v1::PlannerConfig greedy;
  greedy.set_threads(5000);
  EXPECT_THAT(ServerPlannerConfig(greedy, Limits()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("planner.threads: 5000")));
  greedy.set_threads(0);
  greedy.set_time_budget_ms(51);
  EXPECT_THAT(ServerPlannerConfig(greedy, Limits()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("planner.time_budget_ms: 51")));
}

TEST(PlanLimitsTest, WorkIsCappedPerIterationAndPerCall) {
  v1::PlannerConfig settings;
  settings.set_samples(20);
  settings.set_horizon(10);
  settings.set_iterations(5);  // 200 per iteration, 1000 per call
  EXPECT_THAT(CheckPlanCaps(settings, Limits()), IsOk());
  settings.set_iterations(6);
  EXPECT_THAT(CheckPlanCaps(settings, Limits()),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("cap of 1000 steps per Plan")));
  settings.set_iterations(1);
  settings.set_horizon(21);  // 420 > 400 per Rollout
  EXPECT_THAT(
      CheckPlanCaps(settings, Limits()),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("cap of 400")));
}

}  // namespace
}  // namespace wm::services
