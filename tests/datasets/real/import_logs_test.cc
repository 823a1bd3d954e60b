#include "datasets/real/import_logs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"

namespace wm::datasets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

namespace fs = std::filesystem;

// A scene's manifest part: one hinge with a motor, 0.1 s steps, one
// physical parameter.
v1::DatasetManifest HingeScene() {
  v1::DatasetManifest manifest;
  manifest.mutable_scene()->set_name("hinge");
  manifest.set_dt(0.1);
  v1::StateSpec* spec = manifest.mutable_spec();
  spec->set_nq(1);
  spec->set_nv(1);
  spec->set_nu(1);
  v1::Joint* joint = spec->add_joints();
  joint->set_name("hinge");
  joint->set_type(v1::Joint::HINGE);
  joint->set_quaternion_offset(-1);
  manifest.add_parameters()->set_name("hinge/damping");
  return manifest;
}

// Columns time,pos,vel,tau onto qpos, qvel and ctrl; dt from the scene.
ImportRequest HingeRequest(const std::string& in, const std::string& out) {
  ImportRequest request;
  request.config.mutable_time()->set_name("time");
  request.config.add_qpos()->set_name("pos");
  request.config.add_qvel()->set_name("vel");
  request.config.add_ctrl()->set_name("tau");
  request.scene_manifest = HingeScene();
  request.in = in;
  request.out = out;
  request.git_revision = "abc123";
  return request;
}

// A log of `samples` rows 0.1 s apart.
std::string Log(int samples) {
  std::string text = "time,pos,vel,tau\n";
  for (int i = 0; i < samples; ++i) {
    text += std::to_string(0.1 * i) + ",1,0,0.5\n";
  }
  return text;
}

// Writes `text` to `dir`/`name`, creating folders on the way.
void WriteLog(const TempDir& dir, const std::string& name,
              const std::string& text) {
  const fs::path path = dir.Join(name);
  fs::create_directories(path.parent_path());
  ASSERT_THAT(WriteFileAtomically(path.string(), text), IsOk());
}

TEST(ImportLogsTest, WritesTheGoodFilesAndNamesTheRefusedOneByFileAndLine) {
  TempDir dir;
  WriteLog(dir, "logs/a.csv", Log(5));
  WriteLog(dir, "logs/sub/b.csv", "time,pos,vel,tau\n0,1,0,0\n0.1,nan,0,0\n");
  WriteLog(dir, "logs/c.csv", Log(4));
  ImportRequest request = HingeRequest(dir.Join("logs"), dir.Join("out"));
  std::vector<int> done;
  request.progress = [&](const ImportProgress& progress) {
    EXPECT_EQ(progress.files_total, 3);
    done.push_back(progress.files_done);
  };
  absl::StatusOr<ImportSummary> summary = ImportLogs(request);
  ASSERT_THAT(summary, IsOk());
  EXPECT_THAT(done, ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(summary->files_imported, 2);
  EXPECT_EQ(summary->files_refused, 1);
  EXPECT_EQ(summary->episodes, 2);
  EXPECT_EQ(summary->transitions, 4 + 3);
  ASSERT_EQ(summary->files.size(), 3u);
  EXPECT_THAT(summary->files[2].refused(),
              HasSubstr("sub/b.csv:3: qpos[0] (column 'pos') is NaN"));

  absl::StatusOr<std::unique_ptr<Dataset>> dataset =
      Dataset::Open(dir.Join("out"));
  ASSERT_THAT(dataset, IsOk());
  const v1::DatasetManifest& manifest = (*dataset)->manifest();
  EXPECT_EQ(manifest.num_episodes(), 2);
  EXPECT_EQ(manifest.num_transitions(), 7);
  EXPECT_EQ(manifest.scene().name(), "hinge");
  EXPECT_EQ(manifest.provenance().source(), "wm import");
  EXPECT_EQ(manifest.provenance().git_revision(), "abc123");
  EXPECT_DOUBLE_EQ(manifest.provenance().import().dt(), 0.1);
  ASSERT_EQ(manifest.provenance().imported_files_size(), 3);
  EXPECT_EQ(manifest.provenance().imported_files(1).file(), "c.csv");
  EXPECT_EQ(manifest.provenance().imported_files(1).first_episode(), 1);
  absl::StatusOr<std::vector<Episode>> episodes = (*dataset)->ReadShard(0);
  ASSERT_THAT(episodes, IsOk());
  ASSERT_EQ(episodes->size(), 2u);
  EXPECT_EQ((*episodes)[0].num_steps(), 4);
  EXPECT_EQ((*episodes)[1].num_steps(), 3);
  EXPECT_DOUBLE_EQ((*episodes)[1].ctrl[0], 0.5);
  ASSERT_EQ((*episodes)[0].params.size(), 1u);
  EXPECT_TRUE(std::isnan((*episodes)[0].params[0]));
}

TEST(ImportLogsTest, ImportsOneFileGivenByItsPath) {
  TempDir dir;
  WriteLog(dir, "run.csv", Log(3));
  absl::StatusOr<ImportSummary> summary =
      ImportLogs(HingeRequest(dir.Join("run.csv"), dir.Join("out")));
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->episodes, 1);
  EXPECT_EQ(summary->files[0].file(), "run.csv");
  EXPECT_TRUE(fs::exists(dir.Join("out/manifest.pbtxt")));
}

TEST(ImportLogsTest, EveryFileRefusedWritesNothing) {
  TempDir dir;
  WriteLog(dir, "logs/bad.csv", "time,pos,vel\n0,1,0\n0.1,1,0\n");
  absl::StatusOr<ImportSummary> summary =
      ImportLogs(HingeRequest(dir.Join("logs"), dir.Join("out")));
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->files_imported, 0);
  EXPECT_THAT(summary->files[0].refused(),
              HasSubstr("bad.csv:1: missing column 'tau'"));
  EXPECT_FALSE(fs::exists(dir.Join("out")));
}

TEST(ImportLogsTest, RefusesBadRequestsBeforeWriting) {
  TempDir dir;
  WriteLog(dir, "logs/a.csv", Log(3));
  ImportRequest other_dt = HingeRequest(dir.Join("logs"), dir.Join("out"));
  other_dt.config.set_dt(0.2);
  EXPECT_THAT(ImportLogs(other_dt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dt 0.2 s differs from scene 'hinge'")));
  EXPECT_THAT(ImportLogs(HingeRequest(dir.Join("none"), dir.Join("out"))),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none")));
  fs::create_directories(dir.Join("empty"));
  EXPECT_THAT(ImportLogs(HingeRequest(dir.Join("empty"), dir.Join("out"))),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no .csv")));
  EXPECT_THAT(ImportLogs(HingeRequest("", dir.Join("out"))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(fs::exists(dir.Join("out")));
}

TEST(ImportLogsTest, KeepsAnExistingDatasetUnlessTold) {
  TempDir dir;
  WriteLog(dir, "logs/a.csv", Log(3));
  ImportRequest request = HingeRequest(dir.Join("logs"), dir.Join("out"));
  ASSERT_THAT(ImportLogs(request), IsOk());
  WriteLog(dir, "logs/b.csv", Log(4));
  EXPECT_THAT(ImportLogs(request),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("out")));
  EXPECT_TRUE(fs::exists(dir.Join("out/manifest.pbtxt")));
  request.overwrite = true;
  absl::StatusOr<ImportSummary> summary = ImportLogs(request);
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->episodes, 2);
}

}  // namespace
}  // namespace wm::datasets
