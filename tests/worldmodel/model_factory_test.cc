#include "worldmodel/model_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/scene_library.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"
#include "util/text_proto.h"
#include "worldmodel/model_registry_hooks.h"

namespace wm::worldmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

namespace fs = std::filesystem;

// The value, or a default printed as the status, so failures show it.
std::string ValueOr(const absl::StatusOr<std::string>& result) {
  return result.ok() ? *result : result.status().ToString();
}
int64_t ValueOr(const absl::StatusOr<int64_t>& result) {
  return result.ok() ? *result : -1;
}

// Writes a version directory with a manifest of `kind`.
void WriteVersion(const std::string& dir, const std::string& kind) {
  fs::create_directories(dir);
  v1::CheckpointManifest manifest;
  manifest.set_kind(kind);
  if (kind == "mujoco")
    *manifest.mutable_scene() = *sim::LoadSceneConfig("slide");
  ASSERT_THAT(WriteTextProtoFile(dir + "/manifest.pbtxt", manifest), IsOk());
}

// MODELS/box with versions 1, 2 and 10 (kind "fake"), and names readers
// must ignore: a half-published "11.tmp", ".train", "latest", a file "12".
class ModelFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_dir_ = temp_.Join("box");
    for (const char* version : {"1", "2", "10"}) {
      WriteVersion(model_dir_ + "/" + version, "fake");
    }
    fs::create_directories(model_dir_ + "/11.tmp");
    fs::create_directories(model_dir_ + "/.train");
    fs::create_directories(model_dir_ + "/latest");
    ASSERT_THAT(WriteFileAtomically(model_dir_ + "/12", "not a version"),
                IsOk());
    RegisterMujocoModel(&factory_);
    factory_.Register(
        "fake",
        [this](const std::string& version_dir,
               const v1::CheckpointManifest& manifest)
            -> absl::StatusOr<std::unique_ptr<WorldModel>> {
          loaded_from_ = version_dir;
          return absl::UnimplementedError("fake models are never built");
        });
  }

  TempDir temp_;
  std::string model_dir_;
  ModelFactory factory_;
  std::string loaded_from_;
};

TEST_F(ModelFactoryTest, ListsOnlyIntegerVersionsInNumericOrder) {
  EXPECT_THAT(ListModelVersions(model_dir_), ElementsAre(1, 2, 10));
  EXPECT_THAT(ListModelVersions(temp_.Join("nothing")), ElementsAre());
}

TEST_F(ModelFactoryTest, ModelDirectoryMeansTheLatestVersion) {
  EXPECT_EQ(ValueOr(ResolveModelVersionDir(model_dir_)), model_dir_ + "/10");
  EXPECT_EQ(ValueOr(ResolveModelVersionDir(model_dir_ + "/")),
            model_dir_ + "/10");
  EXPECT_THAT(factory_.Load(model_dir_),
              StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_EQ(loaded_from_, model_dir_ + "/10");
}

TEST_F(ModelFactoryTest, VersionDirectoryIsPinned) {
  EXPECT_EQ(ValueOr(ResolveModelVersionDir(model_dir_ + "/2")),
            model_dir_ + "/2");
  (void)factory_.Load(model_dir_ + "/2");
  EXPECT_EQ(loaded_from_, model_dir_ + "/2");
}

TEST_F(ModelFactoryTest, MissingVersionOrModelIsNotFoundAndListsVersions) {
  EXPECT_THAT(
      factory_.Load(model_dir_ + "/7"),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("no version 7; available versions: 1, 2, 10")));
  EXPECT_THAT(factory_.Load(temp_.Join("nope")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no model at")));
  fs::create_directories(temp_.Join("empty/3.tmp"));
  EXPECT_THAT(factory_.Load(temp_.Join("empty")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no versions")));
  fs::create_directories(model_dir_ + "/20");  // no manifest
  EXPECT_THAT(factory_.Load(model_dir_ + "/20"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("20' has no manifest.pbtxt")));
  EXPECT_THAT(factory_.Load(temp_.Join("empty/1")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("available versions: none")));
}

TEST_F(ModelFactoryTest, UnregisteredKindIsFailedPrecondition) {
  WriteVersion(model_dir_ + "/13", "physics");
  EXPECT_THAT(factory_.Load(model_dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("kind 'physics' is not registered in this "
                                 "binary (registered: contact, fake, "
                                 "mujoco)")));
}

TEST_F(ModelFactoryTest, CorruptManifestIsDataLoss) {
  fs::create_directories(model_dir_ + "/13");
  ASSERT_THAT(WriteFileAtomically(model_dir_ + "/13/manifest.pbtxt", "kind: ["),
              IsOk());
  EXPECT_THAT(
      factory_.Load(model_dir_ + "/13"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("manifest.pbtxt")));
}

TEST_F(ModelFactoryTest, NextVersionIsLargestPlusOne) {
  EXPECT_EQ(ValueOr(NextModelVersion(model_dir_)), 11);
  EXPECT_EQ(ValueOr(NextModelVersion(temp_.Join("new_model"))), 1);
  EXPECT_THAT(NextModelVersion(model_dir_ + "/12"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ModelFactoryTest, NamesVersions) {
  EXPECT_EQ(ModelVersionName(model_dir_ + "/10"), "box/10");
  EXPECT_EQ(ModelVersionName("models/box/3/"), "box/3");
}

// RegisterMujocoModel registers the mujoco kind and the contact kind (the
// same simulation with a learned force).
TEST(ModelFactoryBuiltinTest, LoadsTheMujocoKind) {
  TempDir temp;
  WriteVersion(temp.Join("sim/1"), "mujoco");
  ModelFactory factory;
  EXPECT_THAT(factory.kinds(), ElementsAre());
  RegisterMujocoModel(&factory);
  EXPECT_THAT(factory.kinds(), ElementsAre("contact", "mujoco"));
  absl::StatusOr<std::unique_ptr<WorldModel>> model =
      factory.Load(temp.Join("sim"));
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ((*model)->kind(), "mujoco");
  EXPECT_EQ((*model)->spec().nq(), 4);
  EXPECT_NEAR((*model)->dt(), 0.02, 1e-12);
  ASSERT_EQ((*model)->parameters().size(), 2u);
  EXPECT_EQ((*model)->parameters()[0].name(), "box_floor/friction");
}

}  // namespace
}  // namespace wm::worldmodel
