#include "sim/mjcf.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "sim/mujoco_errors.h"
#include "util/logging.h"

namespace wm::sim {

absl::StatusOr<ModelPtr> CompileMjcf(const std::string& xml,
                                     const std::string& source_name) {
  InstallMujocoErrorHandlers();
  // mjVFS is ~2 MB: on the heap.
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  const char* kFileName = "model.xml";
  if (mj_makeEmptyFileVFS(vfs.get(), kFileName,
                          static_cast<int>(xml.size()) + 1) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat(source_name, ": MJCF too large for MuJoCo's VFS"));
  }
  std::memcpy(vfs->filedata[vfs->nfile - 1], xml.c_str(), xml.size() + 1);
  char error[1024] = "";
  mjModel* model = nullptr;
  absl::Status trapped = CallCatchingMujocoErrors(
      [&] { model = mj_loadXML(kFileName, vfs.get(), error, sizeof(error)); });
  mj_deleteVFS(vfs.get());
  if (!trapped.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": ", trapped.message()));
  }
  if (model == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": malformed MJCF: ", error));
  }
  return ModelPtr(model);
}

ModelPtr CopyModel(const mjModel& model) {
  mjModel* copy = mj_copyModel(nullptr, &model);
  CHECK(copy != nullptr) << "mj_copyModel failed";
  return ModelPtr(copy);
}

}  // namespace wm::sim
