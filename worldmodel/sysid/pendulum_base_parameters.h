#ifndef WM_WORLDMODEL_SYSID_PENDULUM_BASE_PARAMETERS_H_
#define WM_WORLDMODEL_SYSID_PENDULUM_BASE_PARAMETERS_H_

#include <mujoco/mujoco.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wm::worldmodel {

// A quantity derived from a model, in SI units.
struct BaseParameter {
  std::string name;
  std::string unit;
  double value = 0;
};

// The base parameters of a planar two-link pendulum (the double_pendulum
// scene; the real rig's README), which joint logs identify, computed from
// `model`'s masses, centres of mass, inertias and joint properties. The
// model must have exactly two hinge joints, the second's body a child of
// the first's, with parallel axes. With l1 the distance between the two
// joint axes, r1 / r2 each link's centre-of-mass distance from its joint
// axis, signed along the first link (from the shoulder towards the elbow;
// an off-line component of the centre of mass is ignored), I1 / I2 each
// link's inertia about its centre of mass around the joint axis, and
// armature the rotor inertia at the joint:
//   <j1>/inertia          I1 + m1 r1^2 + m2 l1^2 + armature1   kg m^2
//   <j2>/inertia          I2 + m2 r2^2 + armature2             kg m^2
//   <j1>/gravity_moment   m1 r1 + m2 l1                        kg m
//   <j2>/gravity_moment   m2 r2                                kg m
//   coupling              m2 r2 l1                             kg m^2
//   <j1>/damping, <j2>/damping            N m s/rad
//   <j1>/frictionloss, <j2>/frictionloss  N m (Coulomb friction)
// where <j1>, <j2> are the joint names. The mass matrix is then
// M11 = <j1>/inertia + <j2>/inertia - armature2 + 2 coupling cos q2,
// M12 = <j2>/inertia - armature2 + coupling cos q2, M22 = <j2>/inertia.
// INVALID_ARGUMENT when the model is not such a pendulum. Pure.
absl::StatusOr<std::vector<BaseParameter>> DoublePendulumBaseParameters(
    const mjModel& model);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_SYSID_PENDULUM_BASE_PARAMETERS_H_
