#ifndef WM_UTIL_STATUS_MACROS_H_
#define WM_UTIL_STATUS_MACROS_H_

// Abseil 20220623 has no RETURN_IF_ERROR / ASSIGN_OR_RETURN: these are ours.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// when it is not OK.
#define WM_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::absl::Status wm_status_internal_ = (expr); \
    if (!wm_status_internal_.ok()) {             \
      return wm_status_internal_;                \
    }                                            \
  } while (false)

#define WM_STATUS_CONCAT_INNER_(a, b) a##b
#define WM_STATUS_CONCAT_(a, b) WM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`WM_ASSIGN_OR_RETURN(auto x, MakeX());`).
#define WM_ASSIGN_OR_RETURN(lhs, rexpr)                                     \
  WM_ASSIGN_OR_RETURN_IMPL_(WM_STATUS_CONCAT_(wm_statusor_, __LINE__), lhs, \
                            rexpr)

#define WM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) {                                 \
    return std::move(statusor).status();                \
  }                                                     \
  lhs = std::move(statusor).value()

#endif  // WM_UTIL_STATUS_MACROS_H_
