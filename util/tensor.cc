#include "util/tensor.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/logging.h"

namespace wm {

Tensor Tensor::Filled(std::vector<int64_t> shape, float value) {
  Tensor tensor;
  tensor.shape = std::move(shape);
  for (int64_t dim : tensor.shape) CHECK_GE(dim, 0) << "negative dimension";
  tensor.data.assign(tensor.NumElements(), value);
  return tensor;
}

int64_t Tensor::NumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

float& Tensor::at(int64_t flat_index) {
  CHECK(flat_index >= 0 && flat_index < static_cast<int64_t>(data.size()))
      << "index " << flat_index << " outside a tensor of " << data.size();
  return data[flat_index];
}

float Tensor::at(int64_t flat_index) const {
  CHECK(flat_index >= 0 && flat_index < static_cast<int64_t>(data.size()))
      << "index " << flat_index << " outside a tensor of " << data.size();
  return data[flat_index];
}

absl::Status Tensor::CheckConsistent(const std::string& what) const {
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": negative dimension in shape ", ShapeString()));
    }
  }
  if (NumElements() != static_cast<int64_t>(data.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": shape ", ShapeString(), " needs ", NumElements(),
                     " values but ", data.size(), " were given"));
  }
  return absl::OkStatus();
}

absl::Status Tensor::CheckFinite(const std::string& what) const {
  for (size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": value ", data[i], " at flat index ", i, " is not finite"));
    }
  }
  return absl::OkStatus();
}

std::string Tensor::ShapeString() const {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace wm
