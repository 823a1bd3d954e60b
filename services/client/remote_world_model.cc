#include "services/client/remote_world_model.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"
#include "services/tensor_codec.h"
#include "util/status_macros.h"
#include "worldmodel/tensor_checks.h"

namespace wm::services {
namespace {

// A Predict or Rollout response as the interface's answer (Prediction or
// Trajectory: the same four tensors and the diverged rows or samples).
template <typename Answer, typename Response>
absl::StatusOr<Answer> DecodeAnswer(
    const Response& response,
    const google::protobuf::RepeatedField<int64_t>& diverged) {
  Answer answer;
  answer.diverged.assign(diverged.begin(), diverged.end());
  WM_ASSIGN_OR_RETURN(answer.mean, TensorFromProto(response.mean(), "mean"));
  WM_ASSIGN_OR_RETURN(
      answer.epistemic_std,
      TensorFromProto(response.epistemic_std(), "epistemic_std"));
  WM_ASSIGN_OR_RETURN(
      answer.aleatoric_std,
      TensorFromProto(response.aleatoric_std(), "aleatoric_std"));
  WM_ASSIGN_OR_RETURN(answer.member_mean,
                      TensorFromProto(response.member_mean(), "member_mean"));
  return answer;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteWorldModel>> RemoteWorldModel::Connect(
    const std::string& target, const v1::ModelSpec& model,
    ClientOptions options) {
  WM_ASSIGN_OR_RETURN(auto channel, MakeChannel(target, options));
  auto stub = v1::WorldModelService::NewStub(channel);
  grpc::ClientContext context;
  PrepareCall(options, &context);
  v1::GetModelInfoRequest request;
  *request.mutable_model() = model;
  v1::ModelInfo info;
  WM_RETURN_IF_ERROR(
      FromGrpcStatus(stub->GetModelInfo(&context, request, &info),
                     absl::StrCat("GetModelInfo from ", target)));
  return std::unique_ptr<RemoteWorldModel>(new RemoteWorldModel(
      target, std::move(options), std::move(stub), std::move(info)));
}

RemoteWorldModel::RemoteWorldModel(
    std::string target, ClientOptions options,
    std::unique_ptr<v1::WorldModelService::Stub> stub, v1::ModelInfo info)
    : target_(std::move(target)),
      options_(std::move(options)),
      stub_(std::move(stub)),
      info_(std::move(info)),
      parameters_(info_.parameters().begin(), info_.parameters().end()) {}

absl::StatusOr<worldmodel::Prediction> RemoteWorldModel::Predict(
    const Tensor& states, const Tensor& actions,
    const worldmodel::Context& context) const {
  WM_RETURN_IF_ERROR(worldmodel::CheckPredictInputs(spec(), states, actions));
  v1::PredictRequest request;
  *request.mutable_model() = model();
  TensorToProto(states, request.mutable_states());
  TensorToProto(actions, request.mutable_actions());
  ContextToProto(context, request.mutable_context());
  request.set_per_member(context.per_member);
  grpc::ClientContext call;
  PrepareCall(options_, &call);
  v1::PredictResponse response;
  WM_RETURN_IF_ERROR(FromGrpcStatus(stub_->Predict(&call, request, &response),
                                    absl::StrCat("Predict to ", target_)));
  return DecodeAnswer<worldmodel::Prediction>(response,
                                              response.diverged_rows());
}

absl::StatusOr<worldmodel::Trajectory> RemoteWorldModel::Rollout(
    const Tensor& initial, const Tensor& actions,
    const worldmodel::Context& context) const {
  WM_RETURN_IF_ERROR(worldmodel::CheckRolloutInputs(spec(), initial, actions));
  v1::RolloutRequest request;
  *request.mutable_model() = model();
  TensorToProto(initial, request.mutable_initial_states());
  TensorToProto(actions, request.mutable_actions());
  ContextToProto(context, request.mutable_context());
  request.set_per_member(context.per_member);
  grpc::ClientContext call;
  PrepareCall(options_, &call);
  v1::RolloutResponse response;
  WM_RETURN_IF_ERROR(FromGrpcStatus(stub_->Rollout(&call, request, &response),
                                    absl::StrCat("Rollout to ", target_)));
  return DecodeAnswer<worldmodel::Trajectory>(response,
                                              response.diverged_samples());
}

absl::StatusOr<worldmodel::ParameterEstimate> RemoteWorldModel::InferParameters(
    const worldmodel::Context& history) const {
  v1::InferParametersRequest request;
  *request.mutable_model() = model();
  ContextToProto(history, request.mutable_context());
  grpc::ClientContext call;
  PrepareCall(options_, &call);
  v1::ParameterEstimate response;
  WM_RETURN_IF_ERROR(
      FromGrpcStatus(stub_->InferParameters(&call, request, &response),
                     absl::StrCat("InferParameters to ", target_)));
  worldmodel::ParameterEstimate estimate;
  for (const auto& parameter : response.parameters()) {
    v1::ParameterInfo info;
    info.set_name(parameter.name());
    info.set_unit(parameter.unit());
    estimate.parameters.push_back(std::move(info));
    estimate.mean.push_back(parameter.mean());
    estimate.std.push_back(parameter.std());
  }
  return estimate;
}

}  // namespace wm::services
