#include "worldmodel/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "datasets/state_layout.h"
#include "util/logging.h"

namespace wm::worldmodel {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Ranks 1..n, ties sharing their average rank.
std::vector<double> Ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * (i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

std::optional<double> SpearmanCorrelation(const std::vector<double>& x,
                                          const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < 3) return std::nullopt;
  const std::vector<double> rx = Ranks(x), ry = Ranks(y);
  const double mx = Mean(rx), my = Mean(ry);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return std::nullopt;
  return sxy / std::sqrt(sxx * syy);
}

double GaussianNll(double error, double std) {
  const double z = error / std;
  return 0.5 * std::log(2 * kPi) + std::log(std) + 0.5 * z * z;
}

std::vector<std::string> StateErrorKeys(const v1::StateSpec& spec) {
  bool free = false, rotation = false, hinge = false, slide = false;
  for (const v1::Joint& joint : spec.joints()) {
    free |= joint.type() == v1::Joint::FREE;
    rotation |=
        joint.type() == v1::Joint::FREE || joint.type() == v1::Joint::BALL;
    hinge |= joint.type() == v1::Joint::HINGE;
    slide |= joint.type() == v1::Joint::SLIDE;
  }
  std::vector<std::string> keys;
  if (free) keys.push_back("pos_m");
  if (rotation) keys.push_back("rot_deg");
  if (hinge) keys.push_back("joint_rad");
  if (slide) keys.push_back("joint_m");
  return keys;
}

double StateErrorValue(const StateError& error, const std::string& key) {
  if (key == "pos_m") return error.pos_m;
  if (key == "rot_deg") return error.rot_deg;
  if (key == "joint_rad") return error.joint_rad;
  if (key == "joint_m") return error.joint_m;
  LOG(FATAL) << "unknown state error key " << key;
  return 0;
}

StateError ComputeStateError(const v1::StateSpec& spec, const double* truth,
                             const double* predicted) {
  std::vector<double> delta(2 * spec.nv());
  datasets::TangentDelta(spec, truth, predicted, delta.data());
  // Sums of squares by kind; -1 marks a kind with no joint.
  double pos = -1, rot = -1, hinge = -1, slide = -1;
  auto add = [](double* sum, double square) {
    *sum = std::max(*sum, 0.0) + square;
  };
  auto squared_norm = [](const double* v) {
    return v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  };
  for (const v1::Joint& joint : spec.joints()) {
    const double* d = delta.data() + joint.qvel_offset();
    switch (joint.type()) {
      case v1::Joint::FREE:
        add(&pos, squared_norm(d));
        add(&rot, squared_norm(d + 3));
        break;
      case v1::Joint::BALL:
        add(&rot, squared_norm(d));
        break;
      case v1::Joint::HINGE:
        add(&hinge, d[0] * d[0]);
        break;
      case v1::Joint::SLIDE:
        add(&slide, d[0] * d[0]);
        break;
      default:
        break;
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto root = [nan](double sum) { return sum < 0 ? nan : std::sqrt(sum); };
  return {root(pos), rot < 0 ? nan : root(rot) * 180.0 / kPi, root(hinge),
          root(slide)};
}

}  // namespace wm::worldmodel
