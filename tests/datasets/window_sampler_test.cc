#include "datasets/window_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"

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

constexpr int kNumEpisodes = 20;
constexpr int kEpisodesPerShard = 4;  // 5 shards
constexpr int kHistory = 2;
constexpr int kHorizon = 3;
constexpr SplitFractions kAllTrain{1.0, 0.0};

// Even episodes have 3 steps, too short for history 2 + horizon 3 = 5; odd
// ones have 7.
int StepsOf(int64_t index) { return index % 2 == 0 ? 3 : 7; }
bool Usable(int64_t index) { return StepsOf(index) >= kHistory + kHorizon; }

class WindowSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Episode> episodes;
    for (int64_t index = 0; index < kNumEpisodes; ++index) {
      episodes.push_back(MakeEpisode(index, StepsOf(index)));
    }
    ASSERT_THAT(WriteTestDataset(dir_.Join("d"), TestManifest(), episodes,
                                 kEpisodesPerShard),
                IsOk());
    auto dataset = Dataset::Open(dir_.Join("d"));
    ASSERT_THAT(dataset, IsOk());
    dataset_ = std::move(*dataset);
  }

  std::unique_ptr<WindowSampler> MakeSampler(
      uint64_t seed, int shards_in_memory = 2, Split split = Split::kTrain,
      SplitFractions fractions = kAllTrain) {
    auto sampler =
        WindowSampler::Create(dataset_.get(), split, kHistory, kHorizon, seed,
                              shards_in_memory, fractions);
    EXPECT_THAT(sampler, IsOk());
    return sampler.ok() ? std::move(*sampler) : nullptr;
  }

  TempDir dir_;
  std::unique_ptr<Dataset> dataset_;
};

TEST_F(WindowSamplerTest, WindowsMatchTheirSourceEpisode) {
  auto sampler = MakeSampler(1);
  ASSERT_NE(sampler, nullptr);
  absl::StatusOr<std::vector<Window>> batch = sampler->NextBatch(16);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->size(), 16u);
  constexpr int kNx = 8 + 7;
  for (const Window& window : *batch) {
    ASSERT_TRUE(Usable(window.episode_index)) << window.episode_index;
    const Episode source =
        MakeEpisode(window.episode_index, StepsOf(window.episode_index));
    EXPECT_EQ(window.history, kHistory);
    EXPECT_EQ(window.horizon, kHorizon);
    ASSERT_EQ(window.states.size(), size_t{(kHistory + kHorizon + 1) * kNx});
    ASSERT_EQ(window.actions.size(), size_t{(kHistory + kHorizon) * 2});
    ASSERT_EQ(window.params.size(), 2u);
    EXPECT_GE(window.start_step, 0);
    EXPECT_LE(window.start_step + kHistory + kHorizon, source.num_steps());
    for (int i = 0; i <= kHistory + kHorizon; ++i) {
      const int64_t t = window.start_step + i;
      for (int j = 0; j < 8; ++j) {
        EXPECT_EQ(window.states[i * kNx + j],
                  static_cast<float>(source.qpos[t * 8 + j]));
      }
      for (int j = 0; j < 7; ++j) {
        EXPECT_EQ(window.states[i * kNx + 8 + j],
                  static_cast<float>(source.qvel[t * 7 + j]));
      }
    }
    for (int i = 0; i < (kHistory + kHorizon) * 2; ++i) {
      EXPECT_EQ(window.actions[i],
                static_cast<float>(source.ctrl[window.start_step * 2 + i]));
    }
    EXPECT_EQ(window.params[0], static_cast<float>(source.params[0]));
    EXPECT_TRUE(std::isnan(window.params[1]));
  }
}

TEST(CutWindowTest, HistoryOnlyWindowAtTheEpisodeStart) {
  // The first 3 transitions of a 7-step episode, no horizon (the history
  // that calibration reads at each episode's start).
  const Episode source = MakeEpisode(5, 7);
  const Window window = CutWindow(source, 0, 3, 0);
  constexpr int kNx = 8 + 7;
  EXPECT_EQ(window.episode_index, 5);
  EXPECT_EQ(window.start_step, 0);
  EXPECT_EQ(window.history, 3);
  EXPECT_EQ(window.horizon, 0);
  ASSERT_EQ(window.states.size(), size_t{4 * kNx});
  ASSERT_EQ(window.actions.size(), size_t{3 * 2});
  EXPECT_EQ(window.states[3 * kNx + 2],
            static_cast<float>(source.qpos[3 * 8 + 2]));
  EXPECT_EQ(window.states[3 * kNx + 8 + 6],
            static_cast<float>(source.qvel[3 * 7 + 6]));
  EXPECT_EQ(window.actions[5], static_cast<float>(source.ctrl[5]));
  EXPECT_EQ(window.params[0], static_cast<float>(source.params[0]));
}

