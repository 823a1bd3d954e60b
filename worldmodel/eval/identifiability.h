#ifndef WM_WORLDMODEL_EVAL_IDENTIFIABILITY_H_
#define WM_WORLDMODEL_EVAL_IDENTIFIABILITY_H_

// The written rule of docs/design.md section 5: whether a window of an episode
// (normally the history a model infers from) makes a physical parameter
// identifiable. `wm eval` scores a parameter's error only on episodes where
// this says yes (interval coverage is scored on all). This header is the
// contract; the thresholds below are the rule.
//
// A window is the transitions t in [first_step, first_step + num_steps),
// clipped to the episode. Each transition is judged by the state it ends in
// (t + 1) and the action held over it (t); "for >= D s" means the judged
// transitions add up to at least D seconds (not necessarily contiguous),
// with dt taken from the episode's time stamps. Speeds are planar (x, y)
// speeds in m/s of the named joint's body. A parameter is
// `<element>/<quantity>`.
//
// Any scene: joint quantities (`<joint>/damping`, `/frictionloss`,
//   `/armature`, the element a joint of the spec): identifiable when that
//   joint moves, max |qvel| of its dofs > 0.1 (rad/s or m/s) for >= 0.1 s.
// slide (joints box_x, box_y; actuators fx, fy):
//   `*/friction`: box speed > 0.05 m/s for >= 0.2 s;
//   `*/mass`: box speed > 0.05 m/s while |ctrl| (the force vector) > 1 N,
//     for >= 0.2 s.
// push (free joint box; slide joints pusher_x, pusher_y; actuators vx, vy):
//   `pusher_box/friction`: box speed > 0.02 m/s while the pusher is within
//     0.08 m (planar) of the box centre, for >= 0.2 s;
//   other `*/friction` (box_table): box speed > 0.02 m/s for >= 0.2 s;
//   `*/mass`: box speed > 0.02 m/s while the force-limited pusher lags its
//     command, |ctrl - pusher velocity| > 0.05 m/s, for >= 0.2 s.
// toss (free joint cube; the ground's top face is z = 0):
//   `*/friction`: cube centre below z = 0.07 m with horizontal speed
//     > 0.05 m/s, for >= 0.05 s;
//   `*/solref_stiffness`, `*/solref_damping`: an impact happens: a state
//     with the centre below z = 0.1 m falling faster than 0.1 m/s is
//     followed, within the window, by one below 0.1 m whose vertical velocity
//     has stopped or reversed (vz > -0.02 m/s);
//   `*/mass`: never (a free, bouncing cube does not reveal its mass).
// double_pendulum: `*/mass`, `*/com_*`, `*/inertia_*`: never (joint logs
//   identify only base-parameter combinations); joint quantities as above.
// Any other scene or parameter (or a built-in scene whose joints are not
//   found in the spec): identifiable when some |qvel| entry exceeds 0.01 in
//   a state of the window.

#include <cstdint>
#include <string>

#include "datasets/episode.h"
#include "wm/v1/state_spec.pb.h"

namespace wm::worldmodel {

// Whether `parameter_name` of scene `scene_name` is identifiable from the
// window [first_step, first_step + num_steps) of `episode`, whose layout is
// `spec`, by the rule above. False for an empty window. Pure, thread-safe.
bool IsIdentifiable(const std::string& scene_name,
                    const std::string& parameter_name,
                    const v1::StateSpec& spec, const datasets::Episode& episode,
                    int64_t first_step, int64_t num_steps);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_EVAL_IDENTIFIABILITY_H_
