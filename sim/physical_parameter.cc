#include "sim/physical_parameter.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "util/logging.h"

namespace wm::sim {
namespace {

using Element = PhysicalParameter::Element;
using Quantity = PhysicalParameter::Quantity;

struct QuantityInfo {
  Quantity quantity;
  std::vector<Element> elements;
  bool non_negative;
};

const std::map<std::string, QuantityInfo>& Quantities() {
  static const auto* const kQuantities =
      new std::map<std::string, QuantityInfo>{
          {"mass", {Quantity::kMass, {Element::kBody}, true}},
          {"com_x", {Quantity::kComX, {Element::kBody}, false}},
          {"com_y", {Quantity::kComY, {Element::kBody}, false}},
          {"com_z", {Quantity::kComZ, {Element::kBody}, false}},
          {"inertia_x", {Quantity::kInertiaX, {Element::kBody}, true}},
          {"inertia_y", {Quantity::kInertiaY, {Element::kBody}, true}},
          {"inertia_z", {Quantity::kInertiaZ, {Element::kBody}, true}},
          {"friction",
           {Quantity::kFriction, {Element::kGeom, Element::kPair}, true}},
          {"solref_stiffness",
           {Quantity::kSolrefStiffness,
            {Element::kGeom, Element::kPair},
            true}},
          {"solref_damping",
           {Quantity::kSolrefDamping, {Element::kGeom, Element::kPair}, true}},
          {"damping", {Quantity::kDamping, {Element::kJoint}, true}},
          {"frictionloss", {Quantity::kFrictionLoss, {Element::kJoint}, true}},
          {"armature", {Quantity::kArmature, {Element::kJoint}, true}},
      };
  return *kQuantities;
}

// Finds the element named `name` among the kinds `quantity` applies to.
bool FindElement(const mjModel& model, const std::string& name,
                 const std::vector<Element>& kinds, Element* element, int* id) {
  for (Element kind : kinds) {
    mjtObj type = kind == Element::kBody   ? mjOBJ_BODY
                  : kind == Element::kGeom ? mjOBJ_GEOM
                  : kind == Element::kPair ? mjOBJ_PAIR
                                           : mjOBJ_JOINT;
    int found = mj_name2id(&model, type, name.c_str());
    if (found >= 0) {
      *element = kind;
      *id = found;
      return true;
    }
  }
  return false;
}

std::string UnitOf(const mjModel& model, Element element, Quantity quantity,
                   int id) {
  const bool linear =
      element == Element::kJoint && model.jnt_type[id] == mjJNT_SLIDE;
  switch (quantity) {
    case Quantity::kMass:
      return "kg";
    case Quantity::kComX:
    case Quantity::kComY:
    case Quantity::kComZ:
      return "m";
    case Quantity::kInertiaX:
    case Quantity::kInertiaY:
    case Quantity::kInertiaZ:
      return "kg m^2";
    case Quantity::kFriction:
      return "1";
    case Quantity::kSolrefStiffness:
      return "1/s^2";
    case Quantity::kSolrefDamping:
      return "1/s";
    case Quantity::kDamping:
      return linear ? "N s/m" : "N m s/rad";
    case Quantity::kFrictionLoss:
      return linear ? "N" : "N m";
    case Quantity::kArmature:
      return linear ? "kg" : "kg m^2";
  }
  return "";
}

// The solref pair of a geom or contact pair.
mjtNum* Solref(mjModel* model, Element element, int id) {
  return element == Element::kGeom ? model->geom_solref + 2 * id
                                   : model->pair_solref + 2 * id;
}

}  // namespace

absl::StatusOr<PhysicalParameter> ResolveParameter(
    const mjModel& model, const v1::ParameterRange& range) {
  const std::string name = absl::StrCat(range.element(), "/", range.quantity());
  auto info = Quantities().find(range.quantity());
  if (info == Quantities().end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter ", name, ": unknown quantity '", range.quantity(),
        "' (known: mass, com_x/y/z, inertia_x/y/z, friction, "
        "solref_stiffness, solref_damping, damping, frictionloss, armature)"));
  }
  PhysicalParameter parameter;
  parameter.name = name;
  parameter.quantity = info->second.quantity;
  if (!FindElement(model, range.element(), info->second.elements,
                   &parameter.element, &parameter.id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter ", name, ": the MJCF has no element named '",
                     range.element(), "' that has a ", range.quantity()));
  }
  if (!(range.min() <= range.max())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter ", name, ": min ", range.min(), " > max ", range.max()));
  }
  if (info->second.non_negative && range.min() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter ", name, ": range [", range.min(), ", ",
                     range.max(), "] goes below zero"));
  }
  if (parameter.quantity == Quantity::kMass && range.min() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter ", name, ": a mass must be positive"));
  }
  if (parameter.quantity == Quantity::kSolrefStiffness ||
      parameter.quantity == Quantity::kSolrefDamping) {
    const mjtNum* solref =
        Solref(const_cast<mjModel*>(&model), parameter.element, parameter.id);
    if (solref[0] >= 0 || solref[1] >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter ", name, ": '", range.element(),
          "' has solref in standard form; write it in MuJoCo's direct form, "
          "solref=\"-stiffness -damping\""));
    }
  }
  parameter.unit =
      UnitOf(model, parameter.element, parameter.quantity, parameter.id);
  parameter.min = range.min();
  parameter.max = range.max();
  return parameter;
}

