#ifndef WM_SIM_MUJOCO_ERRORS_H_
#define WM_SIM_MUJOCO_ERRORS_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace wm::sim {

// Installs the project's MuJoCo error and warning handlers (idempotent,
// thread-safe). MuJoCo 2.2.2's default error handler waits for Enter and then
// exits the process; ours turns an error raised inside CallCatchingMujocoErrors
// into a Status, and aborts with the message (LOG(FATAL)) anywhere else.
// Warnings are logged at VLOG(1); callers read mjData's warning counters.
void InstallMujocoErrorHandlers();

// Runs `fn`, which calls MuJoCo. If MuJoCo raises an error (mju_error) inside
// it, control returns here and the result is FAILED_PRECONDITION with
// MuJoCo's message; the mjData involved must then be reset before reuse.
// `fn` is left by longjmp: it must own no objects with destructors (call
// MuJoCo functions on raw pointers only). Thread-safe: the trap is per thread.
absl::Status CallCatchingMujocoErrors(absl::FunctionRef<void()> fn);

}  // namespace wm::sim

#endif  // WM_SIM_MUJOCO_ERRORS_H_
