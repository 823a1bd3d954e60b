#include "services/world_model_service.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"
#include "services/plan_limits.h"
#include "services/server_security.h"
#include "services/tensor_codec.h"
#include "util/parallel.h"
#include "util/status_macros.h"
#include "worldmodel/guarded_model.h"
#include "worldmodel/model_kind.h"
#include "worldmodel/planning/sampling_planner.h"
#include "worldmodel/tensor_checks.h"

namespace wm::services {
namespace {

// Standard normal quantile of 0.95: the half-width of a 90% interval in std.
constexpr double kZ90 = 1.6448536269514722;

void SetModelSpec(const ServedModel& served, v1::ModelSpec* spec) {
  spec->set_name(served.name);
  spec->set_version(served.version);
}

// The call's deadline; InfiniteFuture when the client set none.
absl::Time CallDeadline(const grpc::ServerContextBase& context) {
  const absl::Time deadline = absl::FromChrono(context.deadline());
  return deadline > absl::Now() + absl::Hours(24 * 365) ? absl::InfiniteFuture()
                                                        : deadline;
}

// RESOURCE_EXHAUSTED unless a context history is at most `max_steps` long.
absl::Status CheckHistoryCap(const worldmodel::Context& context,
                             int64_t max_steps) {
  if (context.has_history() && context.history_states.rank() == 3 &&
      context.history_states.shape[1] - 1 > max_steps) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "context.history_states: ", context.history_states.shape[1] - 1,
        " history steps exceed the server's cap of ", max_steps));
  }
  return absl::OkStatus();
}

// Appends `estimate`'s parameters with their 90% intervals.
void AddParameters(
    const worldmodel::ParameterEstimate& estimate,
    google::protobuf::RepeatedPtrField<v1::ParameterEstimate::Parameter>* out) {
  for (size_t p = 0; p < estimate.parameters.size(); ++p) {
    auto* parameter = out->Add();
    parameter->set_name(estimate.parameters[p].name());
    parameter->set_unit(estimate.parameters[p].unit());
    parameter->set_mean(estimate.mean[p]);
    parameter->set_std(estimate.std[p]);
    parameter->set_lower90(estimate.mean[p] - kZ90 * estimate.std[p]);
    parameter->set_upper90(estimate.mean[p] + kZ90 * estimate.std[p]);
  }
}

// Members of the served model's ensemble: a learned model's K, a mujoco or
// contact model's simulation ensemble size (1 without one).
int EnsembleSize(const v1::CheckpointManifest& manifest) {
  const absl::StatusOr<worldmodel::ModelKind> kind =
      worldmodel::ParseModelKind(manifest.kind());
  const bool simulated = kind.ok() && !worldmodel::IsLearnedKind(*kind);
  const int members = simulated ? manifest.simulation_ensemble().members()
                                : manifest.training().ensemble_size();
  return std::max(1, members);
}

}  // namespace

WorldModelServiceImpl::WorldModelServiceImpl(const ModelManager* manager,
                                             PredictBatcher* batcher,
                                             ServerMetrics* metrics,
                                             ServiceLimits limits,
                                             std::string bearer_token)
    : manager_(manager),
      batcher_(batcher),
      metrics_(metrics),
      limits_(limits),
      bearer_token_(std::move(bearer_token)) {
  SetRowSplitThreads(
      limits_.rollout_threads > 0
          ? limits_.rollout_threads
          : static_cast<int>(std::thread::hardware_concurrency()));
}

absl::Status WorldModelServiceImpl::Authenticate(
    const grpc::ServerContextBase& context) const {
  return CheckBearerToken(context, bearer_token_);
}

template <typename Body>
grpc::Status WorldModelServiceImpl::Handle(const char* method,
                                           grpc::ServerContext* context,
                                           Body body) {
  const absl::Time start = absl::Now();
  absl::Status status = Authenticate(*context);
  if (status.ok()) {
    status = worldmodel::GuardModelCall(method, [&] { return body(); });
  }
  metrics_->RecordCall(method, status.code(), absl::Now() - start);
  return ToGrpcStatus(status);
}

grpc::Status WorldModelServiceImpl::ListModels(
    grpc::ServerContext* context, const v1::ListModelsRequest*,
    v1::ListModelsResponse* response) {
  return Handle("ListModels", context, [&]() -> absl::Status {
    for (const ModelListing& listing : manager_->List()) {
      auto* entry = response->add_models();
      entry->set_name(listing.name);
      entry->mutable_versions()->Assign(listing.versions.begin(),
                                        listing.versions.end());
      entry->set_default_version(listing.default_version);
    }
    return absl::OkStatus();
  });
}

