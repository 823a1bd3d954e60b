#ifndef WM_WORLDMODEL_GUARDED_MODEL_H_
#define WM_WORLDMODEL_GUARDED_MODEL_H_

// The one adapter between model code that may throw (LibTorch raises
// c10::Error, a std::exception; allocation raises std::bad_alloc) and the
// Status world: GuardModelCall runs a call and turns any exception into
// INTERNAL naming the call and carrying the exception's message. GuardModel
// wraps a whole WorldModel so every call is guarded and every answer is
// bounded (answer_bounds.h); ModelFactory::Load returns guarded models.

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "worldmodel/world_model.h"

namespace wm::worldmodel {

// Runs `call` (returning absl::Status or absl::StatusOr<T>) and returns its
// result, or INTERNAL "<what>: <exception message>" when it throws anything.
// Thread-safe when `call` is.
template <typename Call>
auto GuardModelCall(const std::string& what, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(what, ": an exception of unknown type"));
  }
}

// `model` behind the guard: Predict, Rollout and InferParameters through
// GuardModelCall ("<kind> model Predict" etc.), their answers bounded
// (BoundPrediction, BoundTrajectory; a non-finite parameter estimate is
// INTERNAL). Thread-safe as the WorldModel interface. Guarding a guarded
// model returns it unchanged.
std::unique_ptr<WorldModel> GuardModel(std::unique_ptr<WorldModel> model);

}  // namespace wm::worldmodel

#endif  // WM_WORLDMODEL_GUARDED_MODEL_H_
