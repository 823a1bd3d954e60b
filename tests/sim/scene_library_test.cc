#include "sim/scene_library.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm::sim {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(SceneLibraryTest, EveryBuiltinSceneLoads) {
  for (const std::string& name : BuiltinSceneNames()) {
    auto scene = LoadScene(name);
    ASSERT_THAT(scene, IsOk()) << name;
    EXPECT_EQ((*scene)->name(), name);
    EXPECT_FALSE((*scene)->parameters().empty()) << name;
    EXPECT_EQ((*scene)->spec().nq() + (*scene)->spec().nv(), (*scene)->nx());
  }
}

TEST(SceneLibraryTest, BuiltinScenesHaveTheirContractedTiming) {
  EXPECT_NEAR((*LoadScene("push"))->dt(), 0.05, 1e-12);
  EXPECT_NEAR((*LoadScene("toss"))->dt(), 1.0 / 148, 1e-9);
  EXPECT_NEAR((*LoadScene("double_pendulum"))->dt(), 0.002, 1e-12);
  EXPECT_NEAR((*LoadScene("slide"))->dt(), 0.02, 1e-12);
}

TEST(SceneLibraryTest, PushSpecDescribesFreeJointAndActuators) {
  auto scene = *LoadScene("push");
  const v1::StateSpec& spec = scene->spec();
  EXPECT_EQ(spec.nq(), 9);
  EXPECT_EQ(spec.nv(), 8);
  EXPECT_EQ(spec.nu(), 2);
  ASSERT_EQ(spec.joints_size(), 3);
  EXPECT_EQ(spec.joints(0).name(), "box");
  EXPECT_EQ(spec.joints(0).type(), v1::Joint::FREE);
  EXPECT_EQ(spec.joints(0).quaternion_offset(), 3);
  EXPECT_EQ(spec.joints(0).linear_velocity_frame(), v1::Joint::WORLD);
  EXPECT_EQ(spec.joints(0).angular_velocity_frame(), v1::Joint::BODY);
  EXPECT_EQ(spec.joints(1).type(), v1::Joint::SLIDE);
  EXPECT_EQ(spec.joints(1).qpos_offset(), 7);
  // The pusher hangs from the world by slide joints: its world position is
  // body_origin + world_axis * qpos per joint.
  EXPECT_EQ(spec.joints(0).body(), "");
  for (int j : {1, 2}) {
    EXPECT_EQ(spec.joints(j).body(), "pusher");
    EXPECT_THAT(spec.joints(j).body_origin(),
                ::testing::ElementsAre(0.0, 0.0, 0.05));
  }
  EXPECT_THAT(spec.joints(1).world_axis(),
              ::testing::ElementsAre(1.0, 0.0, 0.0));
  EXPECT_THAT(spec.joints(2).world_axis(),
              ::testing::ElementsAre(0.0, 1.0, 0.0));
  EXPECT_EQ(spec.actuators(0).name(), "vx");
  EXPECT_EQ(spec.actuators(0).unit(), "m/s");
  EXPECT_DOUBLE_EQ(spec.actuators(0).ctrl_max(), 0.3);
  std::vector<std::string> names;
  for (const auto& parameter : scene->parameters()) {
    names.push_back(parameter.name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("box/mass", "box_table/friction",
                                            "pusher_box/friction"));
}

TEST(SceneLibraryTest, UnknownSceneListsTheBuiltinOnes) {
  EXPECT_THAT(
      LoadScene("pinball"),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::AllOf(HasSubstr("pinball"), HasSubstr("push"))));
}

TEST(SceneLibraryTest, UserSceneReadsMjcfRelativeToItsConfig) {
  testing::TempDir dir;
  ASSERT_THAT(WriteFileAtomically(
                  dir.Join("ball.xml"),
                  "<mujoco><worldbody><body name='ball' pos='0 0 1'>"
                  "<freejoint name='ball'/><geom size='0.05' mass='0.2'/>"
                  "</body></worldbody></mujoco>"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(
                  dir.Join("ball.pbtxt"),
                  "name: 'ball' mjcf_file: 'ball.xml' frame_skip: 5\n"
                  "randomize { element: 'ball' quantity: 'mass' min: 0.1 "
                  "max: 0.3 }\n"),
              IsOk());
  auto scene = LoadScene(dir.Join("ball.pbtxt"));
  ASSERT_THAT(scene, IsOk());
  EXPECT_EQ((*scene)->nq(), 7);
  EXPECT_TRUE((*scene)->config().mjcf_file().empty());
  EXPECT_THAT((*scene)->config().mjcf(), HasSubstr("<freejoint"));
}

TEST(SceneLibraryTest, FrictionConeOverridesTheMjcfOption) {
  EXPECT_EQ((*LoadScene("toss"))->model().opt.cone, mjCONE_PYRAMIDAL);
  v1::SceneConfig config = (*LoadScene("toss"))->config();
  config.set_friction_cone("elliptic");
  auto elliptic = Scene::Create(config);
  ASSERT_THAT(elliptic, IsOk());
  EXPECT_EQ((*elliptic)->model().opt.cone, mjCONE_ELLIPTIC);
  EXPECT_EQ((*elliptic)->config().friction_cone(), "elliptic");
  config.set_friction_cone("conical");
  EXPECT_THAT(Scene::Create(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("friction_cone"),
                                        HasSubstr("conical"))));
}

TEST(SceneLibraryTest, BadUserScenesAreRefusedClearly) {
  testing::TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Join("bad.xml"),
                                  "<mujoco><worldbody><body>\n</mujoco>"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(dir.Join("bad.pbtxt"),
                                  "name: 'bad' mjcf_file: 'bad.xml' "
                                  "frame_skip: 1"),
              IsOk());
  EXPECT_THAT(LoadScene(dir.Join("bad.pbtxt")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("malformed MJCF")));
  ASSERT_THAT(WriteFileAtomically(dir.Join("typo.pbtxt"),
                                  "name: 'x'\nframe_skipp: 1\n"),
              IsOk());
  EXPECT_THAT(
      LoadScene(dir.Join("typo.pbtxt")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
  EXPECT_THAT(LoadScene(dir.Join("absent.pbtxt")),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(
      WriteFileAtomically(dir.Join("skip.pbtxt"),
                          "name: 'skip' mjcf: '<mujoco/>' frame_skip: 0"),
      IsOk());
  EXPECT_THAT(
      LoadScene(dir.Join("skip.pbtxt")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("frame_skip")));
}

}  // namespace
}  // namespace wm::sim
