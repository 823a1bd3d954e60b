#ifndef WM_UTIL_TENSOR_H_
#define WM_UTIL_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wm {

// A dense, row-major float32 array, free of LibTorch: what crosses every
// boundary outside the LibTorch part of worldmodel/. A plain value type; not
// synchronised.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  // A tensor of the given shape filled with `value`. Every dimension must be
  // >= 0 (CHECKed).
  static Tensor Filled(std::vector<int64_t> shape, float value = 0.0f);

  // Product of the dimensions (1 for a scalar of rank 0).
  int64_t NumElements() const;
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }

  // Element at a row-major flat index; CHECKs the bounds.
  float& at(int64_t flat_index);
  float at(int64_t flat_index) const;

  // OK when every dimension is >= 0 and data holds exactly NumElements()
  // values; INVALID_ARGUMENT naming `what` (e.g. "states") otherwise.
  absl::Status CheckConsistent(const std::string& what) const;
  // OK when every value is finite; INVALID_ARGUMENT naming `what` and the
  // first bad flat index otherwise.
  absl::Status CheckFinite(const std::string& what) const;

  // "[2, 3]": the shape, for messages.
  std::string ShapeString() const;
};

}  // namespace wm

#endif  // WM_UTIL_TENSOR_H_
