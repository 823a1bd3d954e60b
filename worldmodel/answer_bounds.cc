#include "worldmodel/answer_bounds.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "util/logging.h"

namespace wm::worldmodel {
namespace {

bool SoundState(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!(std::abs(x[i]) <= kMaxStateMagnitude)) return false;  // NaN too
  }
  return true;
}

// A spread block is sound when empty (not reported) or every value is
// finite and within kSaturatedStd.
bool SoundSpread(const Tensor& spread, int64_t offset, int64_t n) {
  if (spread.data.empty()) return true;
  for (int64_t i = 0; i < n; ++i) {
    if (!(std::abs(spread.data[offset + i]) <= kSaturatedStd)) return false;
  }
  return true;
}

void Saturate(Tensor* spread, int64_t offset, int64_t n) {
  if (spread->data.empty()) return;
  std::fill_n(spread->data.begin() + offset, n, kSaturatedStd);
}

}  // namespace

void BoundPrediction(const Tensor& states, Prediction* prediction) {
  prediction->diverged.clear();
  Tensor& mean = prediction->mean;
  if (mean.rank() != 2 || mean.data.empty()) return;
  const int64_t b = mean.shape[0], nx = mean.shape[1];
  CHECK_EQ(states.NumElements(), b * nx);
  const int64_t ns =
      prediction->epistemic_std.data.size() / std::max<int64_t>(b, 1);
  const bool members = !prediction->member_mean.data.empty();
  const int64_t k = members ? prediction->member_mean.shape[0] : 0;
  for (int64_t r = 0; r < b; ++r) {
    if (SoundState(&mean.data[r * nx], nx) &&
        SoundSpread(prediction->epistemic_std, r * ns, ns) &&
        SoundSpread(prediction->aleatoric_std, r * ns, ns)) {
      continue;
    }
    prediction->diverged.push_back(r);
    std::copy_n(states.data.begin() + r * nx, nx, mean.data.begin() + r * nx);
    Saturate(&prediction->epistemic_std, r * ns, ns);
    Saturate(&prediction->aleatoric_std, r * ns, ns);
    for (int64_t m = 0; m < k; ++m) {
      std::copy_n(states.data.begin() + r * nx, nx,
                  prediction->member_mean.data.begin() + (m * b + r) * nx);
    }
  }
}

void BoundTrajectory(const Tensor& initial, Trajectory* trajectory) {
  trajectory->diverged.clear();
  Tensor& mean = trajectory->mean;
  if (mean.rank() != 3 || mean.data.empty()) return;
  const int64_t n = mean.shape[0], steps = mean.shape[1], nx = mean.shape[2];
  CHECK(initial.NumElements() == nx || initial.NumElements() == n * nx);
  const int64_t ns =
      trajectory->epistemic_std.data.size() / std::max<int64_t>(n * steps, 1);
  const bool members = !trajectory->member_mean.data.empty();
  const int64_t k = members ? trajectory->member_mean.shape[0] : 0;
  for (int64_t s = 0; s < n; ++s) {
    int64_t first = -1;
    for (int64_t t = 0; t < steps && first < 0; ++t) {
      const int64_t row = s * steps + t;
      if (!SoundState(&mean.data[row * nx], nx) ||
          !SoundSpread(trajectory->epistemic_std, row * ns, ns) ||
          !SoundSpread(trajectory->aleatoric_std, row * ns, ns)) {
        first = t;
      }
    }
    if (first < 0) continue;
    trajectory->diverged.push_back(s);
    // The last sound state: the step before, or the initial state itself.
    std::vector<float> held(nx);
    if (first > 0) {
      std::copy_n(mean.data.begin() + (s * steps + first - 1) * nx, nx,
                  held.begin());
    } else {
      const int64_t source = initial.NumElements() == nx ? 0 : s;
      std::copy_n(initial.data.begin() + source * nx, nx, held.begin());
    }
    for (int64_t t = first; t < steps; ++t) {
      const int64_t row = s * steps + t;
      std::copy(held.begin(), held.end(), mean.data.begin() + row * nx);
      Saturate(&trajectory->epistemic_std, row * ns, ns);
      Saturate(&trajectory->aleatoric_std, row * ns, ns);
      for (int64_t m = 0; m < k; ++m) {
        std::copy(held.begin(), held.end(),
                  trajectory->member_mean.data.begin() +
                      ((m * n + s) * steps + t) * nx);
      }
    }
  }
}

}  // namespace wm::worldmodel
