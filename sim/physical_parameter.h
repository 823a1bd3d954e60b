#ifndef WM_SIM_PHYSICAL_PARAMETER_H_
#define WM_SIM_PHYSICAL_PARAMETER_H_

#include <mujoco/mujoco.h>

#include <string>

#include "absl/status/statusor.h"
#include "wm/v1/scene.pb.h"

namespace wm::sim {

// A randomisable physical quantity of one MJCF element, resolved against a
// compiled model. Its name is `<element>/<quantity>` in SI units
// (docs/design.md section 3); scene.proto's ParameterRange lists the
// quantities.
struct PhysicalParameter {
  enum class Quantity {
    kMass,
    kComX,
    kComY,
    kComZ,
    kInertiaX,
    kInertiaY,
    kInertiaZ,
    kFriction,
    kSolrefStiffness,
    kSolrefDamping,
    kDamping,
    kFrictionLoss,
    kArmature,
  };
  enum class Element { kBody, kGeom, kPair, kJoint };

  std::string name;  // "box/mass"
  std::string unit;  // "kg"
  Element element;
  Quantity quantity;
  int id;  // MuJoCo id of the element (for joints: the joint id)
  double min;
  double max;
};

// Resolves `range` against `model`. INVALID_ARGUMENT naming the parameter
// when the element does not exist, the quantity does not apply to that kind of
// element, min > max, a mass, inertia, friction, stiffness, damping or
// armature range goes below zero, or a solref quantity is asked of an element
// whose MJCF solref is not in MuJoCo's direct (negative) form.
absl::StatusOr<PhysicalParameter> ResolveParameter(
    const mjModel& model, const v1::ParameterRange& range);

// The parameter's current value in `model`, in its unit.
double ReadParameter(const mjModel& model, const PhysicalParameter& parameter);

// Sets the parameter in `model`. A mass change scales the body's inertia by
// the same factor (the shape is kept). Callers run mj_setConst afterwards so
// MuJoCo's derived constants follow.
void WriteParameter(mjModel* model, const PhysicalParameter& parameter,
                    double value);

}  // namespace wm::sim

#endif  // WM_SIM_PHYSICAL_PARAMETER_H_
