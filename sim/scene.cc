#include "sim/scene.h"

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace wm::sim {

namespace {

// True when body `b` hangs from the world by slide joints only.
bool IsWorldSlideBody(const mjModel& model, int b) {
  if (model.body_parentid[b] != 0 || model.body_jntnum[b] == 0) return false;
  for (int k = 0; k < model.body_jntnum[b]; ++k) {
    if (model.jnt_type[model.body_jntadr[b] + k] != mjJNT_SLIDE) return false;
  }
  return true;
}

// World axis of slide joint `j`: its body frame is the world's rotated by
// body_quat (the body hangs from the world).
void WorldAxis(const mjModel& model, int j, mjtNum axis[3]) {
  mju_rotVecQuat(axis, model.jnt_axis + 3 * j,
                 model.body_quat + 4 * model.jnt_bodyid[j]);
}

// Fills the body, world axis and body origin of slide joint `j` when its
// body hangs from the world by slide joints only (see Joint in
// state_spec.proto). MuJoCo moves such a body by axis * (qpos - qpos0), so
// its origin is body_pos - sum of axis * qpos0 over the body's joints.
void DescribeWorldSlide(const mjModel& model, int j, v1::Joint* joint) {
  const int b = model.jnt_bodyid[j];
  if (!IsWorldSlideBody(model, b)) return;
  const char* name = mj_id2name(&model, mjOBJ_BODY, b);
  joint->set_body(name != nullptr ? name : absl::StrCat("body", b));
  mjtNum origin[3] = {model.body_pos[3 * b], model.body_pos[3 * b + 1],
                      model.body_pos[3 * b + 2]};
  for (int k = 0; k < model.body_jntnum[b]; ++k) {
    const int other = model.body_jntadr[b] + k;
    mjtNum axis[3];
    WorldAxis(model, other, axis);
    const mjtNum qpos0 = model.qpos0[model.jnt_qposadr[other]];
    for (int i = 0; i < 3; ++i) origin[i] -= axis[i] * qpos0;
  }
  mjtNum axis[3];
  WorldAxis(model, j, axis);
  for (int i = 0; i < 3; ++i) {
    joint->add_world_axis(axis[i]);
    joint->add_body_origin(origin[i]);
  }
}

}  // namespace

v1::StateSpec BuildStateSpec(
    const mjModel& model,
    const google::protobuf::Map<std::string, std::string>& actuator_units) {
  v1::StateSpec spec;
  spec.set_nq(model.nq);
  spec.set_nv(model.nv);
  spec.set_nu(model.nu);
  for (int j = 0; j < model.njnt; ++j) {
    v1::Joint* joint = spec.add_joints();
    const char* name = mj_id2name(&model, mjOBJ_JOINT, j);
    joint->set_name(name != nullptr ? name : absl::StrCat("joint", j));
    joint->set_qpos_offset(model.jnt_qposadr[j]);
    joint->set_qvel_offset(model.jnt_dofadr[j]);
    joint->set_quaternion_offset(-1);
    switch (model.jnt_type[j]) {
      case mjJNT_FREE:
        joint->set_type(v1::Joint::FREE);
        joint->set_quaternion_offset(model.jnt_qposadr[j] + 3);
        joint->set_linear_velocity_frame(v1::Joint::WORLD);
        joint->set_angular_velocity_frame(v1::Joint::BODY);
        break;
      case mjJNT_BALL:
        joint->set_type(v1::Joint::BALL);
        joint->set_quaternion_offset(model.jnt_qposadr[j]);
        joint->set_angular_velocity_frame(v1::Joint::BODY);
        break;
      case mjJNT_SLIDE:
        joint->set_type(v1::Joint::SLIDE);
        DescribeWorldSlide(model, j, joint);
        break;
      default:
        joint->set_type(v1::Joint::HINGE);
        break;
    }
  }
  for (int a = 0; a < model.nu; ++a) {
    v1::Actuator* actuator = spec.add_actuators();
    const char* name = mj_id2name(&model, mjOBJ_ACTUATOR, a);
    actuator->set_name(name != nullptr ? name : absl::StrCat("actuator", a));
    if (model.actuator_ctrllimited[a]) {
      actuator->set_ctrl_min(model.actuator_ctrlrange[2 * a]);
      actuator->set_ctrl_max(model.actuator_ctrlrange[2 * a + 1]);
    }
    auto unit = actuator_units.find(actuator->name());
    if (unit != actuator_units.end()) actuator->set_unit(unit->second);
  }
  return spec;
}

absl::StatusOr<std::shared_ptr<const Scene>> Scene::Create(
    const v1::SceneConfig& config) {
  const std::string source = absl::StrCat("scene '", config.name(), "'");
  if (config.mjcf().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no MJCF (set mjcf or mjcf_file)"));
  }
  if (config.frame_skip() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": frame_skip must be >= 1, not ", config.frame_skip()));
  }
  if (config.timestep() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": timestep must be positive, not ", config.timestep()));
  }
  const std::string& cone = config.friction_cone();
  if (!cone.empty() && cone != "pyramidal" && cone != "elliptic") {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": friction_cone must be \"pyramidal\" or "
                     "\"elliptic\", not \"",
                     cone, "\""));
  }
  WM_ASSIGN_OR_RETURN(ModelPtr model, CompileMjcf(config.mjcf(), source));
  if (config.timestep() > 0) model->opt.timestep = config.timestep();
  if (cone == "pyramidal") model->opt.cone = mjCONE_PYRAMIDAL;
  if (cone == "elliptic") model->opt.cone = mjCONE_ELLIPTIC;

  std::vector<PhysicalParameter> parameters;
  for (const v1::ParameterRange& range : config.randomize()) {
    absl::StatusOr<PhysicalParameter> parameter =
        ResolveParameter(*model, range);
    if (!parameter.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", parameter.status().message()));
    }
    for (const PhysicalParameter& earlier : parameters) {
      if (earlier.name == parameter->name) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": parameter ", parameter->name, " is randomised twice"));
      }
    }
    parameters.push_back(*std::move(parameter));
  }
  absl::StatusOr<InitialStateSampler> initial_state =
      InitialStateSampler::Create(*model, config.initial_state());
  if (!initial_state.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", initial_state.status().message()));
  }
  v1::StateSpec spec = BuildStateSpec(*model, config.actuator_units());
  return std::shared_ptr<const Scene>(
      new Scene(config, std::move(model), std::move(spec),
                std::move(parameters), *std::move(initial_state)));
}

Scene::Scene(v1::SceneConfig config, ModelPtr model, v1::StateSpec spec,
             std::vector<PhysicalParameter> parameters,
             InitialStateSampler initial_state)
    : config_(std::move(config)),
      model_(std::move(model)),
      spec_(std::move(spec)),
      parameters_(std::move(parameters)),
      initial_state_(std::move(initial_state)) {}

std::vector<double> Scene::NominalParameters() const {
  std::vector<double> values;
  for (const PhysicalParameter& parameter : parameters_) {
    values.push_back(ReadParameter(*model_, parameter));
  }
  return values;
}

}  // namespace wm::sim
