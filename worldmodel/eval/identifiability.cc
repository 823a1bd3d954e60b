#include "worldmodel/eval/identifiability.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace wm::worldmodel {
namespace {

// Thresholds of the rule (identifiability.h).
constexpr double kJointMovingSpeed = 0.1;  // rad/s or m/s
constexpr double kJointMovingSeconds = 0.1;
constexpr double kSlideSpeed = 0.05;  // m/s
constexpr double kSlideSeconds = 0.2;
constexpr double kSlideForce = 1.0;  // N
constexpr double kPushSpeed = 0.02;  // m/s
constexpr double kPushSeconds = 0.2;
constexpr double kPusherContactDistance = 0.08;  // m
constexpr double kPusherLag = 0.05;              // m/s
constexpr double kTossSlideHeight = 0.07;        // m, cube centre
constexpr double kTossSlideSpeed = 0.05;         // m/s
constexpr double kTossSlideSeconds = 0.05;
constexpr double kTossImpactHeight = 0.1;  // m, cube centre
constexpr double kTossFallingSpeed = 0.1;  // m/s, downwards
constexpr double kTossStoppedVz = -0.02;   // m/s
constexpr double kNegligibleSpeed = 0.01;
constexpr double kSecondsSlack = 1e-9;

// The window of one episode and accessors into it.
class Window {
 public:
  Window(const v1::StateSpec& spec, const datasets::Episode& episode,
         int64_t first, int64_t count)
      : spec_(spec), episode_(episode) {
    first_ = std::max<int64_t>(0, first);
    end_ = std::min<int64_t>(episode.num_steps(), first + count);
    if (end_ > first_) {
      dt_ = (episode.time[end_] - episode.time[first_]) / (end_ - first_);
    }
  }

  bool empty() const { return end_ <= first_; }
  int64_t first() const { return first_; }
  int64_t end() const { return end_; }
  const double* qpos(int64_t state) const {
    return &episode_.qpos[state * episode_.nq];
  }
  const double* qvel(int64_t state) const {
    return &episode_.qvel[state * episode_.nv];
  }
  const double* ctrl(int64_t step) const {
    return episode_.ctrl.data() + step * episode_.nu;
  }

  // True when `holds(t)` (t a transition) holds for >= `seconds`.
  bool HoldsFor(double seconds,
                const std::function<bool(int64_t)>& holds) const {
    int64_t count = 0;
    for (int64_t t = first_; t < end_; ++t) count += holds(t) ? 1 : 0;
    return count * dt_ >= seconds - kSecondsSlack;
  }

  const v1::Joint* FindJoint(const std::string& name) const {
    for (const v1::Joint& joint : spec_.joints()) {
      if (joint.name() == name) return &joint;
    }
    return nullptr;
  }
  // Index of the actuator `name`, else `fallback` when it is < nu, else -1.
  int FindActuator(const std::string& name, int fallback) const {
    for (int i = 0; i < spec_.actuators_size(); ++i) {
      if (spec_.actuators(i).name() == name) return i;
    }
    return fallback < episode_.nu ? fallback : -1;
  }