grpc::Status WorldModelServiceImpl::GetModelInfo(
    grpc::ServerContext* context, const v1::GetModelInfoRequest* request,
    v1::ModelInfo* response) {
  return Handle("GetModelInfo", context, [&]() -> absl::Status {
    WM_ASSIGN_OR_RETURN(auto served, manager_->Get(request->model().name(),
                                                   request->model().version()));
    const worldmodel::WorldModel& model = *served->model;
    SetModelSpec(*served, response->mutable_model());
    response->set_kind(model.kind());
    *response->mutable_spec() = model.spec();
    response->set_dt(model.dt());
    for (const auto& parameter : model.parameters()) {
      *response->add_parameters() = parameter;
    }
    response->mutable_metrics()->insert(served->manifest.metrics().begin(),
                                        served->manifest.metrics().end());
    response->set_ensemble_size(EnsembleSize(served->manifest));
    return absl::OkStatus();
  });
}

absl::StatusOr<PredictCall> WorldModelServiceImpl::PreparePredict(
    const grpc::ServerContextBase& context,
    const v1::PredictRequest& request) const {
  WM_RETURN_IF_ERROR(Authenticate(context));
  PredictCall call;
  WM_ASSIGN_OR_RETURN(call.model, manager_->Get(request.model().name(),
                                                request.model().version()));
  WM_ASSIGN_OR_RETURN(call.states, TensorFromProto(request.states(), "states"));
  WM_ASSIGN_OR_RETURN(call.actions,
                      TensorFromProto(request.actions(), "actions"));
  WM_ASSIGN_OR_RETURN(
      call.context, ContextFromProto(request.context(), request.per_member()));
  const worldmodel::WorldModel& model = *call.model->model;
  WM_RETURN_IF_ERROR(
      worldmodel::CheckPredictInputs(model.spec(), call.states, call.actions));
  const int64_t rows = call.states.shape[0];
  if (rows > limits_.max_predict_rows) {
    return absl::ResourceExhaustedError(
        absl::StrCat("states: batch ", rows, " exceeds the server's cap of ",
                     limits_.max_predict_rows, " rows"));
  }
  WM_RETURN_IF_ERROR(CheckHistoryCap(call.context, limits_.max_history_steps));
  WM_RETURN_IF_ERROR(worldmodel::CheckContext(
      model.spec(), model.parameters().size(), rows, call.context));
  WM_RETURN_IF_ERROR(worldmodel::CheckParameterBounds(
      model.parameters(), call.context.parameters, "context.parameters"));
  call.deadline = CallDeadline(context);
  return call;
}

// One Predict call through the asynchronous API: it is asked for, then
// arrives (validated and submitted to the batcher), then its answer is
// sent; the queue's events move it along and it deletes itself when done.
class WorldModelServiceImpl::PredictCallState {
 public:
  PredictCallState(WorldModelServiceImpl* service,
                   grpc::ServerCompletionQueue* queue)
      : service_(service), queue_(queue), responder_(&context_) {
    service_->RequestPredict(&context_, &request_, &responder_, queue_, queue_,
                             this);
  }

  void OnEvent(bool ok) {
    if (!ok || answered_) {  // the server is shutting down, or answer sent
      delete this;
      return;
    }
    service_->AcceptPredictCall(queue_);  // the next call may arrive now
    start_ = absl::Now();
    // The batcher answers exactly once, even when the model throws
    // (PredictBatcher guards its model calls); anything thrown before the
    // call reaches it is answered here.
    bool submitted = false;
    const absl::Status status =
        worldmodel::GuardModelCall("Predict", [&]() -> absl::Status {
          WM_ASSIGN_OR_RETURN(PredictCall call,
                              service_->PreparePredict(context_, request_));
          served_ = call.model;
          submitted = true;
          service_->batcher_->Submit(
              std::move(call),
              [this](absl::StatusOr<worldmodel::Prediction> prediction) {
                if (prediction.ok()) FillResponse(*prediction);
                Answer(prediction.status());
              });
          return absl::OkStatus();
        });
    if (!submitted) Answer(status);
  }

