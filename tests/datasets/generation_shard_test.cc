#include "datasets/generation_shard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/testing/status_matchers.h"

namespace wm::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

// An environment holding exactly `variables`.
EnvironmentLookup Environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

TEST(ShardEpisodeRangeTest, ShardsTileTheRunInOrderAndBalanced) {
  for (int64_t episodes : {1, 7, 12, 100, 257}) {
    for (int count = 1; count <= 9 && count <= episodes; ++count) {
      int64_t next = 0;
      for (int k = 0; k < count; ++k) {
        const EpisodeRange range = ShardEpisodeRange(episodes, k, count);
        EXPECT_EQ(range.begin, next) << episodes << " " << k << "/" << count;
        EXPECT_GE(range.size(), episodes / count);
        EXPECT_LE(range.size(), episodes / count + 1);
        next = range.end;
      }
      EXPECT_EQ(next, episodes) << episodes << " / " << count;
    }
  }
  // The first episodes % count shards hold one more.
  EXPECT_EQ(ShardEpisodeRange(10, 0, 3).size(), 4);
  EXPECT_EQ(ShardEpisodeRange(10, 1, 3).begin, 4);
  EXPECT_EQ(ShardEpisodeRange(10, 2, 3).begin, 7);
  EXPECT_EQ(ShardEpisodeRange(10, 0, 0).end, 10);  // unsharded
}

TEST(ShardEpisodeRangeTest, HugeRunsDoNotOverflow) {
  const int64_t episodes = int64_t{1} << 62;
  const EpisodeRange last = ShardEpisodeRange(episodes, 999, 1000);
  EXPECT_EQ(last.end, episodes);
  EXPECT_GT(last.begin, 0);
}

TEST(ResolveGenerationShardTest, ParsesKOverN) {
  auto shard = ResolveGenerationShard("2/5", 0, 100, Environment({}));
  ASSERT_THAT(shard, IsOk());
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 5);
  EXPECT_TRUE(shard->sharded());
  // --shards may repeat N.
  EXPECT_THAT(ResolveGenerationShard("2/5", 5, 100, Environment({})), IsOk());
}

TEST(ResolveGenerationShardTest, UnshardedWithoutTheFlag) {
  auto shard = ResolveGenerationShard("", 0, 100, Environment({}));
  ASSERT_THAT(shard, IsOk());
  EXPECT_FALSE(shard->sharded());
}

TEST(ResolveGenerationShardTest, AutoReadsSlurmThenKubernetes) {
  auto slurm =
      ResolveGenerationShard("auto", 4, 100,
                             Environment({{"SLURM_ARRAY_TASK_ID", "3"},
                                          {"JOB_COMPLETION_INDEX", "1"}}));
  ASSERT_THAT(slurm, IsOk());
  EXPECT_EQ(slurm->index, 3);
  EXPECT_EQ(slurm->count, 4);
  auto kubernetes = ResolveGenerationShard(
      "auto", 4, 100, Environment({{"JOB_COMPLETION_INDEX", "1"}}));
  ASSERT_THAT(kubernetes, IsOk());
  EXPECT_EQ(kubernetes->index, 1);
}

TEST(ResolveGenerationShardTest, BadValuesAreNamed) {
  const auto none = Environment({});
  const auto invalid = absl::StatusCode::kInvalidArgument;
  for (const char* text : {"3", "a/4", "1/", "/4", "1/2/3", "1.5/4", " 1/4x"}) {
    EXPECT_THAT(ResolveGenerationShard(text, 0, 100, none),
                StatusIs(invalid, HasSubstr("is not K/N")))
        << text;
  }
  EXPECT_THAT(ResolveGenerationShard("4/4", 0, 100, none),
              StatusIs(invalid, HasSubstr("shard index 4 is outside [0, 4)")));
  EXPECT_THAT(ResolveGenerationShard("-1/4", 0, 100, none),
              StatusIs(invalid, HasSubstr("outside [0, 4)")));
  EXPECT_THAT(ResolveGenerationShard("0/0", 0, 100, none),
              StatusIs(invalid, HasSubstr("must be >= 1")));
  EXPECT_THAT(ResolveGenerationShard("0/5", 0, 4, none),
              StatusIs(invalid, HasSubstr("would leave a shard empty")));
  EXPECT_THAT(ResolveGenerationShard("1/4", 3, 100, none),
              StatusIs(invalid, HasSubstr("--shards 3 disagrees")));
  EXPECT_THAT(ResolveGenerationShard("", 4, 100, none),
              StatusIs(invalid, HasSubstr("--shards goes with --shard auto")));
}

TEST(ResolveGenerationShardTest, AutoErrorsNameTheVariable) {
  const auto invalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ResolveGenerationShard("auto", 4, 100, Environment({})),
              StatusIs(invalid, AllOf(HasSubstr("SLURM_ARRAY_TASK_ID"),
                                      HasSubstr("JOB_COMPLETION_INDEX"),
                                      HasSubstr("is set"))));
  EXPECT_THAT(ResolveGenerationShard(
                  "auto", 0, 100, Environment({{"SLURM_ARRAY_TASK_ID", "1"}})),
              StatusIs(invalid, HasSubstr("needs --shards N")));
  EXPECT_THAT(ResolveGenerationShard(
                  "auto", 4, 100, Environment({{"SLURM_ARRAY_TASK_ID", "4"}})),
              StatusIs(invalid,
                       HasSubstr("4 is outside [0, 4) (SLURM_ARRAY_TASK_ID)")));
  EXPECT_THAT(
      ResolveGenerationShard("auto", 4, 100,
                             Environment({{"JOB_COMPLETION_INDEX", "one"}})),
      StatusIs(invalid, HasSubstr("JOB_COMPLETION_INDEX='one'")));
}

}  // namespace
}  // namespace wm::datasets
