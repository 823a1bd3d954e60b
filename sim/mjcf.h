#ifndef WM_SIM_MJCF_H_
#define WM_SIM_MJCF_H_

#include <mujoco/mujoco.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace wm::sim {

struct ModelDeleter {
  void operator()(mjModel* model) const { mj_deleteModel(model); }
};
struct DataDeleter {
  void operator()(mjData* data) const { mj_deleteData(data); }
};
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
using DataPtr = std::unique_ptr<mjData, DataDeleter>;

// Compiles MJCF text through MuJoCo's virtual file system (2.2.2 has no
// mj_loadXMLString). `source_name` names the text in messages (a file path or
// "scene 'push'"). INVALID_ARGUMENT with MuJoCo's message (element and line)
// when the MJCF is malformed. Thread-safe.
absl::StatusOr<ModelPtr> CompileMjcf(const std::string& xml,
                                     const std::string& source_name);

// A deep copy of `model` (mj_copyModel). CHECK-fails on allocation failure.
ModelPtr CopyModel(const mjModel& model);

}  // namespace wm::sim

#endif  // WM_SIM_MJCF_H_
