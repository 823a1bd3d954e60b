// `wm query`: asks a running `wm serve` (or several replicas: --server takes
// a comma-separated list or a dns:/// URI) and prints the answer as proto3
// JSON. Actions: health (the gRPC health service's status of
// wm.v1.WorldModelService; exit 1 unless SERVING), list, info (--model
// NAME[/N]), and predict / rollout / infer from a proto3-JSON request file
// (--request FILE, "-" for stdin).

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/client/remote_world_model.h"
#include "services/grpc_status.h"
#include "tools/wm/client_flags.h"
#include "tools/wm/flags.h"
#include "tools/wm/model_spec_flag.h"
#include "tools/wm/subcommand.h"
#include "util/file_util.h"
#include "util/status_macros.h"
#include "wm/v1/service.grpc.pb.h"

namespace wm::tools {
namespace {

using google::protobuf::Message;

// Reads --request (a file, or stdin for "-") into `request`.
absl::Status ReadRequest(Message* request) {
  const std::string path = absl::GetFlag(FLAGS_request);
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "--request FILE.json is required for this action");
  }
  std::string json;
  if (path == "-") {
    json.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    WM_ASSIGN_OR_RETURN(json, ReadFileToString(path));
  }
  auto status = google::protobuf::util::JsonStringToMessage(json, request);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a ", request->GetTypeName(),
                     " in proto3 JSON: ", status.ToString()));
  }
  return absl::OkStatus();
}

void PrintJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json;
}

// One unary call with the options' deadline and token, printing the answer.
template <typename Request, typename Response, typename Call>
absl::Status Ask(const services::ClientOptions& options, const char* method,
                 const Request& request, Call call) {
  grpc::ClientContext context;
  services::PrepareCall(options, &context);
  Response response;
  WM_RETURN_IF_ERROR(services::FromGrpcStatus(
      call(&context, request, &response),
      absl::StrCat(method, " to ", absl::GetFlag(FLAGS_server))));
  PrintJson(response);
  return absl::OkStatus();
}

// Overrides the request's model with --model when given.
absl::Status ApplyModelFlag(v1::ModelSpec* model) {
  if (absl::GetFlag(FLAGS_model).empty()) return absl::OkStatus();
  WM_ASSIGN_OR_RETURN(*model,
                      ParseModelSpec("model", absl::GetFlag(FLAGS_model)));
  return absl::OkStatus();
}

// Asks the gRPC health service whether wm.v1.WorldModelService serves:
// prints the answer, and FAILED_PRECONDITION unless it is SERVING (a
// draining server answers NOT_SERVING).
absl::Status Health(const services::ClientOptions& options,
                    const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("wm.v1.WorldModelService");
  grpc::ClientContext context;
  services::PrepareCall(options, &context);
  grpc::health::v1::HealthCheckResponse response;
  WM_RETURN_IF_ERROR(services::FromGrpcStatus(
      stub->Check(&context, request, &response),
      absl::StrCat("Health.Check to ", absl::GetFlag(FLAGS_server))));
  PrintJson(response);
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::FailedPreconditionError(
        absl::StrCat(absl::GetFlag(FLAGS_server), " is not serving: ",
                     grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                         response.status())));
  }
  return absl::OkStatus();
}

absl::Status Query(const std::string& action) {
  WM_ASSIGN_OR_RETURN(services::ClientOptions options,
                      ClientOptionsFromFlags());
  WM_ASSIGN_OR_RETURN(auto channel, services::MakeChannel(
                                        absl::GetFlag(FLAGS_server), options));
  if (action == "health") return Health(options, channel);
  auto stub = v1::WorldModelService::NewStub(channel);
  if (action == "list") {
    return Ask<v1::ListModelsRequest, v1::ListModelsResponse>(
        options, "ListModels", {},
        [&](auto... args) { return stub->ListModels(args...); });
  }
  if (action == "info") {
    v1::GetModelInfoRequest request;
    if (absl::GetFlag(FLAGS_model).empty()) {
      return absl::InvalidArgumentError("info needs --model NAME[/N]");
    }
    WM_RETURN_IF_ERROR(ApplyModelFlag(request.mutable_model()));
    return Ask<v1::GetModelInfoRequest, v1::ModelInfo>(
        options, "GetModelInfo", request,
        [&](auto... args) { return stub->GetModelInfo(args...); });
  }
  if (action == "predict") {
    v1::PredictRequest request;
    WM_RETURN_IF_ERROR(ReadRequest(&request));
    WM_RETURN_IF_ERROR(ApplyModelFlag(request.mutable_model()));
    return Ask<v1::PredictRequest, v1::PredictResponse>(
        options, "Predict", request,
        [&](auto... args) { return stub->Predict(args...); });
  }
  if (action == "rollout") {
    v1::RolloutRequest request;
    WM_RETURN_IF_ERROR(ReadRequest(&request));
    WM_RETURN_IF_ERROR(ApplyModelFlag(request.mutable_model()));
    return Ask<v1::RolloutRequest, v1::RolloutResponse>(
        options, "Rollout", request,
        [&](auto... args) { return stub->Rollout(args...); });
  }
  if (action == "infer") {
    v1::InferParametersRequest request;
    WM_RETURN_IF_ERROR(ReadRequest(&request));
    WM_RETURN_IF_ERROR(ApplyModelFlag(request.mutable_model()));
    return Ask<v1::InferParametersRequest, v1::ParameterEstimate>(
        options, "InferParameters", request,
        [&](auto... args) { return stub->InferParameters(args...); });
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown action '", action,
      "' (expected health, list, info, predict, rollout or infer)"));
}

}  // namespace

int RunQuery(const Invocation& invocation) {
  if (invocation.positional.size() != 1) {
    std::cerr << "wm query: expected one action: health, list, info, predict, "
                 "rollout or infer\n";
    return 2;
  }
  absl::Status status = Query(invocation.positional.front());
  if (!status.ok()) {
    std::cerr << "wm query: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace wm::tools
