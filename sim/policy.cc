#include "sim/policy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wm::sim {
namespace {

// Per-actuator ctrl range; unlimited actuators get (-inf, inf).
struct CtrlRange {
  std::vector<double> low, high;
  explicit CtrlRange(const mjModel& model) {
    for (int a = 0; a < model.nu; ++a) {
      const bool limited = model.actuator_ctrllimited[a];
      low.push_back(limited ? model.actuator_ctrlrange[2 * a] : -INFINITY);
      high.push_back(limited ? model.actuator_ctrlrange[2 * a + 1] : INFINITY);
    }
  }
  double Clip(int a, double value) const {
    return std::clamp(value, low[a], high[a]);
  }
};

absl::Status RequireCtrlRanges(const Scene& scene, const char* policy) {
  for (int a = 0; a < scene.nu(); ++a) {
    if (!scene.model().actuator_ctrllimited[a]) {
      return absl::InvalidArgumentError(
          absl::StrCat(policy, " policy needs a ctrlrange on actuator '",
                       scene.spec().actuators(a).name(), "'"));
    }
  }
  return absl::OkStatus();
}

// An Ornstein-Uhlenbeck process with stationary std `sigma` and correlation
// time `tau`, sampled every `dt`.
class OrnsteinUhlenbeck {
 public:
  OrnsteinUhlenbeck(double sigma, double tau, double dt)
      : sigma_(sigma), decay_(tau > 0 ? std::exp(-dt / tau) : 0.0) {}
  void Reset(Rng* rng) { value_ = sigma_ * rng->Normal(); }
  double Next(Rng* rng) {
    value_ = decay_ * value_ +
             std::sqrt(1 - decay_ * decay_) * sigma_ * rng->Normal();
    return value_;
  }

 private:
  double sigma_;
  double decay_;
  double value_ = 0;
};

class ZeroPolicy : public Policy {
 public:
  void Reset(Rng*) override {}
  void Act(const mjModel&, const mjData&, Rng*,
           absl::Span<double> ctrl) override {
    std::fill(ctrl.begin(), ctrl.end(), 0.0);
  }
};

class UniformPolicy : public Policy {
 public:
  explicit UniformPolicy(const mjModel& model) : range_(model) {}
  void Reset(Rng*) override {}
  void Act(const mjModel&, const mjData&, Rng* rng,
           absl::Span<double> ctrl) override {
    for (size_t a = 0; a < ctrl.size(); ++a) {
      ctrl[a] = rng->Uniform(range_.low[a], range_.high[a]);
    }
  }

 private:
  CtrlRange range_;
};

class SmoothNoisePolicy : public Policy {
 public:
  SmoothNoisePolicy(const mjModel& model, double dt,
                    const v1::SmoothNoisePolicy& config)
      : range_(model) {
    for (int a = 0; a < model.nu; ++a) {
      const double half = 0.5 * (range_.high[a] - range_.low[a]);
      noise_.emplace_back(config.scale() * half, config.correlation_time(), dt);
    }
  }
  void Reset(Rng* rng) override {
    for (auto& noise : noise_) noise.Reset(rng);
  }
  void Act(const mjModel&, const mjData&, Rng* rng,
           absl::Span<double> ctrl) override {
    for (size_t a = 0; a < ctrl.size(); ++a) {
      const double mid = 0.5 * (range_.low[a] + range_.high[a]);
      ctrl[a] = range_.Clip(a, mid + noise_[a].Next(rng));
    }
  }

 private:
  CtrlRange range_;
  std::vector<OrnsteinUhlenbeck> noise_;
};

class ScriptedPolicy : public Policy {
 public:
  ScriptedPolicy(const mjModel& model, const v1::ScriptedPolicy& config)
      : range_(model), config_(config) {}
  void Reset(Rng* rng) override {
    values_.clear();
    for (const auto& segment : config_.segments()) {
      std::vector<double> values;
      for (int a = 0; a < segment.ctrl_min_size(); ++a) {
        values.push_back(
            rng->Uniform(segment.ctrl_min(a), segment.ctrl_max(a)));
      }
      values_.push_back(std::move(values));
    }
  }
  void Act(const mjModel&, const mjData& data, Rng*,
           absl::Span<double> ctrl) override {
    std::fill(ctrl.begin(), ctrl.end(), 0.0);
    double end = 0;
    for (int s = 0; s < config_.segments_size(); ++s) {
      end += config_.segments(s).duration();
      // Half a timestep of slack so a segment boundary on a control step is
      // not lost to rounding.
      if (data.time + 1e-9 < end) {
        for (size_t a = 0; a < ctrl.size(); ++a) {
          ctrl[a] = range_.Clip(a, values_[s][a]);
        }
        return;
      }
    }
  }

