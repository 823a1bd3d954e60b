#include "services/tensor_codec.h"

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::services {

absl::StatusOr<Tensor> TensorFromProto(const v1::Tensor& proto,
                                       const std::string& field) {
  Tensor tensor;
  if (proto.shape_size() == 0 && proto.data_size() == 0) return tensor;
  tensor.shape.assign(proto.shape().begin(), proto.shape().end());
  for (int64_t dim : tensor.shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": negative dimension in shape ", tensor.ShapeString()));
    }
  }
  // Check the size before copying (a huge claimed shape allocates nothing).
  int64_t expected = 1;
  for (int64_t dim : tensor.shape) {
    if (dim != 0 && expected > proto.data_size() / dim) {
      expected = -1;  // more values than the message holds
      break;
    }
    expected *= dim;
  }
  if (expected != proto.data_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": shape ", tensor.ShapeString(), " does not match the ",
        proto.data_size(), " values given"));
  }
  tensor.data.assign(proto.data().begin(), proto.data().end());
  WM_RETURN_IF_ERROR(tensor.CheckFinite(field));
  return tensor;
}

void TensorToProto(const Tensor& tensor, v1::Tensor* proto) {
  proto->mutable_shape()->Assign(tensor.shape.begin(), tensor.shape.end());
  proto->mutable_data()->Assign(tensor.data.begin(), tensor.data.end());
}

absl::StatusOr<worldmodel::Context> ContextFromProto(const v1::Context& proto,
                                                     bool per_member) {
  worldmodel::Context context;
  WM_ASSIGN_OR_RETURN(
      context.history_states,
      TensorFromProto(proto.history_states(), "context.history_states"));
  WM_ASSIGN_OR_RETURN(
      context.history_actions,
      TensorFromProto(proto.history_actions(), "context.history_actions"));
  WM_ASSIGN_OR_RETURN(
      context.parameters,
      TensorFromProto(proto.parameters(), "context.parameters"));
  context.per_member = per_member;
  return context;
}

void ContextToProto(const worldmodel::Context& context, v1::Context* proto) {
  if (!context.history_states.data.empty()) {
    TensorToProto(context.history_states, proto->mutable_history_states());
  }
  if (!context.history_actions.data.empty()) {
    TensorToProto(context.history_actions, proto->mutable_history_actions());
  }
  if (!context.parameters.data.empty()) {
    TensorToProto(context.parameters, proto->mutable_parameters());
  }
}

}  // namespace wm::services
