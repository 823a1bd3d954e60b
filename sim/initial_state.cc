#include "sim/initial_state.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace wm::sim {
namespace {

int JointQposSize(int type) {
  return type == mjJNT_FREE ? 7 : type == mjJNT_BALL ? 4 : 1;
}
int JointQvelSize(int type) {
  return type == mjJNT_FREE ? 6 : type == mjJNT_BALL ? 3 : 1;
}

absl::StatusOr<int> JointId(const mjModel& model, const std::string& name,
                            const char* what) {
  int id = mj_name2id(&model, mjOBJ_JOINT, name.c_str());
  if (id < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("initial_state ", what, ": no joint named '", name, "'"));
  }
  return id;
}

}  // namespace

absl::StatusOr<InitialStateSampler> InitialStateSampler::Create(
    const mjModel& model, const v1::InitialStateConfig& config) {
  InitialStateSampler sampler;
  auto add_ranges = [&](const auto& ranges, bool position,
                        std::vector<Range>* out) -> absl::Status {
    const char* what = position ? "qpos" : "qvel";
    for (const v1::StateRange& range : ranges) {
      auto id = JointId(model, range.joint(), what);
      if (!id.ok()) return id.status();
      const int type = model.jnt_type[*id];
      const int size = position ? JointQposSize(type) : JointQvelSize(type);
      if (range.component() < 0 || range.component() >= size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "initial_state ", what, ": joint '", range.joint(), "' has ", size,
            " components, not component ", range.component()));
      }
      if (!(range.min() <= range.max())) {
        return absl::InvalidArgumentError(
            absl::StrCat("initial_state ", what, " of joint '", range.joint(),
                         "': min ", range.min(), " > max ", range.max()));
      }
      const int base =
          position ? model.jnt_qposadr[*id] : model.jnt_dofadr[*id];
      out->push_back({base + range.component(), range.min(), range.max()});
    }
    return absl::OkStatus();
  };
  if (auto status = add_ranges(config.qpos(), true, &sampler.qpos_);
      !status.ok()) {
    return status;
  }
  if (auto status = add_ranges(config.qvel(), false, &sampler.qvel_);
      !status.ok()) {
    return status;
  }
  for (const std::string& name : config.random_orientation_joints()) {
    auto id = JointId(model, name, "random_orientation_joints");
    if (!id.ok()) return id.status();
    const int type = model.jnt_type[*id];
    if (type != mjJNT_FREE && type != mjJNT_BALL) {
      return absl::InvalidArgumentError(
          absl::StrCat("initial_state random_orientation_joints: joint '", name,
                       "' is neither free nor ball"));
    }
    sampler.orientation_addresses_.push_back(model.jnt_qposadr[*id] +
                                             (type == mjJNT_FREE ? 3 : 0));
  }
  for (const std::string& name : config.random_yaw_joints()) {
    auto id = JointId(model, name, "random_yaw_joints");
    if (!id.ok()) return id.status();
    if (model.jnt_type[*id] != mjJNT_FREE) {
      return absl::InvalidArgumentError(absl::StrCat(
          "initial_state random_yaw_joints: joint '", name, "' is not free"));
    }
    sampler.yaw_addresses_.push_back(model.jnt_qposadr[*id] + 3);
  }
  sampler.max_yaw_ = config.max_yaw();
  sampler.reject_penetration_ = config.reject_penetration();
  return sampler;
}

void InitialStateSampler::DrawOnce(const mjModel& model, mjData* data,
                                   Rng* rng) const {
  mju_copy(data->qpos, model.qpos0, model.nq);
  mju_zero(data->qvel, model.nv);
  for (const Range& range : qpos_) {
    data->qpos[range.address] = rng->Uniform(range.min, range.max);
  }
  for (const Range& range : qvel_) {
    data->qvel[range.address] = rng->Uniform(range.min, range.max);
  }
  for (int address : orientation_addresses_) {
    // Four normals, normalised: uniform over SO(3).
    mjtNum* quat = data->qpos + address;
    for (int k = 0; k < 4; ++k) quat[k] = rng->Normal();
    mju_normalize4(quat);
  }
  for (int address : yaw_addresses_) {
    const double yaw = rng->Uniform(-max_yaw_, max_yaw_);
    const mjtNum about_z[4] = {std::cos(yaw / 2), 0, 0, std::sin(yaw / 2)};
    mjtNum rotated[4];
    mju_mulQuat(rotated, about_z, data->qpos + address);
    mju_copy4(data->qpos + address, rotated);
  }
  mj_forward(&model, data);
}

void InitialStateSampler::Sample(const mjModel& model, mjData* data,
                                 Rng* rng) const {
  constexpr int kMaxDraws = 100;
  constexpr double kMaxPenetration = 1e-3;  // m
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    DrawOnce(model, data, rng);
    if (!reject_penetration_) return;
    bool penetrating = false;
    for (int i = 0; i < data->ncon; ++i) {
      if (data->contact[i].dist < -kMaxPenetration) penetrating = true;
    }
    if (!penetrating) return;
  }
}

}  // namespace wm::sim