 private:
  CtrlRange range_;
  v1::ScriptedPolicy config_;
  std::vector<std::vector<double>> values_;
};

class ApproachPolicy : public Policy {
 public:
  ApproachPolicy(const mjModel& model, double dt,
                 const v1::ApproachPolicy& config, int mover, int target,
                 int actuator_x, int actuator_y)
      : range_(model),
        speed_(config.speed()),
        mover_(mover),
        target_(target),
        actuator_x_(actuator_x),
        actuator_y_(actuator_y),
        noise_x_(config.noise(), config.correlation_time(), dt),
        noise_y_(config.noise(), config.correlation_time(), dt),
        aim_radius_(config.aim_radius()),
        aim_steps_(std::max<int64_t>(
            1, std::llround(
                   (config.aim_seconds() > 0 ? config.aim_seconds() : 1.0) /
                   dt))) {}
  void Reset(Rng* rng) override {
    noise_x_.Reset(rng);
    noise_y_.Reset(rng);
    step_ = 0;
  }
  void Act(const mjModel&, const mjData& data, Rng* rng,
           absl::Span<double> ctrl) override {
    std::fill(ctrl.begin(), ctrl.end(), 0.0);
    if (aim_radius_ > 0 && step_ % aim_steps_ == 0) {
      // Uniform in the disc: radius sqrt(u) R.
      const double radius = aim_radius_ * std::sqrt(rng->Uniform());
      const double angle = rng->Uniform(0.0, 2.0 * M_PI);
      aim_x_ = radius * std::cos(angle);
      aim_y_ = radius * std::sin(angle);
    }
    ++step_;
    const double dx = data.xpos[3 * target_] + aim_x_ - data.xpos[3 * mover_];
    const double dy =
        data.xpos[3 * target_ + 1] + aim_y_ - data.xpos[3 * mover_ + 1];
    const double distance = std::max(std::hypot(dx, dy), 1e-9);
    ctrl[actuator_x_] =
        range_.Clip(actuator_x_, speed_ * dx / distance + noise_x_.Next(rng));
    ctrl[actuator_y_] =
        range_.Clip(actuator_y_, speed_ * dy / distance + noise_y_.Next(rng));
  }

 private:
  CtrlRange range_;
  double speed_;
  int mover_, target_, actuator_x_, actuator_y_;
  OrnsteinUhlenbeck noise_x_, noise_y_;
  double aim_radius_;
  int64_t aim_steps_;
  int64_t step_ = 0;
  double aim_x_ = 0, aim_y_ = 0;  // the aim's offset from the target
};

absl::StatusOr<std::unique_ptr<Policy>> CreateApproach(
    const v1::ApproachPolicy& config, const Scene& scene) {
  const mjModel& model = scene.model();
  const int mover = mj_name2id(&model, mjOBJ_BODY, config.mover_body().c_str());
  const int target =
      mj_name2id(&model, mjOBJ_BODY, config.target_body().c_str());
  if (mover < 0 || target < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "approach policy: no body named '",
        mover < 0 ? config.mover_body() : config.target_body(), "'"));
  }
  if (config.actuators_size() != 2) {
    return absl::InvalidArgumentError(
        "approach policy: name exactly two actuators (x, y)");
  }
  if (!(config.aim_radius() >= 0) || !(config.aim_seconds() >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "approach policy: aim_radius (", config.aim_radius(),
        ") and aim_seconds (", config.aim_seconds(), ") must be >= 0"));
  }
  int ids[2];
  for (int k = 0; k < 2; ++k) {
    ids[k] = mj_name2id(&model, mjOBJ_ACTUATOR, config.actuators(k).c_str());
    if (ids[k] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "approach policy: no actuator named '", config.actuators(k), "'"));
    }
  }
  return std::unique_ptr<Policy>(new ApproachPolicy(
      model, scene.dt(), config, mover, target, ids[0], ids[1]));
}

}  // namespace

std::string PolicyKindName(const v1::PolicyConfig& config) {
  switch (config.kind_case()) {
    case v1::PolicyConfig::kUniform:
      return "uniform";
    case v1::PolicyConfig::kSmoothNoise:
      return "smooth_noise";
    case v1::PolicyConfig::kScripted:
      return "scripted";
    case v1::PolicyConfig::kApproach:
      return "approach";
    default:
      return "zero";
  }
}

absl::StatusOr<std::unique_ptr<Policy>> CreatePolicy(
    const v1::PolicyConfig& requested, const Scene& scene) {
  const v1::PolicyConfig& config =
      requested.kind_case() == v1::PolicyConfig::KIND_NOT_SET
          ? scene.config().default_policy()
          : requested;
  switch (config.kind_case()) {
    case v1::PolicyConfig::kUniform: {
      if (auto status = RequireCtrlRanges(scene, "uniform"); !status.ok()) {
        return status;
      }
      return std::unique_ptr<Policy>(new UniformPolicy(scene.model()));
    }
    case v1::PolicyConfig::kSmoothNoise: {
      if (auto status = RequireCtrlRanges(scene, "smooth_noise");
          !status.ok()) {
        return status;
      }
      return std::unique_ptr<Policy>(new SmoothNoisePolicy(
          scene.model(), scene.dt(), config.smooth_noise()));
    }
    case v1::PolicyConfig::kScripted: {
      for (int s = 0; s < config.scripted().segments_size(); ++s) {
        const auto& segment = config.scripted().segments(s);
        if (segment.ctrl_min_size() != scene.nu() ||
            segment.ctrl_max_size() != scene.nu()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "scripted policy segment ", s, ": ctrl_min and ctrl_max need ",
              scene.nu(), " entries (one per actuator)"));
        }
        for (int a = 0; a < scene.nu(); ++a) {
          if (!(segment.ctrl_min(a) <= segment.ctrl_max(a))) {
            return absl::InvalidArgumentError(
                absl::StrCat("scripted policy segment ", s, ": ctrl_min[", a,
                             "] > ctrl_max[", a, "]"));
          }
        }
      }
      return std::unique_ptr<Policy>(
          new ScriptedPolicy(scene.model(), config.scripted()));
    }
    case v1::PolicyConfig::kApproach:
      return CreateApproach(config.approach(), scene);
    default:
      return std::unique_ptr<Policy>(new ZeroPolicy());
  }
}

}  // namespace wm::sim
