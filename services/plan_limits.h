#ifndef WM_SERVICES_PLAN_LIMITS_H_
#define WM_SERVICES_PLAN_LIMITS_H_

// The server's policy on what one Plan call may ask for (ServiceLimits,
// from ServerConfig): threads, work and time.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/world_model_service.h"
#include "wm/v1/planning.pb.h"

namespace wm::services {

// The request's planner settings under the server's policy: threads and
// the time budget default to the server's caps (0 in the request); asking
// for more threads than max_planner_threads or a longer budget than
// max_plan_time_budget_ms is RESOURCE_EXHAUSTED naming the field. Other
// fields are left to SamplingPlanner::Create's checks. Pure.
absl::StatusOr<v1::PlannerConfig> ServerPlannerConfig(
    v1::PlannerConfig planner, const ServiceLimits& limits);

// RESOURCE_EXHAUSTED when `settings` (defaults filled) would roll out more
// than max_rollout_steps per iteration or max_plan_steps (samples x horizon
// x iterations) per call. Pure.
absl::Status CheckPlanCaps(const v1::PlannerConfig& settings,
                           const ServiceLimits& limits);

}  // namespace wm::services

#endif  // WM_SERVICES_PLAN_LIMITS_H_