 private:
  const v1::StateSpec& spec_;
  const datasets::Episode& episode_;
  int64_t first_ = 0;
  int64_t end_ = 0;
  double dt_ = 0;
};

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Some |qvel| entry above kNegligibleSpeed in a state of the window.
bool AnythingMoves(const Window& window, int nv) {
  for (int64_t s = window.first(); s <= window.end(); ++s) {
    for (int i = 0; i < nv; ++i) {
      if (std::abs(window.qvel(s)[i]) > kNegligibleSpeed) return true;
    }
  }
  return false;
}

int JointDofs(const v1::Joint& joint) {
  switch (joint.type()) {
    case v1::Joint::FREE:
      return 6;
    case v1::Joint::BALL:
      return 3;
    default:
      return 1;
  }
}

bool JointMoves(const Window& window, const v1::Joint& joint) {
  return window.HoldsFor(kJointMovingSeconds, [&](int64_t t) {
    const double* v = window.qvel(t + 1) + joint.qvel_offset();
    double largest = 0;
    for (int i = 0; i < JointDofs(joint); ++i) {
      largest = std::max(largest, std::abs(v[i]));
    }
    return largest > kJointMovingSpeed;
  });
}

// Planar speed of the slide scene's box (two slide joints) or of a free
// joint's body.
double PlanarSpeed(const double* v) { return std::hypot(v[0], v[1]); }

// Rules for `slide`; -1 when they do not apply (fall back to the generic
// rule), else 0 or 1.
int SlideRule(const Window& window, const std::string& quantity) {
  const v1::Joint* x = window.FindJoint("box_x");
  const v1::Joint* y = window.FindJoint("box_y");
  if (x == nullptr || y == nullptr) return -1;
  auto speed = [&](int64_t s) {
    return std::hypot(window.qvel(s)[x->qvel_offset()],
                      window.qvel(s)[y->qvel_offset()]);
  };
  if (quantity == "friction") {
    return window.HoldsFor(
        kSlideSeconds, [&](int64_t t) { return speed(t + 1) > kSlideSpeed; });
  }
  if (quantity == "mass") {
    const int fx = window.FindActuator("fx", 0);
    const int fy = window.FindActuator("fy", 1);
    if (fx < 0 || fy < 0) return -1;
    return window.HoldsFor(kSlideSeconds, [&](int64_t t) {
      const double force = std::hypot(window.ctrl(t)[fx], window.ctrl(t)[fy]);
      return speed(t + 1) > kSlideSpeed && force > kSlideForce;
    });
  }
  return -1;
}

int PushRule(const Window& window, const std::string& element,
             const std::string& quantity) {
  const v1::Joint* box = window.FindJoint("box");
  const v1::Joint* px = window.FindJoint("pusher_x");
  const v1::Joint* py = window.FindJoint("pusher_y");
  if (box == nullptr || box->type() != v1::Joint::FREE || px == nullptr ||
      py == nullptr) {
    return -1;
  }
  auto box_moves = [&](int64_t s) {
    return PlanarSpeed(window.qvel(s) + box->qvel_offset()) > kPushSpeed;
  };
  if (quantity == "friction" && element == "pusher_box") {
    return window.HoldsFor(kPushSeconds, [&](int64_t t) {
      const double* q = window.qpos(t + 1);
      const double dx = q[px->qpos_offset()] - q[box->qpos_offset()];
      const double dy = q[py->qpos_offset()] - q[box->qpos_offset() + 1];
      return box_moves(t + 1) && std::hypot(dx, dy) < kPusherContactDistance;
    });
  }
  if (quantity == "friction") {
    return window.HoldsFor(kPushSeconds,
                           [&](int64_t t) { return box_moves(t + 1); });
  }
  if (quantity == "mass") {
    const int vx = window.FindActuator("vx", 0);
    const int vy = window.FindActuator("vy", 1);
    if (vx < 0 || vy < 0) return -1;
    return window.HoldsFor(kPushSeconds, [&](int64_t t) {
      const double* v = window.qvel(t + 1);
      const double lag = std::hypot(window.ctrl(t)[vx] - v[px->qvel_offset()],
                                    window.ctrl(t)[vy] - v[py->qvel_offset()]);
      return box_moves(t + 1) && lag > kPusherLag;
    });
  }
  return -1;
}

int TossRule(const Window& window, const std::string& quantity) {
  if (quantity == "mass") return 0;
  const v1::Joint* cube = window.FindJoint("cube");
  if (cube == nullptr || cube->type() != v1::Joint::FREE) return -1;
  auto height = [&](int64_t s) {
    return window.qpos(s)[cube->qpos_offset() + 2];
  };
  auto vz = [&](int64_t s) { return window.qvel(s)[cube->qvel_offset() + 2]; };
  if (quantity == "friction") {
    return window.HoldsFor(kTossSlideSeconds, [&](int64_t t) {
      return height(t + 1) < kTossSlideHeight &&
             PlanarSpeed(window.qvel(t + 1) + cube->qvel_offset()) >
                 kTossSlideSpeed;
    });
  }
  if (StartsWith(quantity, "solref_")) {
    bool falling = false;
    for (int64_t s = window.first(); s <= window.end(); ++s) {
      if (height(s) >= kTossImpactHeight) continue;
      if (vz(s) < -kTossFallingSpeed) {
        falling = true;
      } else if (falling && vz(s) > kTossStoppedVz) {
        return 1;
      }
    }
    return 0;
  }
  return -1;
}

int DoublePendulumRule(const std::string& quantity) {
  if (quantity == "mass" || StartsWith(quantity, "com_") ||
      StartsWith(quantity, "inertia_")) {
    return 0;
  }
  return -1;
}

}  // namespace

bool IsIdentifiable(const std::string& scene_name,
                    const std::string& parameter_name,
                    const v1::StateSpec& spec, const datasets::Episode& episode,
                    int64_t first_step, int64_t num_steps) {
  const Window window(spec, episode, first_step, num_steps);
  if (window.empty()) return false;
  const size_t slash = parameter_name.rfind('/');
  const std::string element = parameter_name.substr(0, slash);
  const std::string quantity =
      slash == std::string::npos ? "" : parameter_name.substr(slash + 1);

  if (quantity == "damping" || quantity == "frictionloss" ||
      quantity == "armature") {
    if (const v1::Joint* joint = window.FindJoint(element)) {
      return JointMoves(window, *joint);
    }
  }
  int rule = -1;
  if (scene_name == "slide") {
    rule = SlideRule(window, quantity);
  } else if (scene_name == "push") {
    rule = PushRule(window, element, quantity);
  } else if (scene_name == "toss") {
    rule = TossRule(window, quantity);
  } else if (scene_name == "double_pendulum") {
    rule = DoublePendulumRule(quantity);
  }
  if (rule >= 0) return rule == 1;
  return AnythingMoves(window, episode.nv);
}

}  // namespace wm::worldmodel
