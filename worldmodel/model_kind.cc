#include "worldmodel/model_kind.h"

#include "absl/strings/str_cat.h"

namespace wm::worldmodel {
namespace {

constexpr ModelKind kAllKinds[] = {ModelKind::kMujoco, ModelKind::kPhysics,
                                   ModelKind::kBlackbox, ModelKind::kHybrid,
                                   ModelKind::kContact};

}  // namespace

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kMujoco:
      return "mujoco";
    case ModelKind::kPhysics:
      return "physics";
    case ModelKind::kBlackbox:
      return "blackbox";
    case ModelKind::kHybrid:
      return "hybrid";
    case ModelKind::kContact:
      return "contact";
  }
  return "unknown";
}

absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name) {
  for (ModelKind kind : kAllKinds) {
    if (name == ModelKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown kind '", name,
                   "' (mujoco, physics, blackbox, hybrid or contact)"));
}

bool IsLearnedKind(ModelKind kind) {
  return kind == ModelKind::kPhysics || kind == ModelKind::kBlackbox ||
         kind == ModelKind::kHybrid;
}

}  // namespace wm::worldmodel