 private:
  void FillResponse(const worldmodel::Prediction& prediction) {
    SetModelSpec(*served_, response_.mutable_model());
    TensorToProto(prediction.mean, response_.mutable_mean());
    TensorToProto(prediction.epistemic_std, response_.mutable_epistemic_std());
    TensorToProto(prediction.aleatoric_std, response_.mutable_aleatoric_std());
    if (!prediction.member_mean.data.empty()) {
      TensorToProto(prediction.member_mean, response_.mutable_member_mean());
    }
    response_.mutable_diverged_rows()->Assign(prediction.diverged.begin(),
                                              prediction.diverged.end());
  }

  void Answer(const absl::Status& status) {
    service_->metrics_->RecordCall("Predict", status.code(),
                                   absl::Now() - start_);
    answered_ = true;
    if (status.ok()) {
      responder_.Finish(response_, grpc::Status::OK, this);
    } else {
      responder_.FinishWithError(ToGrpcStatus(status), this);
    }
  }

  WorldModelServiceImpl* const service_;
  grpc::ServerCompletionQueue* const queue_;
  grpc::ServerContext context_;
  v1::PredictRequest request_;
  v1::PredictResponse response_;
  grpc::ServerAsyncResponseWriter<v1::PredictResponse> responder_;
  std::shared_ptr<const ServedModel> served_;
  absl::Time start_;
  bool answered_ = false;
};

void WorldModelServiceImpl::AcceptPredictCall(
    grpc::ServerCompletionQueue* queue) {
  new PredictCallState(this, queue);
}

void WorldModelServiceImpl::HandlePredictEvent(void* tag, bool ok) {
  static_cast<PredictCallState*>(tag)->OnEvent(ok);
}

grpc::Status WorldModelServiceImpl::Rollout(grpc::ServerContext* context,
                                            const v1::RolloutRequest* request,
                                            v1::RolloutResponse* response) {
  return Handle("Rollout", context, [&]() -> absl::Status {
    WM_ASSIGN_OR_RETURN(auto served, manager_->Get(request->model().name(),
                                                   request->model().version()));
    WM_ASSIGN_OR_RETURN(
        Tensor initial,
        TensorFromProto(request->initial_states(), "initial_states"));
    WM_ASSIGN_OR_RETURN(Tensor actions,
                        TensorFromProto(request->actions(), "actions"));
    WM_ASSIGN_OR_RETURN(
        worldmodel::Context rollout_context,
        ContextFromProto(request->context(), request->per_member()));
    const worldmodel::WorldModel& model = *served->model;
    WM_RETURN_IF_ERROR(
        worldmodel::CheckRolloutInputs(model.spec(), initial, actions));
    const int64_t steps = actions.shape[0] * actions.shape[1];
    if (steps > limits_.max_rollout_steps) {
      return absl::ResourceExhaustedError(
          absl::StrCat("actions: ", actions.shape[0], " sequences x ",
                       actions.shape[1], " steps exceed the server's cap of ",
                       limits_.max_rollout_steps, " steps"));
    }
    WM_RETURN_IF_ERROR(
        CheckHistoryCap(rollout_context, limits_.max_history_steps));
    WM_RETURN_IF_ERROR(worldmodel::CheckParameterBounds(
        model.parameters(), rollout_context.parameters, "context.parameters"));
    // Refuse before computing an answer too big to send: float32 means,
    // two spreads, and each member's trajectory when asked.
    const int64_t nx = model.spec().nq() + model.spec().nv();
    const int64_t members =
        request->per_member() ? EnsembleSize(served->manifest) : 0;
    const int64_t answer_bytes = 4 * actions.shape[0] * (actions.shape[1] + 1) *
                                 (nx * (1 + members) + 4 * model.spec().nv());
    if (answer_bytes > limits_.max_message_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("actions: the answer to ", actions.shape[0], " x ",
                       actions.shape[1], " steps would take ", answer_bytes,
                       " bytes, over the server's message limit of ",
                       limits_.max_message_bytes));
    }
    if (absl::Now() > CallDeadline(*context)) {
      return absl::DeadlineExceededError(
          "Rollout: the deadline passed before the work started");
    }
    WM_ASSIGN_OR_RETURN(worldmodel::Trajectory trajectory,
                        model.Rollout(initial, actions, rollout_context));
    SetModelSpec(*served, response->mutable_model());
    TensorToProto(trajectory.mean, response->mutable_mean());
    TensorToProto(trajectory.epistemic_std, response->mutable_epistemic_std());
    TensorToProto(trajectory.aleatoric_std, response->mutable_aleatoric_std());
    if (!trajectory.member_mean.data.empty()) {
      TensorToProto(trajectory.member_mean, response->mutable_member_mean());
    }
    response->mutable_diverged_samples()->Assign(trajectory.diverged.begin(),
                                                 trajectory.diverged.end());
    return absl::OkStatus();
  });
}

