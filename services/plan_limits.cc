#include "services/plan_limits.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace wm::services {

absl::StatusOr<v1::PlannerConfig> ServerPlannerConfig(
    v1::PlannerConfig planner, const ServiceLimits& limits) {
  if (planner.threads() == 0) planner.set_threads(limits.max_planner_threads);
  if (planner.threads() > limits.max_planner_threads) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "planner.threads: ", planner.threads(), " exceeds the server's cap of ",
        limits.max_planner_threads, " threads (ask for fewer, or 0)"));
  }
  if (planner.time_budget_ms() == 0) {
    planner.set_time_budget_ms(limits.max_plan_time_budget_ms);
  }
  if (planner.time_budget_ms() > limits.max_plan_time_budget_ms) {
    return absl::ResourceExhaustedError(
        absl::StrCat("planner.time_budget_ms: ", planner.time_budget_ms(),
                     " exceeds the server's cap of ",
                     limits.max_plan_time_budget_ms, " ms"));
  }
  return planner;
}

absl::Status CheckPlanCaps(const v1::PlannerConfig& settings,
                           const ServiceLimits& limits) {
  const int64_t per_iteration =
      int64_t{settings.samples()} * settings.horizon();
  if (per_iteration > limits.max_rollout_steps) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "planner: ", settings.samples(), " samples x ", settings.horizon(),
        " steps exceed the server's cap of ", limits.max_rollout_steps));
  }
  if (per_iteration * settings.iterations() > limits.max_plan_steps) {
    return absl::ResourceExhaustedError(
        absl::StrCat("planner: ", settings.samples(), " samples x ",
                     settings.horizon(), " steps x ", settings.iterations(),
                     " iterations exceed the server's cap of ",
                     limits.max_plan_steps, " steps per Plan"));
  }
  return absl::OkStatus();
}

}  // namespace wm::services
