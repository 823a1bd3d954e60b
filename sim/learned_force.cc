#include "sim/learned_force.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/learned_force_shape.h"

namespace wm::sim {
namespace {

constexpr double kGravity = 9.81;        // m/s^2, the box force's scale
constexpr double kSlipEpsilon = 0.01;    // m/s, smooths the slip direction
constexpr double kGateShift = 0.005;     // m per unit of weight a
constexpr double kGateWidth = 0.002;     // m at weight b = 0
constexpr double kTorqueScale = 0.1;     // N m per unit of joint output
constexpr double kJointSpeedScale = 10;  // rad/s
constexpr int kMaxHidden = 64;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

absl::StatusOr<int> LearnedForceLaw::NumWeights(const std::string& features,
                                                int hidden,
                                                const mjModel& model) {
  absl::StatusOr<LearnedForceShape> shape =
      LearnedForceShapeOf(features, model);
  if (!shape.ok()) return shape.status();
  if (hidden < 1 || hidden > kMaxHidden) {
    return absl::InvalidArgumentError(
        absl::StrCat("learned force hidden units ", hidden, " not in [1, ",
                     kMaxHidden, "]"));
  }
  return shape->NumWeights(hidden);
}

absl::StatusOr<std::shared_ptr<const LearnedForceLaw>> LearnedForceLaw::Create(
    const v1::LearnedForce& force, const mjModel& model) {
  absl::StatusOr<int> expected =
      NumWeights(force.features(), force.hidden(), model);
  if (!expected.ok()) return expected.status();
  if (force.weights_size() != *expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("learned force '", force.features(), "' with ",
                     force.hidden(), " hidden units has ", force.weights_size(),
                     " weights; expected ", *expected));
  }
  for (int i = 0; i < force.weights_size(); ++i) {
    if (!std::isfinite(force.weights(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("learned force weight ", i, " is not finite"));
    }
  }
  const LearnedForceShape shape = *LearnedForceShapeOf(force.features(), model);
  if (shape.box_corners && !(force.half_width() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("learned force 'box_corners' half_width ",
                     force.half_width(), " is not positive"));
  }
  return std::shared_ptr<const LearnedForceLaw>(
      new LearnedForceLaw(force, shape.inputs, shape.outputs));
}

LearnedForceLaw::LearnedForceLaw(v1::LearnedForce proto, int inputs,
                                 int outputs)
    : proto_(std::move(proto)),
      box_corners_(proto_.features() == "box_corners"),
      inputs_(inputs),
      outputs_(outputs),
      hidden_(proto_.hidden()),
      weights_(proto_.weights().begin(), proto_.weights().end()) {}

void LearnedForceLaw::Evaluate(const double* input, double* output) const {
  const double* w1 = weights_.data();
  const double* b1 = w1 + hidden_ * inputs_;
  const double* w2 = b1 + hidden_;
  const double* b2 = w2 + outputs_ * hidden_;
  double hidden[kMaxHidden];
  for (int h = 0; h < hidden_; ++h) {
    double sum = b1[h];
    for (int i = 0; i < inputs_; ++i) sum += w1[h * inputs_ + i] * input[i];
    hidden[h] = std::tanh(sum);
  }
  for (int o = 0; o < outputs_; ++o) {
    double sum = b2[o];
    for (int h = 0; h < hidden_; ++h) sum += w2[o * hidden_ + h] * hidden[h];
    output[o] = sum;
  }
}

void LearnedForceLaw::Apply(const mjModel& model, mjData* data) const {
  mju_zero(data->qfrc_applied, model.nv);
  if (box_corners_) {
    ApplyBoxCorners(model, data);
  } else {
    ApplyJoints(model, data);
  }
}

void LearnedForceLaw::ApplyBoxCorners(const mjModel& model,
                                      mjData* data) const {
  const int qpos = model.jnt_qposadr[0], dof = model.jnt_dofadr[0];
  const double* position = data->qpos + qpos;
  const double* quat = data->qpos + qpos + 3;
  const double* velocity = data->qvel + dof;  // world frame
  double omega[3];                            // world frame
  mju_rotVecQuat(omega, data->qvel + dof + 3, quat);
  const double half = proto_.half_width();
  const double mass = model.body_mass[model.jnt_bodyid[0]];
  const double gate_centre = kGateShift * weights_[weights_.size() - 2];
  const double gate_width = kGateWidth * std::exp(weights_.back());
  double force_total[3] = {0, 0, 0}, torque_world[3] = {0, 0, 0};
  for (int c = 0; c < 8; ++c) {
    const double local[3] = {c & 1 ? half : -half, c & 2 ? half : -half,
                             c & 4 ? half : -half};
    double arm[3], spin[3], corner_velocity[3];
    mju_rotVecQuat(arm, local, quat);
    mju_cross(spin, omega, arm);
    mju_add3(corner_velocity, velocity, spin);
    const double height = position[2] + arm[2];
    const double gate = Sigmoid((gate_centre - height) / gate_width);
    if (gate < 1e-6) continue;
    const double slip = std::hypot(corner_velocity[0], corner_velocity[1]);
    const double input[kBoxCornerInputs] = {height / half, corner_velocity[2],
                                            slip};
    double output[kBoxCornerOutputs];
    Evaluate(input, output);
    const double scale = mass * kGravity * gate;
    const double along =
        output[1] / std::sqrt(slip * slip + kSlipEpsilon * kSlipEpsilon);
    const double force[3] = {scale * along * corner_velocity[0],
                             scale * along * corner_velocity[1],
                             scale * output[0]};
    double torque[3];
    mju_cross(torque, arm, force);
    mju_addTo3(force_total, force);
    mju_addTo3(torque_world, torque);
  }
  // Generalised force of the free joint: the force itself (its linear dofs
  // are the body origin's world velocity) and the torque in the body frame
  // (its angular dofs are the body-frame angular velocity).
  double inverse[4];
  mju_negQuat(inverse, quat);
  mju_copy3(data->qfrc_applied + dof, force_total);
  mju_rotVecQuat(data->qfrc_applied + dof + 3, torque_world, inverse);
}

void LearnedForceLaw::ApplyJoints(const mjModel& model, mjData* data) const {
  std::vector<double> input(inputs_), output(outputs_);
  for (int j = 0; j < model.njnt; ++j) {
    const double angle = data->qpos[model.jnt_qposadr[j]];
    input[3 * j] = std::sin(angle);
    input[3 * j + 1] = std::cos(angle);
    input[3 * j + 2] = data->qvel[model.jnt_dofadr[j]] / kJointSpeedScale;
  }
  Evaluate(input.data(), output.data());
  for (int j = 0; j < model.njnt; ++j) {
    data->qfrc_applied[model.jnt_dofadr[j]] = kTorqueScale * output[j];
  }
}

}  // namespace wm::sim
