#include "datasets/state_layout.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "util/quaternion.h"

namespace wm::datasets {
namespace {

struct JointWidths {
  int qpos;
  int qvel;
  int quaternion;  // quaternion_offset - qpos_offset, or -1 for none
};

bool WidthsOf(v1::Joint::Type type, JointWidths* widths) {
  switch (type) {
    case v1::Joint::FREE:
      *widths = {7, 6, 3};
      return true;
    case v1::Joint::BALL:
      *widths = {4, 3, 0};
      return true;
    case v1::Joint::SLIDE:
    case v1::Joint::HINGE:
      *widths = {1, 1, -1};
      return true;
    default:
      return false;
  }
}

// Marks [offset, offset + width) in `used`; false if out of range or taken.
bool Claim(int offset, int width, std::vector<int>* used) {
  if (offset < 0 || offset + width > static_cast<int>(used->size())) {
    return false;
  }
  for (int i = offset; i < offset + width; ++i) {
    if ((*used)[i]++ != 0) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateStateSpec(const v1::StateSpec& spec) {
  if (spec.nq() < 1 || spec.nv() < 1 || spec.nu() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("state spec: need nq >= 1, nv >= 1, nu >= 0; got nq ",
                     spec.nq(), ", nv ", spec.nv(), ", nu ", spec.nu()));
  }
  if (spec.actuators_size() != 0 && spec.actuators_size() != spec.nu()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state spec: ", spec.actuators_size(),
                     " actuators listed but nu is ", spec.nu()));
  }
  if (spec.joints_size() == 0) {
    if (spec.nq() != spec.nv()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "state spec: no joints listed, so nq must equal nv; got nq ",
          spec.nq(), ", nv ", spec.nv()));
    }
    return absl::OkStatus();
  }
  std::vector<int> qpos_used(spec.nq(), 0), qvel_used(spec.nv(), 0);
  for (const v1::Joint& joint : spec.joints()) {
    const std::string where =
        absl::StrCat("state spec: joint '", joint.name(), "'");
    JointWidths widths;
    if (!WidthsOf(joint.type(), &widths)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": type is unspecified"));
    }
    const int expected_quaternion =
        widths.quaternion < 0 ? -1 : joint.qpos_offset() + widths.quaternion;
    if (joint.quaternion_offset() != expected_quaternion) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": quaternion_offset is ", joint.quaternion_offset(),
          ", expected ", expected_quaternion));
    }
    if (!Claim(joint.qpos_offset(), widths.qpos, &qpos_used)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": qpos_offset ", joint.qpos_offset(), " (width ", widths.qpos,
          ") is outside nq ", spec.nq(), " or overlaps"));
    }
    if (!Claim(joint.qvel_offset(), widths.qvel, &qvel_used)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": qvel_offset ", joint.qvel_offset(), " (width ", widths.qvel,
          ") is outside nv ", spec.nv(), " or overlaps"));
    }
  }
  for (int i = 0; i < spec.nq(); ++i) {
    if (qpos_used[i] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("state spec: qpos[", i, "] belongs to no joint"));
    }
  }
  for (int i = 0; i < spec.nv(); ++i) {
    if (qvel_used[i] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("state spec: qvel[", i, "] belongs to no joint"));
    }
  }
  return absl::OkStatus();
}

std::vector<bool> QuaternionQposMask(const v1::StateSpec& spec) {
  std::vector<bool> mask(spec.nq(), false);
  for (const v1::Joint& joint : spec.joints()) {
    const int offset = joint.quaternion_offset();
    if (offset < 0) continue;
    for (int i = offset; i < offset + 4 && i < spec.nq(); ++i) mask[i] = true;
  }
  return mask;
}

std::vector<int> QuaternionQposIndices(const v1::StateSpec& spec) {
  const std::vector<bool> mask = QuaternionQposMask(spec);
  std::vector<int> indices;
  for (int i = 0; i < spec.nq(); ++i) {
    if (mask[i]) indices.push_back(i);
  }
  return indices;
}

void TangentDelta(const v1::StateSpec& spec, const double* state_a,
                  const double* state_b, double* out) {
  const int nq = spec.nq(), nv = spec.nv();
  if (spec.joints_size() == 0) {
    for (int i = 0; i < nq; ++i) out[i] = state_b[i] - state_a[i];
  }
  for (const v1::Joint& joint : spec.joints()) {
    const double* a = state_a + joint.qpos_offset();
    const double* b = state_b + joint.qpos_offset();
    double* d = out + joint.qvel_offset();
    switch (joint.type()) {
      case v1::Joint::FREE:
        for (int i = 0; i < 3; ++i) d[i] = b[i] - a[i];
        QuatDifference(a + 3, b + 3, d + 3);
        break;
      case v1::Joint::BALL:
        QuatDifference(a, b, d);
        break;
      default:
        d[0] = b[0] - a[0];
        break;
    }
  }
  for (int i = 0; i < nv; ++i) out[nv + i] = state_b[nq + i] - state_a[nq + i];
}

void TangentIntegrate(const v1::StateSpec& spec, const double* state,
                      const double* delta, double* out) {
  const int nq = spec.nq(), nv = spec.nv();
  if (spec.joints_size() == 0) {
    for (int i = 0; i < nq; ++i) out[i] = state[i] + delta[i];
  }
  for (const v1::Joint& joint : spec.joints()) {
    const double* s = state + joint.qpos_offset();
    const double* d = delta + joint.qvel_offset();
    double* o = out + joint.qpos_offset();
    switch (joint.type()) {
      case v1::Joint::FREE:
        for (int i = 0; i < 3; ++i) o[i] = s[i] + d[i];
        QuatIntegrate(s + 3, d + 3, o + 3);
        break;
      case v1::Joint::BALL:
        QuatIntegrate(s, d, o);
        break;
      default:
        o[0] = s[0] + d[0];
        break;
    }
  }
  for (int i = 0; i < nv; ++i) out[nq + i] = state[nq + i] + delta[nv + i];
}

}  // namespace wm::datasets
