#include "datasets/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "datasets/generation_shard.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"
#include "util/file_util.h"

namespace wm::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::MakeEpisode;
using testing::TestManifest;
using testing::WriteTestDataset;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

constexpr int64_t kEpisodes = 10;
constexpr int64_t kPerShard = 4;  // HDF5 shards [0, 4), [4, 8), [8, 12)
constexpr int64_t kDropped = 5;   // an unstable episode, in shard 1 of 3

// The manifest `wm gen` writes for shard `index` of `count` (count 0: the
// unsharded run) of a 10-episode run writing to `out`.
v1::DatasetManifest RunManifest(int index, int count, const std::string& out,
                                uint64_t seed = 1) {
  v1::DatasetManifest manifest = TestManifest();
  manifest.mutable_provenance()->set_source("wm gen");
  manifest.mutable_provenance()->set_seed(seed);
  v1::GenerationConfig* generation =
      manifest.mutable_provenance()->mutable_generation();
  generation->set_scene("test");
  generation->set_episodes(kEpisodes);
  generation->set_steps(3);
  generation->set_seed(seed);
  generation->set_out(out);
  generation->set_episodes_per_shard(kPerShard);
  generation->set_shard_index(index);
  generation->set_num_shards(count);
  return manifest;
}

// Writes the dataset of shard `index` of `count` (0: every episode) to
// `directory`, as `wm gen --shard index/count` would.
absl::Status WriteRun(const std::string& directory, int index, int count,
                      const std::string& out, uint64_t seed = 1) {
  const EpisodeRange range = ShardEpisodeRange(kEpisodes, index, count);
  std::vector<Episode> episodes;
  int64_t dropped = 0;
  for (int64_t i = range.begin; i < range.end; ++i) {
    if (i == kDropped) {
      ++dropped;
      continue;
    }
    episodes.push_back(MakeEpisode(i, 2 + i % 3));
    episodes.back().params[0] += seed;
  }
  return WriteTestDataset(directory, RunManifest(index, count, out, seed),
                          episodes, kPerShard, dropped);
}

std::map<std::string, std::string> FilesOf(const std::string& directory) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    files[entry.path().filename().string()] =
        *ReadFileToString(entry.path().string());
  }
  return files;
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = dir_.Join("merged");
    for (int k = 0; k < 3; ++k) {
      shards_.push_back(dir_.Join(absl::StrCat("shard", k)));
      ASSERT_THAT(WriteRun(shards_.back(), k, 3, shards_.back()), IsOk());
    }
  }

  TempDir dir_;
  std::string out_;
  std::vector<std::string> shards_;
};

TEST_F(MergeTest, MergedDatasetIsTheUnshardedRunsByteForByte) {
  const std::string full = dir_.Join("full");
  // The unsharded run, writing to the directory the merge writes.
  ASSERT_THAT(WriteRun(full, 0, 0, out_), IsOk());
  auto merged = MergeShardDatasets({shards_[2], shards_[0], shards_[1]}, out_,
                                   /*overwrite=*/false);
  ASSERT_THAT(merged, IsOk());
  EXPECT_EQ(merged->num_episodes(), kEpisodes - 1);
  EXPECT_EQ(merged->num_dropped_episodes(), 1);
  EXPECT_EQ(merged->shards_size(), 3);
  const auto expected = FilesOf(full), actual = FilesOf(out_);
  ASSERT_EQ(actual.size(), 4u);  // manifest.pbtxt and three shards
  for (const auto& [name, bytes] : expected) {
    ASSERT_EQ(actual.count(name), 1u) << name;
    EXPECT_TRUE(actual.at(name) == bytes) << name << " differs";
  }
  auto reopened = Dataset::Open(out_);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->Fingerprint(), (*Dataset::Open(full))->Fingerprint());
}

TEST_F(MergeTest, AMissingShardIsNamed) {
  EXPECT_THAT(MergeShardDatasets({shards_[0], shards_[2]}, out_, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing shard 1 of 3 (episodes [4, 7))")));
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(MergeTest, AShardGivenTwiceIsNamed) {
  const std::string again = dir_.Join("again");
  ASSERT_THAT(WriteRun(again, 1, 3, again), IsOk());
  EXPECT_THAT(MergeShardDatasets({shards_[0], shards_[1], again, shards_[2]},
                                 out_, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(shards_[1]), HasSubstr(again),
                             HasSubstr("both hold shard 1 of 3"))));
}

TEST_F(MergeTest, ShardsOfAnotherRunAreRefused) {
  const std::string other_seed = dir_.Join("seed2");
  ASSERT_THAT(WriteRun(other_seed, 1, 3, other_seed, /*seed=*/2), IsOk());
  EXPECT_THAT(
      MergeShardDatasets({shards_[0], other_seed, shards_[2]}, out_, false),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("input '" + other_seed +
                               "' is not from the same generation run"),
                     HasSubstr("seed"))));
  const std::string halves = dir_.Join("half");
  ASSERT_THAT(WriteRun(halves, 1, 2, halves), IsOk());
  EXPECT_THAT(MergeShardDatasets({shards_[0], halves}, out_, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is shard 1 of 2 but input '" + shards_[0] +
                                 "' is shard 0 of 3")));
  const std::string full = dir_.Join("full");
  ASSERT_THAT(WriteRun(full, 0, 0, full), IsOk());
  EXPECT_THAT(MergeShardDatasets({full}, out_, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("names no `wm gen --shard K/N`")));
  EXPECT_THAT(MergeShardDatasets({}, out_, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no datasets to merge")));
  EXPECT_THAT(
      MergeShardDatasets({dir_.Join("nothing"), shards_[1]}, out_, false),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("input '" + dir_.Join("nothing"))));
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(MergeTest, AShardThatLostEpisodesIsDataLoss) {
  // Shard 0 covers [0, 4) but holds three episodes and drops none.
  const std::string short_shard = dir_.Join("short");
  ASSERT_THAT(
      WriteTestDataset(
          short_shard, RunManifest(0, 3, short_shard),
          {MakeEpisode(0, 2), MakeEpisode(1, 2), MakeEpisode(2, 2)}, kPerShard),
      IsOk());
  EXPECT_THAT(
      MergeShardDatasets({short_shard, shards_[1], shards_[2]}, out_, false),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("holds 3 episodes and 0 dropped, but its shard 0 "
                         "of 3 (episodes [0, 4)) has 4")));
  // Four episodes, one of them outside [0, 4): found while copying, and the
  // half-written output is removed.
  const std::string stray = dir_.Join("stray");
  ASSERT_THAT(WriteTestDataset(stray, RunManifest(0, 3, stray),
                               {MakeEpisode(0, 2), MakeEpisode(1, 2),
                                MakeEpisode(2, 2), MakeEpisode(4, 2)},
                               kPerShard),
              IsOk());
  EXPECT_THAT(MergeShardDatasets({stray, shards_[1], shards_[2]}, out_, false),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("holds episode 4, outside its shard 0 of 3")));
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(MergeTest, TheOutputIsNeitherAnInputNorAnExistingDataset) {
  EXPECT_THAT(MergeShardDatasets(shards_, shards_[1] + "/.", true),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is the input '" + shards_[1] + "'")));
  ASSERT_THAT(MergeShardDatasets(shards_, out_, false), IsOk());
  EXPECT_THAT(MergeShardDatasets(shards_, out_, false),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(MergeShardDatasets(shards_, out_, true), IsOk());
  for (const std::string& shard : shards_) {
    EXPECT_THAT(Dataset::Open(shard), IsOk()) << "an input was touched";
  }
}

}  // namespace
}  // namespace wm::datasets
