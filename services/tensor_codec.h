#ifndef WM_SERVICES_TENSOR_CODEC_H_
#define WM_SERVICES_TENSOR_CODEC_H_

// Conversions between the wire messages (wm.v1 Tensor, Context) and the
// torch-free wm::Tensor / worldmodel::Context. Pure functions, thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "util/tensor.h"
#include "wm/v1/service.pb.h"
#include "worldmodel/world_model.h"

namespace wm::services {

// A wire tensor as a wm::Tensor. INVALID_ARGUMENT naming `field` when a
// dimension is negative, data does not hold prod(shape) values, or a value
// is NaN or Inf. An empty message (no shape, no data) is an empty Tensor.
absl::StatusOr<Tensor> TensorFromProto(const v1::Tensor& proto,
                                       const std::string& field);

// Writes `tensor` into `proto` (replacing its contents).
void TensorToProto(const Tensor& tensor, v1::Tensor* proto);

// A wire context as a worldmodel::Context (tensors checked as above, fields
// named "context.history_states" etc.); `per_member` is copied in.
absl::StatusOr<worldmodel::Context> ContextFromProto(const v1::Context& proto,
                                                     bool per_member);

// Writes `context`'s tensors into `proto`.
void ContextToProto(const worldmodel::Context& context, v1::Context* proto);

}  // namespace wm::services

#endif  // WM_SERVICES_TENSOR_CODEC_H_
