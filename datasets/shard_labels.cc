#include "datasets/shard_labels.h"

#include "absl/strings/str_cat.h"

namespace wm::datasets {
namespace {

void Add(ColumnLabels& labels, const std::string& name,
         const std::string& unit) {
  labels.names.push_back(name);
  labels.units.push_back(unit);
}

// Appends a joint's qpos and qvel entries in the order MuJoCo stores them.
void AddJoint(const v1::Joint& joint, ShardLabels& labels) {
  const std::string& j = joint.name();
  auto entries = [&](ColumnLabels& column,
                     std::initializer_list<const char*> names,
                     const std::string& unit) {
    for (const char* name : names)
      Add(column, absl::StrCat(j, ".", name), unit);
  };
  switch (joint.type()) {
    case v1::Joint::FREE:
      entries(labels.qpos, {"x", "y", "z"}, "m");
      entries(labels.qpos, {"qw", "qx", "qy", "qz"}, "1");
      entries(labels.qvel, {"vx", "vy", "vz"}, "m/s");
      entries(labels.qvel, {"wx", "wy", "wz"}, "rad/s");
      break;
    case v1::Joint::BALL:
      entries(labels.qpos, {"qw", "qx", "qy", "qz"}, "1");
      entries(labels.qvel, {"wx", "wy", "wz"}, "rad/s");
      break;
    case v1::Joint::SLIDE:
      Add(labels.qpos, j, "m");
      Add(labels.qvel, j, "m/s");
      break;
    default:  // HINGE
      Add(labels.qpos, j, "rad");
      Add(labels.qvel, j, "rad/s");
  }
}

// Names entries the spec leaves unnamed "<array>[i]", with no unit, up to
// `size`.
void PadTo(ColumnLabels& labels, const char* array, int size) {
  for (int i = static_cast<int>(labels.names.size()); i < size; ++i) {
    Add(labels, absl::StrCat(array, "[", i, "]"), "");
  }
}

}  // namespace

ShardLabels LabelsOf(const v1::DatasetManifest& manifest) {
  ShardLabels labels;
  labels.format_version =
      manifest.format_version() > 0 ? manifest.format_version() : 1;
  labels.dt = manifest.dt();
  for (const v1::Joint& joint : manifest.spec().joints()) {
    AddJoint(joint, labels);
  }
  for (const v1::Actuator& actuator : manifest.spec().actuators()) {
    Add(labels.ctrl, actuator.name(), actuator.unit());
  }
  for (const v1::ParameterInfo& parameter : manifest.parameters()) {
    Add(labels.params, parameter.name(), parameter.unit());
  }
  PadTo(labels.qpos, "qpos", manifest.spec().nq());
  PadTo(labels.qvel, "qvel", manifest.spec().nv());
  PadTo(labels.ctrl, "ctrl", manifest.spec().nu());
  return labels;
}

}  // namespace wm::datasets
