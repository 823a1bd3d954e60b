#ifndef WM_DATASETS_STATE_LAYOUT_H_
#define WM_DATASETS_STATE_LAYOUT_H_

// Helpers over v1::StateSpec: the state is [qpos (nq) | qvel (nv)] in
// MuJoCo's layout; its tangent space is [position change (nv) | velocity
// change (nv)], with quaternions changing by body-frame rotation vectors.
// All functions are pure and thread-safe.

#include <vector>

#include "absl/status/status.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::datasets {

// OK when `spec` describes a MuJoCo state: nq >= 1, nv >= 1, nu >= 0;
// actuators empty or nu of them; every joint has a type, its qpos/qvel
// widths (free 7/6, ball 4/3, slide and hinge 1/1) lie inside [0, nq) and
// [0, nv), its quaternion_offset is qpos_offset + 3 (free), qpos_offset
// (ball) or -1 (slide, hinge), and the joints tile qpos and qvel exactly.
// A spec without joints is accepted when nq == nv (plain coordinates, no
// quaternions). INVALID_ARGUMENT naming the joint and field otherwise.
absl::Status ValidateStateSpec(const v1::StateSpec& spec);

// [nq]: true at the qpos entries that belong to a quaternion (the 4 entries
// from each joint's quaternion_offset; free and ball joints).
std::vector<bool> QuaternionQposMask(const v1::StateSpec& spec);

// The qpos indices of quaternion entries, increasing.
std::vector<int> QuaternionQposIndices(const v1::StateSpec& spec);

// The tangent-space difference b - a of two states [nq + nv] into `out`
// [2 * nv]: out[0, nv) is the position change at each joint's qvel offset
// (slide, hinge: difference; ball: QuatDifference, the body-frame rotation
// vector; free: world-frame position difference (3) then QuatDifference
// (3)); out[nv, 2 nv) is qvel_b - qvel_a. Units follow qpos (m, rad).
// `spec` must pass ValidateStateSpec() (not re-checked here).
void TangentDelta(const v1::StateSpec& spec, const double* state_a,
                  const double* state_b, double* out);

// The inverse of TangentDelta: `out` [nq + nv] = state [nq + nv] advanced by
// `delta` [2 * nv] (quaternions by q * exp(r), then normalised). `out` may
// alias `state`. `spec` must pass ValidateStateSpec().
void TangentIntegrate(const v1::StateSpec& spec, const double* state,
                      const double* delta, double* out);

}  // namespace wm::datasets

#endif  // WM_DATASETS_STATE_LAYOUT_H_
