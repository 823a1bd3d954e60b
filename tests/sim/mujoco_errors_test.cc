#include "sim/mujoco_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include "tests/testing/status_matchers.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// A tiny model compiled from MJCF through MuJoCo's virtual file system.
mjModel* CompileTinyModel() {
  static const char kXml[] =
      "<mujoco><worldbody><body><freejoint/><geom size='0.1'/></body>"
      "</worldbody></mujoco>";
  mjVFS* vfs = new mjVFS;  // ~2 MB: never on the stack
  mj_defaultVFS(vfs);
  EXPECT_EQ(mj_makeEmptyFileVFS(vfs, "tiny.xml", sizeof(kXml)), 0);
  std::memcpy(vfs->filedata[vfs->nfile - 1], kXml, sizeof(kXml));
  char error[512] = "";
  mjModel* model = mj_loadXML("tiny.xml", vfs, error, sizeof(error));
  mj_deleteVFS(vfs);
  delete vfs;
  EXPECT_NE(model, nullptr) << error;
  return model;
}

TEST(MujocoErrorsTest, MujocoErrorBecomesStatusAndProcessContinues) {
  mjModel* model = CompileTinyModel();
  ASSERT_NE(model, nullptr);
  mjData* data = mj_makeData(model);
  // Asking MuJoCo's stack for more than it holds raises mju_error.
  absl::Status status =
      CallCatchingMujocoErrors([&] { mj_stackAlloc(data, data->nstack + 1); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("MuJoCo error")));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("Stack overflow")));

  // The simulator still works after a reset.
  mj_resetData(model, data);
  EXPECT_THAT(CallCatchingMujocoErrors([&] { mj_step(model, data); }), IsOk());
  EXPECT_GT(data->time, 0.0);
  mj_deleteData(data);
  mj_deleteModel(model);
}

TEST(MujocoErrorsTest, NestedTrapsReturnToTheInnermost) {
  absl::Status inner;
  absl::Status outer = CallCatchingMujocoErrors([&] {
    inner = CallCatchingMujocoErrors([] { mju_error("inner failure"); });
  });
  EXPECT_THAT(outer, IsOk());
  EXPECT_THAT(inner, StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr("inner failure")));
}

TEST(MujocoErrorsDeathTest, ErrorOutsideATrapAbortsWithTheMessage) {
  InstallMujocoErrorHandlers();
  EXPECT_DEATH(mju_error("unguarded failure"), "unguarded failure");
}

}  // namespace
}  // namespace wm::sim
