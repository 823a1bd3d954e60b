#include "worldmodel/model_kind.h"

#include "absl/strings/str_cat.h"

namespace wm::worldmodel {
namespace {

constexpr ModelKind kAllKinds[] = {ModelKind::kMujoco, ModelKind::kPhysics,
                                   ModelKind::kBlackbox, ModelKind::kHybrid};

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
  }
  return "unknown";
}

absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name) {
  for (ModelKind kind : kAllKinds) {
    if (name == ModelKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown kind '", name, "' (mujoco, physics, blackbox or hybrid)"));
}

bool IsLearnedKind(ModelKind kind) { return kind != ModelKind::kMujoco; }

}  // namespace wm::worldmodel