double ReadParameter(const mjModel& model, const PhysicalParameter& p) {
  const int id = p.id;
  switch (p.quantity) {
    case Quantity::kMass:
      return model.body_mass[id];
    case Quantity::kComX:
    case Quantity::kComY:
    case Quantity::kComZ:
      return model.body_ipos[3 * id + static_cast<int>(p.quantity) -
                             static_cast<int>(Quantity::kComX)];
    case Quantity::kInertiaX:
    case Quantity::kInertiaY:
    case Quantity::kInertiaZ:
      return model.body_inertia[3 * id + static_cast<int>(p.quantity) -
                                static_cast<int>(Quantity::kInertiaX)];
    case Quantity::kFriction:
      return p.element == Element::kGeom ? model.geom_friction[3 * id]
                                         : model.pair_friction[5 * id];
    case Quantity::kSolrefStiffness:
      return -Solref(const_cast<mjModel*>(&model), p.element, id)[0];
    case Quantity::kSolrefDamping:
      return -Solref(const_cast<mjModel*>(&model), p.element, id)[1];
    case Quantity::kDamping:
      return model.dof_damping[model.jnt_dofadr[id]];
    case Quantity::kFrictionLoss:
      return model.dof_frictionloss[model.jnt_dofadr[id]];
    case Quantity::kArmature:
      return model.dof_armature[model.jnt_dofadr[id]];
  }
  LOG(FATAL) << "unhandled quantity";
}

void WriteParameter(mjModel* model, const PhysicalParameter& p, double value) {
  const int id = p.id;
  // Joint quantities apply to every dof of the joint (1 for slide / hinge).
  auto for_each_dof = [&](mjtNum* array) {
    const int first = model->jnt_dofadr[id];
    const int count = model->jnt_type[id] == mjJNT_FREE   ? 6
                      : model->jnt_type[id] == mjJNT_BALL ? 3
                                                          : 1;
    for (int i = 0; i < count; ++i) array[first + i] = value;
  };
  switch (p.quantity) {
    case Quantity::kMass: {
      const double scale = value / model->body_mass[id];
      model->body_mass[id] = value;
      for (int k = 0; k < 3; ++k) model->body_inertia[3 * id + k] *= scale;
      return;
    }
    case Quantity::kComX:
    case Quantity::kComY:
    case Quantity::kComZ:
      model->body_ipos[3 * id + static_cast<int>(p.quantity) -
                       static_cast<int>(Quantity::kComX)] = value;
      return;
    case Quantity::kInertiaX:
    case Quantity::kInertiaY:
    case Quantity::kInertiaZ:
      model->body_inertia[3 * id + static_cast<int>(p.quantity) -
                          static_cast<int>(Quantity::kInertiaX)] = value;
      return;
    case Quantity::kFriction:
      if (p.element == Element::kGeom) {
        model->geom_friction[3 * id] = value;
      } else {
        model->pair_friction[5 * id] = value;
        model->pair_friction[5 * id + 1] = value;
      }
      return;
    case Quantity::kSolrefStiffness:
      Solref(model, p.element, id)[0] = -value;
      return;
    case Quantity::kSolrefDamping:
      Solref(model, p.element, id)[1] = -value;
      return;
    case Quantity::kDamping:
      for_each_dof(model->dof_damping);
      return;
    case Quantity::kFrictionLoss:
      for_each_dof(model->dof_frictionloss);
      return;
    case Quantity::kArmature:
      for_each_dof(model->dof_armature);
      return;
  }
}

}  // namespace wm::sim