grpc::Status WorldModelServiceImpl::InferParameters(
    grpc::ServerContext* context, const v1::InferParametersRequest* request,
    v1::ParameterEstimate* response) {
  return Handle("InferParameters", context, [&]() -> absl::Status {
    WM_ASSIGN_OR_RETURN(auto served, manager_->Get(request->model().name(),
                                                   request->model().version()));
    WM_ASSIGN_OR_RETURN(worldmodel::Context history,
                        ContextFromProto(request->context(), false));
    WM_RETURN_IF_ERROR(CheckHistoryCap(history, limits_.max_history_steps));
    WM_ASSIGN_OR_RETURN(worldmodel::ParameterEstimate estimate,
                        served->model->InferParameters(history));
    SetModelSpec(*served, response->mutable_model());
    AddParameters(estimate, response->mutable_parameters());
    return absl::OkStatus();
  });
}

grpc::Status WorldModelServiceImpl::Plan(grpc::ServerContext* context,
                                         const v1::PlanRequest* request,
                                         v1::PlanResponse* response) {
  return Handle("Plan", context, [&]() -> absl::Status {
    const absl::Time start = absl::Now();
    WM_ASSIGN_OR_RETURN(auto served, manager_->Get(request->model().name(),
                                                   request->model().version()));
    const worldmodel::WorldModel& model = *served->model;
    WM_ASSIGN_OR_RETURN(Tensor state,
                        TensorFromProto(request->state(), "state"));
    const int64_t nx = model.spec().nq() + model.spec().nv();
    if (state.NumElements() != nx) {
      return absl::InvalidArgumentError(absl::StrCat(
          "state: expected ", nx, " values, got shape ", state.ShapeString()));
    }
    state.shape = {nx};
    WM_ASSIGN_OR_RETURN(worldmodel::Context plan_context,
                        ContextFromProto(request->context(), false));
    WM_RETURN_IF_ERROR(
        CheckHistoryCap(plan_context, limits_.max_history_steps));
    WM_RETURN_IF_ERROR(worldmodel::CheckContext(
        model.spec(), model.parameters().size(), 1, plan_context));
    WM_RETURN_IF_ERROR(worldmodel::CheckParameterBounds(
        model.parameters(), plan_context.parameters, "context.parameters"));
    WM_ASSIGN_OR_RETURN(v1::PlannerConfig requested,
                        ServerPlannerConfig(request->planner(), limits_));
    WM_ASSIGN_OR_RETURN(auto planner,
                        worldmodel::SamplingPlanner::Create(
                            requested, request->task(), model.spec()));
    WM_RETURN_IF_ERROR(CheckPlanCaps(planner->config(), limits_));
    if (request->has_warm_start()) {
      WM_ASSIGN_OR_RETURN(Tensor warm,
                          TensorFromProto(request->warm_start(), "warm_start"));
      WM_RETURN_IF_ERROR(planner->WarmStart(warm));
    }
    WM_ASSIGN_OR_RETURN(
        worldmodel::PlanResult plan,
        planner->Plan(model, state, plan_context, CallDeadline(*context)));
    SetModelSpec(*served, response->mutable_model());
    TensorToProto(plan.actions, response->mutable_actions());
    TensorToProto(plan.predicted_mean, response->mutable_predicted_mean());
    TensorToProto(plan.predicted_std, response->mutable_predicted_std());
    response->set_cost(plan.cost);
    response->set_iterations(plan.iterations);
    response->set_diverged_samples(plan.diverged_samples);
    response->set_failed_iterations(plan.failed_iterations);
    if (plan_context.has_history() && !model.parameters().empty()) {
      absl::StatusOr<worldmodel::ParameterEstimate> estimate =
          model.InferParameters(plan_context);
      if (estimate.ok())
        AddParameters(*estimate, response->mutable_parameters());
    }
    response->set_plan_ms(absl::ToDoubleMilliseconds(absl::Now() - start));
    return absl::OkStatus();
  });
}

}  // namespace wm::services
