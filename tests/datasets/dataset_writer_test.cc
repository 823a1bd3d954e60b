#include "datasets/dataset_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <set>
#include <string>

#include "datasets/dataset.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"
#include "util/file_util.h"
#include "util/text_proto.h"

namespace wm::datasets {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeEpisode;
using testing::TestManifest;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

std::set<std::string> FileNames(const std::string& directory) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

std::unique_ptr<DatasetWriter> CreateWriter(const std::string& directory,
                                            int64_t episodes_per_shard,
                                            bool overwrite = false) {
  absl::StatusOr<std::unique_ptr<DatasetWriter>> writer = DatasetWriter::Create(
      directory, TestManifest(), episodes_per_shard, overwrite);
  EXPECT_THAT(writer, IsOk());
  return writer.ok() ? std::move(*writer) : nullptr;
}

TEST(DatasetWriterTest, ShardsFollowIndexRangesAndSkipAllDroppedRanges) {
  TempDir dir;
  const std::string out = dir.Join("data");
  auto writer = CreateWriter(out, 3);
  ASSERT_NE(writer, nullptr);
  // Indices 3 and 6..8 were dropped: shard 2 ([6, 9)) has no episode.
  const int64_t indices[] = {0, 1, 2, 4, 5, 9, 10};
  int64_t transitions = 0;
  for (int64_t index : indices) {
    const int steps = 2 + static_cast<int>(index % 3);
    transitions += steps;
    ASSERT_THAT(writer->Write(MakeEpisode(index, steps)), IsOk());
  }
  absl::StatusOr<v1::DatasetManifest> manifest = writer->Finish(4);
  ASSERT_THAT(manifest, IsOk());
  EXPECT_EQ(manifest->format_version(), 1);
  EXPECT_EQ(manifest->num_episodes(), 7);
  EXPECT_EQ(manifest->num_transitions(), transitions);
  EXPECT_EQ(manifest->num_dropped_episodes(), 4);
  ASSERT_EQ(manifest->shards_size(), 3);
  const v1::ShardInfo& first = manifest->shards(0);
  EXPECT_EQ(first.file(), "shard_00000.h5");
  EXPECT_EQ(first.first_episode(), 0);
  EXPECT_EQ(first.end_episode(), 3);
  EXPECT_EQ(first.num_episodes(), 3);
  // Steps 2, 3, 4: 9 actions, 12 states.
  EXPECT_EQ(first.num_actions(), 9);
  EXPECT_EQ(first.num_states(), 12);
  EXPECT_EQ(manifest->shards(1).file(), "shard_00001.h5");
  EXPECT_EQ(manifest->shards(1).num_episodes(), 2);
  const v1::ShardInfo& last = manifest->shards(2);
  EXPECT_EQ(last.file(), "shard_00003.h5");
  EXPECT_EQ(last.first_episode(), 9);
  EXPECT_EQ(last.end_episode(), 12);
  EXPECT_EQ(last.num_episodes(), 2);
  EXPECT_THAT(FileNames(out), ElementsAre("manifest.pbtxt", "shard_00000.h5",
                                          "shard_00001.h5", "shard_00003.h5"));

  // The manifest on disk is the one returned, and the shards read back.
  v1::DatasetManifest on_disk;
  ASSERT_THAT(ReadTextProtoFile(out + "/manifest.pbtxt", &on_disk), IsOk());
  EXPECT_EQ(on_disk.SerializeAsString(), manifest->SerializeAsString());
  absl::StatusOr<std::unique_ptr<Dataset>> dataset = Dataset::Open(out);
  ASSERT_THAT(dataset, IsOk());
  std::vector<int64_t> read_indices;
  ASSERT_THAT((*dataset)->ForEachEpisode([&](const Episode& episode) {
    read_indices.push_back(episode.index);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(read_indices, ElementsAre(0, 1, 2, 4, 5, 9, 10));
}

TEST(DatasetWriterTest, ManifestAppearsOnlyAtFinish) {
  TempDir dir;
  const std::string out = dir.Join("data");
  auto writer = CreateWriter(out, 2);
  ASSERT_NE(writer, nullptr);
  for (int64_t index = 0; index < 5; ++index) {
    ASSERT_THAT(writer->Write(MakeEpisode(index, 3)), IsOk());
  }
  // Shards 0 and 1 are on disk, yet the directory is not a dataset.
  EXPECT_THAT(FileNames(out), ElementsAre("shard_00000.h5", "shard_00001.h5"));
  EXPECT_THAT(Dataset::Open(out),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("not a complete dataset")));
  ASSERT_THAT(writer->Finish(0), IsOk());
  EXPECT_TRUE(std::filesystem::exists(out + "/manifest.pbtxt"));
  EXPECT_THAT(Dataset::Open(out), IsOk());
  EXPECT_THAT(writer->Write(MakeEpisode(9, 3)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(DatasetWriterTest, OverwriteRemovesTheOldManifestFirst) {
  TempDir dir;
  const std::string out = dir.Join("data");
  {
    auto writer = CreateWriter(out, 2);
    ASSERT_NE(writer, nullptr);
    for (int64_t index = 0; index < 6; ++index) {
      ASSERT_THAT(writer->Write(MakeEpisode(index, 3)), IsOk());
    }
    ASSERT_THAT(writer->Finish(0), IsOk());
  }
  ASSERT_THAT(WriteFileAtomically(out + "/notes.txt", "kept"), IsOk());
  // Without overwrite a non-empty directory is refused and left alone.
  EXPECT_THAT(DatasetWriter::Create(out, TestManifest(), 2, false),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(out)));
  EXPECT_TRUE(std::filesystem::exists(out + "/manifest.pbtxt"));

  auto writer = CreateWriter(out, 2, /*overwrite=*/true);
  ASSERT_NE(writer, nullptr);
  // Right after Create: no manifest, no old shards; other files stay.
  EXPECT_THAT(FileNames(out), ElementsAre("notes.txt"));
  EXPECT_THAT(Dataset::Open(out), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(writer->Write(MakeEpisode(0, 4)), IsOk());
  ASSERT_THAT(writer->Finish(0), IsOk());
  absl::StatusOr<std::unique_ptr<Dataset>> dataset = Dataset::Open(out);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ((*dataset)->num_episodes(), 1);
}

TEST(DatasetWriterTest, OutOfOrderIndexIsInvalidArgument) {
  TempDir dir;
  auto writer = CreateWriter(dir.Join("data"), 4);
  ASSERT_NE(writer, nullptr);
  ASSERT_THAT(writer->Write(MakeEpisode(5, 2)), IsOk());
  EXPECT_THAT(writer->Write(MakeEpisode(3, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("episode 3"), HasSubstr("after"))));
  EXPECT_THAT(writer->Write(MakeEpisode(5, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Write(MakeEpisode(6, 2)), IsOk());
}

TEST(DatasetWriterTest, NanInQposIsInvalidArgumentNamingTheField) {
  TempDir dir;
  auto writer = CreateWriter(dir.Join("data"), 4);
  ASSERT_NE(writer, nullptr);
  Episode episode = MakeEpisode(2, 3);
  episode.qpos[10] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(writer->Write(episode),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("episode 2"), HasSubstr("qpos[10]"))));
}

TEST(DatasetWriterTest, EpisodeNotMatchingTheSpecIsInvalidArgument) {
  TempDir dir;
  auto writer = CreateWriter(dir.Join("data"), 4);
  ASSERT_NE(writer, nullptr);
  EXPECT_THAT(writer->Write(MakeEpisode(0, 3, 8, 7, 1, 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nu 1")));
  EXPECT_THAT(
      writer->Write(MakeEpisode(0, 3, 8, 7, 2, 3)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("params 3")));
}

TEST(DatasetWriterTest, BadArgumentsAreInvalidArgument) {
  TempDir dir;
  EXPECT_THAT(DatasetWriter::Create(dir.Join("a"), TestManifest(), 0, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("episodes_per_shard")));
  EXPECT_THAT(
      DatasetWriter::Create(dir.Join("b"), v1::DatasetManifest(), 4, false),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nq")));
}

TEST(DatasetWriterTest, UnwritablePathIsAnErrorNamingIt) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Join("file"), "x"), IsOk());
  const std::string out = dir.Join("file/sub");
  EXPECT_THAT(DatasetWriter::Create(out, TestManifest(), 4, false),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(out)));
  // A regular file where the directory should be.
  EXPECT_THAT(
      DatasetWriter::Create(dir.Join("file"), TestManifest(), 4, true),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(dir.Join("file"))));
}

TEST(DatasetWriterTest, IdenticalInputGivesByteIdenticalDatasets) {
  TempDir dir;
  for (const char* name : {"a", "b"}) {
    auto writer = CreateWriter(dir.Join(name), 2);
    ASSERT_NE(writer, nullptr);
    for (int64_t index : {0, 1, 2, 5}) {
      ASSERT_THAT(writer->Write(MakeEpisode(index, 4)), IsOk());
    }
    ASSERT_THAT(writer->Finish(1), IsOk());
  }
  const std::set<std::string> names = FileNames(dir.Join("a"));
  EXPECT_EQ(names, FileNames(dir.Join("b")));
  EXPECT_EQ(names.size(), 4u);
  for (const std::string& name : names) {
    EXPECT_TRUE(*ReadFileToString(dir.Join("a/" + name)) ==
                *ReadFileToString(dir.Join("b/" + name)))
        << name << " differs";
  }
}

}  // namespace
}  // namespace wm::datasets
