#ifndef WM_SERVICES_WORLD_MODEL_SERVICE_H_
#define WM_SERVICES_WORLD_MODEL_SERVICE_H_

// The gRPC handlers of wm.v1.WorldModelService: authenticate, decode and
// validate the request, run it on the model version the manager hands out
// (Predict through the batcher), encode the answer naming that version,
// and record metrics. No exception and no crash for any request: every
// failure is a status (docs/design.md section 6).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "services/model_manager.h"
#include "services/predict_batcher.h"
#include "services/server_metrics.h"
#include "wm/v1/service.grpc.pb.h"

namespace wm::services {

// Per-call caps; requests beyond them get RESOURCE_EXHAUSTED.
struct ServiceLimits {
  int64_t max_predict_rows = 65536;      // B of one Predict
  int64_t max_rollout_steps = 1 << 20;   // N x H of one Rollout
  int64_t max_history_steps = 1000;      // L of a context history
  int64_t max_message_bytes = 64 << 20;  // an answer must fit in one
  // Plan: threads a request may use (0 in a request means these), its
  // samples x horizon x iterations, and its time budget (a request without
  // one gets this one).
  int max_planner_threads = 2;
  // The threads one Rollout splits its rows over (RowSplitThreads,
  // util/parallel.h; fused learned models), set process-wide when the
  // service is made; 0: the machine's cores.
  int rollout_threads = 0;
  int64_t max_plan_steps = 1 << 22;
  double max_plan_time_budget_ms = 10000;
};

// Predict uses gRPC's asynchronous API, so a queued call holds no thread
// while the batcher gathers it into a model call; the other methods are
// synchronous.
class WorldModelServiceImpl final
    : public v1::WorldModelService::WithAsyncMethod_Predict<
          v1::WorldModelService::Service> {
 public:
  // The pointers must outlive the service. An empty `bearer_token` turns
  // authentication off; otherwise every call must carry the metadata
  // "authorization: Bearer <token>" or gets UNAUTHENTICATED.
  WorldModelServiceImpl(const ModelManager* manager, PredictBatcher* batcher,
                        ServerMetrics* metrics, ServiceLimits limits,
                        std::string bearer_token);

  grpc::Status ListModels(grpc::ServerContext* context,
                          const v1::ListModelsRequest* request,
                          v1::ListModelsResponse* response) override;
  grpc::Status GetModelInfo(grpc::ServerContext* context,
                            const v1::GetModelInfoRequest* request,
                            v1::ModelInfo* response) override;

  // Asks the server for the next Predict call on `queue`, which must be a
  // completion queue of the server this service is registered with. Every
  // event that `queue` yields must be passed to HandlePredictEvent, which
  // asks for the next call as each one arrives.
  void AcceptPredictCall(grpc::ServerCompletionQueue* queue);
  // Advances the Predict call that `tag` (from the queue's Next) names;
  // `ok` is Next's flag.
  static void HandlePredictEvent(void* tag, bool ok);
  grpc::Status Rollout(grpc::ServerContext* context,
                       const v1::RolloutRequest* request,
                       v1::RolloutResponse* response) override;
  grpc::Status InferParameters(grpc::ServerContext* context,
                               const v1::InferParametersRequest* request,
                               v1::ParameterEstimate* response) override;
  grpc::Status Plan(grpc::ServerContext* context,
                    const v1::PlanRequest* request,
                    v1::PlanResponse* response) override;

 private:
  // Runs `body` as the handler of `method`: authentication first, then
  // metrics and the status mapping around it.
  template <typename Body>
  grpc::Status Handle(const char* method, grpc::ServerContext* context,
                      Body body);
  absl::Status Authenticate(const grpc::ServerContextBase& context) const;
  class PredictCallState;
  // Authenticates, decodes and validates a Predict request into a call.
  absl::StatusOr<PredictCall> PreparePredict(
      const grpc::ServerContextBase& context,
      const v1::PredictRequest& request) const;

  const ModelManager* const manager_;
  PredictBatcher* const batcher_;
  ServerMetrics* const metrics_;
  const ServiceLimits limits_;
  const std::string bearer_token_;  // empty: authentication off
};

}  // namespace wm::services

#endif  // WM_SERVICES_WORLD_MODEL_SERVICE_H_
