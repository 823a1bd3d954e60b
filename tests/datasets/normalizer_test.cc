#include "datasets/normalizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_episodes.h"

namespace wm::datasets {
namespace {

using ::testing::HasSubstr;
using testing::MakeEpisode;
using testing::TestManifest;
using testing::WriteTestDataset;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;
using ::wm::testing::TempDir;

constexpr double kTolerance = 1e-12;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The first `count` indices whose split under `fractions` is (or, with
// `want` false, is not) training.
std::vector<int64_t> Indices(bool want, int count,
                             const SplitFractions& fractions) {
  std::vector<int64_t> indices;
  for (int64_t index = 0; static_cast<int>(indices.size()) < count; ++index) {
    if ((SplitOf(index, fractions) == Split::kTrain) == want) {
      indices.push_back(index);
    }
  }
  return indices;
}

// One hinge, two actuators (the second always 0.7), two parameters.
v1::DatasetManifest HingeManifest() {
  v1::DatasetManifest manifest = TestManifest();
  v1::StateSpec* spec = manifest.mutable_spec();
  spec->Clear();
  spec->set_nq(1);
  spec->set_nv(1);
  spec->set_nu(2);
  v1::Joint* hinge = spec->add_joints();
  hinge->set_name("hinge");
  hinge->set_type(v1::Joint::HINGE);
  hinge->set_quaternion_offset(-1);
  return manifest;
}

Episode HingeEpisode(int64_t index, std::vector<double> qpos,
                     std::vector<double> qvel, std::vector<double> ctrl0,
                     std::vector<double> params) {
  Episode episode;
  episode.index = index;
  episode.nq = 1;
  episode.nv = 1;
  episode.nu = 2;
  episode.qpos = std::move(qpos);
  episode.qvel = std::move(qvel);
  for (size_t t = 0; t < episode.qpos.size(); ++t) {
    episode.time.push_back(0.01 * t);
  }
  for (double value : ctrl0) {
    episode.ctrl.push_back(value);
    episode.ctrl.push_back(0.7);
  }
  episode.params = std::move(params);
  return episode;
}

TEST(NormalizerTest, MatchesAHandComputationOverTheTrainingSplitOnly) {
  const SplitFractions fractions;
  const std::vector<int64_t> train = Indices(true, 2, fractions);
  const std::vector<int64_t> held_out = Indices(false, 1, fractions);
  std::vector<Episode> episodes = {
      HingeEpisode(train[0], {0, 1, 2}, {1, 1, 4}, {0.5, 1.5}, {2, kNaN}),
      HingeEpisode(train[1], {3, 3}, {0, 2}, {-1}, {4, kNaN}),
      // Not training: huge values that must not show.
      HingeEpisode(held_out[0], {100, 200}, {-50, 50}, {9}, {1000, 7}),
  };
  std::sort(
      episodes.begin(), episodes.end(),
      [](const Episode& a, const Episode& b) { return a.index < b.index; });
  TempDir dir;
  ASSERT_THAT(WriteTestDataset(dir.Join("d"), HingeManifest(), episodes, 2),
              IsOk());
  auto dataset = Dataset::Open(dir.Join("d"));
  ASSERT_THAT(dataset, IsOk());
  absl::StatusOr<v1::NormalizationStats> stats =
      ComputeNormalization(**dataset, fractions);
  ASSERT_THAT(stats, IsOk());

  // qpos {0, 1, 2, 3, 3}: mean 1.8, variance (3.24 + 0.64 + 0.04 + 1.44 +
  // 1.44) / 5 = 1.36. qvel {1, 1, 4, 0, 2}: mean 1.6, variance 9.2 / 5.
  ASSERT_EQ(stats->state_mean_size(), 2);
  EXPECT_NEAR(stats->state_mean(0), 1.8, kTolerance);
  EXPECT_NEAR(stats->state_std(0), std::sqrt(1.36), kTolerance);
  EXPECT_NEAR(stats->state_mean(1), 1.6, kTolerance);
  EXPECT_NEAR(stats->state_std(1), std::sqrt(1.84), kTolerance);
  // ctrl[0] {0.5, 1.5, -1}: mean 1/3, variance 19/18; ctrl[1] constant 0.7:
  // std floored.
  ASSERT_EQ(stats->action_mean_size(), 2);
  EXPECT_NEAR(stats->action_mean(0), 1.0 / 3.0, kTolerance);
  EXPECT_NEAR(stats->action_std(0), std::sqrt(19.0 / 18.0), kTolerance);
  EXPECT_NEAR(stats->action_mean(1), 0.7, kTolerance);
  EXPECT_EQ(stats->action_std(1), kMinNormalizationStd);
  // Position deltas {1, 1, 0}: mean 2/3, variance 2/9. Velocity deltas
  // {0, 3, 2}: mean 5/3, variance 14/9.
  ASSERT_EQ(stats->delta_mean_size(), 2);
  EXPECT_NEAR(stats->delta_mean(0), 2.0 / 3.0, kTolerance);
  EXPECT_NEAR(stats->delta_std(0), std::sqrt(2.0 / 9.0), kTolerance);
  EXPECT_NEAR(stats->delta_mean(1), 5.0 / 3.0, kTolerance);
  EXPECT_NEAR(stats->delta_std(1), std::sqrt(14.0 / 9.0), kTolerance);
  // Params: {2, 4} -> mean 3, std 1; the second is never finite in training.
  ASSERT_EQ(stats->param_mean_size(), 2);
  EXPECT_NEAR(stats->param_mean(0), 3.0, kTolerance);
  EXPECT_NEAR(stats->param_std(0), 1.0, kTolerance);
  EXPECT_EQ(stats->param_mean(1), 0.0);
  EXPECT_EQ(stats->param_std(1), 1.0);
  EXPECT_EQ(stats->num_transitions(), 3);
}

TEST(NormalizerTest, QuaternionEntriesAreNeverZScored) {
  const SplitFractions all_train{1.0, 0.0};
  std::vector<Episode> episodes;
  for (int64_t index = 0; index < 6; ++index) {
    episodes.push_back(MakeEpisode(index, 10));
  }
  TempDir dir;
  ASSERT_THAT(WriteTestDataset(dir.Join("d"), TestManifest(), episodes, 4),
              IsOk());
  auto dataset = Dataset::Open(dir.Join("d"));
  ASSERT_THAT(dataset, IsOk());
  absl::StatusOr<v1::NormalizationStats> stats =
      ComputeNormalization(**dataset, all_train);
  ASSERT_THAT(stats, IsOk());
  ASSERT_EQ(stats->state_mean_size(), 15);
  for (int i = 3; i < 7; ++i) {
    EXPECT_EQ(stats->state_mean(i), 0.0) << "qpos[" << i << "]";
    EXPECT_EQ(stats->state_std(i), 1.0) << "qpos[" << i << "]";
  }
  // Other entries are z-scored: position x spans episodes 0..5 (x 100).
  EXPECT_GT(stats->state_std(0), 100.0);
  EXPECT_NEAR(stats->state_mean(0), 250.0 + 5.0, kTolerance * 1e3);
  // The rotation about z appears in the tangent deltas: 0.05 rad a step.
  ASSERT_EQ(stats->delta_mean_size(), 14);
  EXPECT_NEAR(stats->delta_mean(5), 0.05, 1e-9);
  EXPECT_EQ(stats->delta_std(5), kMinNormalizationStd);
  EXPECT_EQ(stats->num_transitions(), 60);
}

TEST(NormalizerTest, EmptyTrainingSplitIsFailedPrecondition) {
  TempDir dir;
  ASSERT_THAT(WriteTestDataset(dir.Join("d"), TestManifest(),
                               {MakeEpisode(0, 3), MakeEpisode(1, 3)}, 4),
              IsOk());
  auto dataset = Dataset::Open(dir.Join("d"));
  ASSERT_THAT(dataset, IsOk());
  EXPECT_THAT(ComputeNormalization(**dataset, SplitFractions{0.0, 0.5}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("training split")));
  EXPECT_THAT(ComputeNormalization(**dataset, SplitFractions{1.5, 0.0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wm::datasets
