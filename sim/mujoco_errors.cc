#include "sim/mujoco_errors.h"

#include <mujoco/mujoco.h>

#include <csetjmp>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "util/logging.h"

namespace wm::sim {
namespace {

// The innermost active CallCatchingMujocoErrors of this thread.
struct ErrorTrap {
  std::jmp_buf return_point;
  char message[1024];
};
thread_local ErrorTrap* active_trap = nullptr;

void HandleMujocoError(const char* message) {
  ErrorTrap* trap = active_trap;
  if (trap == nullptr) {
    LOG(FATAL) << "MuJoCo error outside CallCatchingMujocoErrors: " << message;
  }
  std::snprintf(trap->message, sizeof(trap->message), "%s", message);
  std::longjmp(trap->return_point, 1);
}

void HandleMujocoWarning(const char* message) {
  VLOG(1) << "MuJoCo warning: " << message;
}

}  // namespace

void InstallMujocoErrorHandlers() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    mju_user_error = HandleMujocoError;
    mju_user_warning = HandleMujocoWarning;
  });
}

absl::Status CallCatchingMujocoErrors(absl::FunctionRef<void()> fn) {
  InstallMujocoErrorHandlers();
  ErrorTrap trap;
  ErrorTrap* const enclosing = active_trap;
  active_trap = &trap;
  if (setjmp(trap.return_point) == 0) {
    fn();
    active_trap = enclosing;
    return absl::OkStatus();
  }
  active_trap = enclosing;
  return absl::FailedPreconditionError(
      absl::StrCat("MuJoCo error: ", trap.message));
}

}  // namespace wm::sim
