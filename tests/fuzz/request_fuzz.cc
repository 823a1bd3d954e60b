// Fuzzes request decoding and validation as the server does them: the first
// byte picks the RPC (Predict, Rollout, InferParameters, Plan), the rest is
// its request in protobuf's binary encoding. Tensors and contexts are
// decoded (TensorFromProto, ContextFromProto), checked against the slide
// scene's spec (shapes, finiteness, parameter bounds; planner and task
// fields), and small valid requests are run on the MuJoCo slide model behind
// the guard, as served. Every outcome must be a Status.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "services/tensor_codec.h"
#include "sim/scene_library.h"
#include "util/logging.h"
#include "wm/v1/service.pb.h"
#include "worldmodel/guarded_model.h"
#include "worldmodel/mujoco/mujoco_model.h"
#include "worldmodel/planning/sampling_planner.h"
#include "worldmodel/tensor_checks.h"

namespace {

using wm::worldmodel::WorldModel;

// Requests beyond this many model steps are validated, not run.
constexpr int64_t kMaxRunSteps = 64;

const WorldModel& Slide() {
  static const WorldModel* model = [] {
    auto config = wm::sim::LoadSceneConfig("slide");
    CHECK(config.ok());
    auto model = wm::worldmodel::MujocoModel::Create(*config, {});
    CHECK(model.ok());
    return wm::worldmodel::GuardModel(std::move(model).value()).release();
  }();
  return *model;
}

absl::Status Context(const wm::v1::Context& proto, bool per_member,
                     int64_t batch, wm::worldmodel::Context* context) {
  auto decoded = wm::services::ContextFromProto(proto, per_member);
  if (!decoded.ok()) return decoded.status();
  *context = *std::move(decoded);
  const WorldModel& model = Slide();
  absl::Status status = wm::worldmodel::CheckContext(
      model.spec(), model.parameters().size(), batch, *context);
  if (!status.ok()) return status;
  return wm::worldmodel::CheckParameterBounds(
      model.parameters(), context->parameters, "context.parameters");
}

void Predict(const std::string& bytes) {
  wm::v1::PredictRequest request;
  if (!request.ParseFromString(bytes)) return;
  auto states = wm::services::TensorFromProto(request.states(), "states");
  auto actions = wm::services::TensorFromProto(request.actions(), "actions");
  if (!states.ok() || !actions.ok()) return;
  const WorldModel& model = Slide();
  if (!wm::worldmodel::CheckPredictInputs(model.spec(), *states, *actions)
           .ok()) {
    return;
  }
  wm::worldmodel::Context context;
  if (!Context(request.context(), request.per_member(), states->shape[0],
               &context)
           .ok()) {
    return;
  }
  if (states->shape[0] <= kMaxRunSteps) {
    (void)model.Predict(*states, *actions, context);
  }
}

void Rollout(const std::string& bytes) {
  wm::v1::RolloutRequest request;
  if (!request.ParseFromString(bytes)) return;
  auto initial =
      wm::services::TensorFromProto(request.initial_states(), "initial");
  auto actions = wm::services::TensorFromProto(request.actions(), "actions");
  if (!initial.ok() || !actions.ok()) return;
  const WorldModel& model = Slide();
  if (!wm::worldmodel::CheckRolloutInputs(model.spec(), *initial, *actions)
           .ok()) {
    return;
  }
  wm::worldmodel::Context context;
  if (!Context(request.context(), request.per_member(), actions->shape[0],
               &context)
           .ok()) {
    return;
  }
  if (actions->shape[0] * actions->shape[1] <= kMaxRunSteps) {
    (void)model.Rollout(*initial, *actions, context);
  }
}

void Infer(const std::string& bytes) {
  wm::v1::InferParametersRequest request;
  if (!request.ParseFromString(bytes)) return;
  wm::worldmodel::Context context;
  if (Context(request.context(), false, 1, &context).ok()) {
    (void)Slide().InferParameters(context);
  }
}

void Plan(const std::string& bytes) {
  wm::v1::PlanRequest request;
  if (!request.ParseFromString(bytes)) return;
  (void)wm::services::TensorFromProto(request.state(), "state");
  (void)wm::services::TensorFromProto(request.warm_start(), "warm_start");
  wm::worldmodel::Context context;
  (void)Context(request.context(), false, 1, &context);
  auto planner = wm::worldmodel::SamplingPlanner::Create(
      request.planner(), request.task(), Slide().spec());
  if (!planner.ok()) return;
  auto warm = wm::services::TensorFromProto(request.warm_start(), "warm");
  if (warm.ok() && !warm->data.empty()) (void)(*planner)->WarmStart(*warm);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      Predict(bytes);
      break;
    case 1:
      Rollout(bytes);
      break;
    case 2:
      Infer(bytes);
      break;
    default:
      Plan(bytes);
  }
  return 0;
}
