#include "datasets/real/import_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "datasets/in_memory_sink.h"
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

// One hinge and one motor: time,pos,vel,tau.
LogImporter HingeImporter() {
  v1::StateSpec spec;
  spec.set_nq(1);
  spec.set_nv(1);
  spec.set_nu(1);
  spec.add_joints()->set_type(v1::Joint::HINGE);
  v1::ImportConfig config;
  config.set_dt(0.1);
  config.mutable_time()->set_name("time");
  config.add_qpos()->set_name("pos");
  config.add_qvel()->set_name("vel");
  config.add_ctrl()->set_name("tau");
  absl::StatusOr<LogImporter> importer = LogImporter::Create(config, spec);
  EXPECT_THAT(importer, IsOk());
  return std::move(importer).value();
}

// A log of `samples` rows 0.1 s apart, starting at `start` s.
std::string Log(int samples, double start = 0) {
  std::string text = "time,pos,vel,tau\n";
  for (int i = 0; i < samples; ++i) {
    text += std::to_string(start + 0.1 * i) + ",1,0,0\n";
  }
  return text;
}

TEST(ImportFilesTest, ListsCsvFilesRecursivelyInSortedOrder) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("b"));
  for (const char* name : {"b/z.csv", "c.csv", "a.csv", "notes.txt"}) {
    ASSERT_THAT(WriteFileAtomically(dir.Join(name), "x\n"), IsOk());
  }
  absl::StatusOr<std::vector<std::string>> files = ListLogFiles(dir.path());
  ASSERT_THAT(files, IsOk());
  EXPECT_THAT(*files, ElementsAre("a.csv", "b/z.csv", "c.csv"));
  EXPECT_THAT(ListLogFiles(dir.Join("missing")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ImportFilesTest, RefusesBadFilesWholeAndNumbersTheRestInOrder) {
  TempDir dir;
  // a: split by a 1 s gap into two episodes; b: NaN on line 3; c: fine.
  const std::string split = Log(4) + Log(3, 1.5).substr(17);
  ASSERT_THAT(WriteFileAtomically(dir.Join("a.csv"), split), IsOk());
  ASSERT_THAT(WriteFileAtomically(dir.Join("b.csv"),
                                  "time,pos,vel,tau\n0,1,0,0\n0.1,nan,0,0\n"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(dir.Join("c.csv"), Log(5)), IsOk());
  InMemorySink sink;
  int calls = 0;
  absl::StatusOr<ImportSummary> summary =
      ImportLogFiles(dir.path(), {"a.csv", "b.csv", "c.csv"}, HingeImporter(),
                     3, &sink, [&](const ImportProgress& progress) {
                       ++calls;
                       EXPECT_EQ(progress.files_done, calls);
                     });
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(summary->files_imported, 2);
  EXPECT_EQ(summary->files_refused, 1);
  EXPECT_EQ(summary->gaps_split, 1);
  EXPECT_EQ(summary->episodes, 3);
  EXPECT_EQ(summary->transitions, 3 + 2 + 4);
  ASSERT_EQ(summary->files.size(), 3u);
  EXPECT_EQ(summary->files[0].num_episodes(), 2);
  EXPECT_THAT(summary->files[1].refused(),
              HasSubstr("b.csv:3: qpos[0] (column 'pos') is NaN"));
  EXPECT_EQ(summary->files[1].num_episodes(), 0);
  EXPECT_EQ(summary->files[2].first_episode(), 2);
  ASSERT_EQ(sink.episodes().size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(sink.episodes()[e].index, e);
    ASSERT_EQ(sink.episodes()[e].params.size(), 3u);
    EXPECT_TRUE(std::isnan(sink.episodes()[e].params[0]));
  }
}

TEST(ImportFilesTest, AFileWithoutAFullStepIsRefused) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Join("one.csv"), Log(1)), IsOk());
  InMemorySink sink;
  absl::StatusOr<ImportSummary> summary = ImportLogFiles(
      dir.path(), {"one.csv", "gone.csv"}, HingeImporter(), 0, &sink, nullptr);
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->files_imported, 0);
  EXPECT_THAT(summary->files[0].refused(), HasSubstr("one.csv: no piece"));
  EXPECT_THAT(summary->files[1].refused(), HasSubstr("gone.csv"));
}

}  // namespace
}  // namespace wm::datasets