TEST_F(WindowSamplerTest, EachEpochServesEveryUsableEpisodeOnce) {
  int usable = 0;
  for (int64_t index = 0; index < kNumEpisodes; ++index)
    usable += Usable(index);
  ASSERT_EQ(usable, 10);
  auto sampler = MakeSampler(5);
  ASSERT_NE(sampler, nullptr);
  for (int epoch = 0; epoch < 3; ++epoch) {
    absl::StatusOr<std::vector<Window>> batch = sampler->NextBatch(usable);
    ASSERT_THAT(batch, IsOk());
    std::set<int64_t> seen;
    for (const Window& window : *batch) seen.insert(window.episode_index);
    EXPECT_EQ(seen.size(), size_t(usable)) << "epoch " << epoch;
  }
}

TEST_F(WindowSamplerTest, SameSeedSameWindowsOtherSeedOtherWindows) {
  auto a = MakeSampler(42);
  auto b = MakeSampler(42);
  auto c = MakeSampler(43);
  ASSERT_NE(a, nullptr);
  std::vector<std::pair<int64_t, int64_t>> from_a, from_b, from_c;
  for (int round = 0; round < 5; ++round) {
    for (auto [sampler, out] :
         {std::pair{a.get(), &from_a}, std::pair{b.get(), &from_b},
          std::pair{c.get(), &from_c}}) {
      absl::StatusOr<std::vector<Window>> batch = sampler->NextBatch(7);
      ASSERT_THAT(batch, IsOk());
      for (const Window& window : *batch) {
        out->emplace_back(window.episode_index, window.start_step);
      }
    }
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST_F(WindowSamplerTest, AtMostShardsInMemoryShardsAreResident) {
  for (int shards_in_memory : {1, 2, 3}) {
    auto sampler = MakeSampler(9, shards_in_memory);
    ASSERT_NE(sampler, nullptr);
    // Two epochs' worth of windows.
    std::vector<int64_t> shard_sequence;
    for (int round = 0; round < 4; ++round) {
      absl::StatusOr<std::vector<Window>> batch = sampler->NextBatch(5);
      ASSERT_THAT(batch, IsOk());
      for (const Window& window : *batch) {
        shard_sequence.push_back(window.episode_index / kEpisodesPerShard);
      }
    }
    EXPECT_EQ(sampler->max_resident_shards(), shards_in_memory);
    EXPECT_GE(sampler->shard_loads(), 5);
    EXPECT_LE(sampler->shard_loads(), 10 + shards_in_memory);
    // Any run of windows drawn while no shard was replaced comes from at
    // most shards_in_memory shards; with one shard in memory the windows of
    // a shard are contiguous within an epoch.
    if (shards_in_memory == 1) {
      int changes = 0;
      for (size_t i = 1; i < 10; ++i) {
        changes += shard_sequence[i] != shard_sequence[i - 1];
      }
      EXPECT_EQ(changes, 4) << "5 shards, each with 2 usable episodes";
    }
  }
}

TEST_F(WindowSamplerTest, OnlyEpisodesOfTheSplitAreUsed) {
  const SplitFractions fractions{0.5, 0.25};
  for (Split split : {Split::kTrain, Split::kValidation, Split::kTest}) {
    int usable = 0;
    for (int64_t index = 0; index < kNumEpisodes; ++index) {
      usable += Usable(index) && SplitOf(index, fractions) == split;
    }
    if (usable == 0) continue;
    auto sampler = MakeSampler(3, 2, split, fractions);
    ASSERT_NE(sampler, nullptr);
    absl::StatusOr<std::vector<Window>> batch = sampler->NextBatch(3 * usable);
    ASSERT_THAT(batch, IsOk());
    for (const Window& window : *batch) {
      EXPECT_EQ(SplitOf(window.episode_index, fractions), split)
          << SplitName(split);
    }
  }
}

TEST_F(WindowSamplerTest, NoUsableEpisodeIsFailedPrecondition) {
  auto sampler = WindowSampler::Create(dataset_.get(), Split::kTrain, 10, 20, 1,
                                       2, kAllTrain);
  ASSERT_THAT(sampler, IsOk());
  EXPECT_THAT((*sampler)->NextBatch(1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("train split"), HasSubstr("30 steps"))));
  auto empty_split = MakeSampler(1, 2, Split::kTest, kAllTrain);
  ASSERT_NE(empty_split, nullptr);
  EXPECT_THAT(
      empty_split->NextBatch(4),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("test split")));
}

TEST_F(WindowSamplerTest, BadArgumentsAreInvalidArgument) {
  EXPECT_THAT(WindowSampler::Create(nullptr, Split::kTrain, 1, 1, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WindowSampler::Create(dataset_.get(), Split::kTrain, 1, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WindowSampler::Create(dataset_.get(), Split::kTrain, 1, 1, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto sampler = MakeSampler(1);
  ASSERT_NE(sampler, nullptr);
  EXPECT_THAT(sampler->NextBatch(0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::datasets
