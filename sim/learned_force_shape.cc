#include "sim/learned_force_shape.h"

#include "absl/strings/str_cat.h"

namespace wm::sim {
namespace {

constexpr int kBoxExtras = 2;  // the gate's shift and log width

}  // namespace

absl::StatusOr<LearnedForceShape> LearnedForceShapeOf(
    const std::string& features, const mjModel& model) {
  if (features == "box_corners") {
    if (model.njnt < 1 || model.jnt_type[0] != mjJNT_FREE) {
      return absl::InvalidArgumentError(
          "learned force 'box_corners' needs a scene whose first joint is a "
          "free joint");
    }
    return LearnedForceShape{true, kBoxCornerInputs, kBoxCornerOutputs,
                             kBoxExtras};
  }
  if (features == "joints") {
    for (int j = 0; j < model.njnt; ++j) {
      if (model.jnt_type[j] != mjJNT_HINGE) {
        return absl::InvalidArgumentError(absl::StrCat(
            "learned force 'joints' needs hinge joints only; joint ", j,
            " is not a hinge"));
      }
    }
    if (model.njnt < 1) {
      return absl::InvalidArgumentError(
          "learned force 'joints' needs at least one joint");
    }
    return LearnedForceShape{false, 3 * model.njnt, model.njnt, 0};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("learned force features '", features,
                   "' are unknown (box_corners or joints)"));
}

}  // namespace wm::sim
