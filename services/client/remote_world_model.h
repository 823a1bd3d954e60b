#ifndef WM_SERVICES_CLIENT_REMOTE_WORLD_MODEL_H_
#define WM_SERVICES_CLIENT_REMOTE_WORLD_MODEL_H_

// The WorldModel interface over gRPC: a planner calls a served model as if
// it ran in process.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/client/channel.h"
#include "wm/v1/service.grpc.pb.h"
#include "worldmodel/world_model.h"

namespace wm::services {

class RemoteWorldModel : public worldmodel::WorldModel {
 public:
  // Connects to `target` (one address, several, or a URI: see
  // ParseServerTarget) and fetches the model's info. `model.version` 0
  // resolves to the server's default version at connect time, and every
  // later call pins that version (so one episode sees one version). Errors:
  // the server's (NOT_FOUND for an unknown model, UNAVAILABLE when nothing
  // listens), prefixed with the target;
  // ParseServerTarget's for a malformed target.
  static absl::StatusOr<std::unique_ptr<RemoteWorldModel>> Connect(
      const std::string& target, const v1::ModelSpec& model,
      ClientOptions options);

  // "remote"; served_kind() is the kind behind it.
  std::string kind() const override { return "remote"; }
  const std::string& served_kind() const { return info_.kind(); }
  // The pinned model version.
  const v1::ModelSpec& model() const { return info_.model(); }
  const v1::ModelInfo& info() const { return info_; }
  const v1::StateSpec& spec() const override { return info_.spec(); }
  double dt() const override { return info_.dt(); }
  const std::vector<v1::ParameterInfo>& parameters() const override {
    return parameters_;
  }

  // As WorldModel; inputs are checked locally first (same messages as a
  // local model), then the server's errors come back with their codes.
  // Thread-safe (the stub is).
  absl::StatusOr<worldmodel::Prediction> Predict(
      const Tensor& states, const Tensor& actions,
      const worldmodel::Context& context) const override;
  absl::StatusOr<worldmodel::Trajectory> Rollout(
      const Tensor& initial, const Tensor& actions,
      const worldmodel::Context& context) const override;
  absl::StatusOr<worldmodel::ParameterEstimate> InferParameters(
      const worldmodel::Context& history) const override;

 private:
  RemoteWorldModel(std::string target, ClientOptions options,
                   std::unique_ptr<v1::WorldModelService::Stub> stub,
                   v1::ModelInfo info);

  const std::string target_;
  const ClientOptions options_;
  const std::unique_ptr<v1::WorldModelService::Stub> stub_;
  const v1::ModelInfo info_;
  std::vector<v1::ParameterInfo> parameters_;
};

}  // namespace wm::services

#endif  // WM_SERVICES_CLIENT_REMOTE_WORLD_MODEL_H_
