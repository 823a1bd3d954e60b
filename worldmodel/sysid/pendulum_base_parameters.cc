#include "worldmodel/sysid/pendulum_base_parameters.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace wm::worldmodel {
namespace {

double Dot(const mjtNum a[3], const mjtNum b[3]) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

// Component of v perpendicular to the unit axis a, into out.
void Perpendicular(const mjtNum v[3], const mjtNum a[3], mjtNum out[3]) {
  const double along = Dot(v, a);
  for (int k = 0; k < 3; ++k) out[k] = v[k] - along * a[k];
}

// The body's inertia about its centre of mass around `axis` (body frame).
double InertiaAbout(const mjModel& model, int body, const mjtNum axis[3]) {
  // Principal moments live in the inertial frame body_iquat.
  mjtNum local[3];
  mjtNum inverse[4];
  mju_negQuat(inverse, model.body_iquat + 4 * body);
  mju_rotVecQuat(local, axis, inverse);
  const mjtNum* moments = model.body_inertia + 3 * body;
  return moments[0] * local[0] * local[0] + moments[1] * local[1] * local[1] +
         moments[2] * local[2] * local[2];
}

}  // namespace

absl::StatusOr<std::vector<BaseParameter>> DoublePendulumBaseParameters(
    const mjModel& model) {
  if (model.njnt != 2 || model.jnt_type[0] != mjJNT_HINGE ||
      model.jnt_type[1] != mjJNT_HINGE) {
    return absl::InvalidArgumentError(
        "base parameters need a model with exactly two hinge joints");
  }
  const int upper = model.jnt_bodyid[0], lower = model.jnt_bodyid[1];
  if (model.body_parentid[lower] != upper) {
    return absl::InvalidArgumentError(
        "base parameters: the second joint's body is not a child of the "
        "first's");
  }
  // Everything in the upper body's frame, except the lower body's own
  // quantities, which stay in its frame.
  mjtNum axis1[3], axis2[3], axis2_in_upper[3];
  mju_copy3(axis1, model.jnt_axis);
  mju_copy3(axis2, model.jnt_axis + 3);
  mju_normalize3(axis1);
  mju_normalize3(axis2);
  const mjtNum* lower_quat = model.body_quat + 4 * lower;
  mju_rotVecQuat(axis2_in_upper, axis2, lower_quat);
  if (std::abs(std::abs(Dot(axis1, axis2_in_upper)) - 1) > 1e-9) {
    return absl::InvalidArgumentError(
        "base parameters: the two joint axes are not parallel");
  }
  // Elbow anchor in the upper frame, relative to the shoulder anchor.
  mjtNum anchor2[3], link1[3], link1_perp[3];
  mju_rotVecQuat(anchor2, model.jnt_pos + 3, lower_quat);
  for (int k = 0; k < 3; ++k) {
    link1[k] = model.body_pos[3 * lower + k] + anchor2[k] - model.jnt_pos[k];
  }
  Perpendicular(link1, axis1, link1_perp);
  const double l1 = mju_norm3(link1_perp);
  if (l1 <= 0) {
    return absl::InvalidArgumentError(
        "base parameters: the joint axes coincide (l1 = 0)");
  }
  mjtNum direction[3];  // along the first link, upper frame
  for (int k = 0; k < 3; ++k) direction[k] = link1_perp[k] / l1;
  mjtNum direction_lower[3], inverse[4];  // the same in the lower frame
  mju_negQuat(inverse, lower_quat);
  mju_rotVecQuat(direction_lower, direction, inverse);

  mjtNum com1[3], com2[3];
  for (int k = 0; k < 3; ++k) {
    com1[k] = model.body_ipos[3 * upper + k] - model.jnt_pos[k];
    com2[k] = model.body_ipos[3 * lower + k] - model.jnt_pos[3 + k];
  }
  const double r1 = Dot(com1, direction);
  const double r2 = Dot(com2, direction_lower);
  const double m1 = model.body_mass[upper], m2 = model.body_mass[lower];
  const double i1 = InertiaAbout(model, upper, axis1);
  const double i2 = InertiaAbout(model, lower, axis2);
  const int dof1 = model.jnt_dofadr[0], dof2 = model.jnt_dofadr[1];
  const std::string j1 = mj_id2name(&model, mjOBJ_JOINT, 0)
                             ? mj_id2name(&model, mjOBJ_JOINT, 0)
                             : "joint0";
  const std::string j2 = mj_id2name(&model, mjOBJ_JOINT, 1)
                             ? mj_id2name(&model, mjOBJ_JOINT, 1)
                             : "joint1";
  return std::vector<BaseParameter>{
      {j1 + "/inertia", "kg m^2",
       i1 + m1 * r1 * r1 + m2 * l1 * l1 + model.dof_armature[dof1]},
      {j2 + "/inertia", "kg m^2", i2 + m2 * r2 * r2 + model.dof_armature[dof2]},
      {j1 + "/gravity_moment", "kg m", m1 * r1 + m2 * l1},
      {j2 + "/gravity_moment", "kg m", m2 * r2},
      {"coupling", "kg m^2", m2 * r2 * l1},
      {j1 + "/damping", "N m s/rad", model.dof_damping[dof1]},
      {j2 + "/damping", "N m s/rad", model.dof_damping[dof2]},
      {j1 + "/frictionloss", "N m", model.dof_frictionloss[dof1]},
      {j2 + "/frictionloss", "N m", model.dof_frictionloss[dof2]},
  };
}

}  // namespace wm::worldmodel
