// MemberLoss: a physics member whose rollouts diverge still gives a finite
// multi-step loss and finite gradients (a diverging member's infinite
// gradients once turned its weights to NaN mid-training). ShareOfWindows:
// the parts of a data-parallel run cover the batch once, each leading with
// its part of the encoded first quarter.

#include "worldmodel/learned/training_batch.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/testing/test_manifests.h"
#include "worldmodel/learned/learned_ensemble.h"

namespace wm::worldmodel {
namespace {

// A velocity this many times the normaliser's std counts as diverged.
constexpr double kDivergedVelocity = 1e6;

// Windows numbered by episode_index 0 .. n-1.
std::vector<datasets::Window> NumberedWindows(int n) {
  std::vector<datasets::Window> windows(n);
  for (int i = 0; i < n; ++i) windows[i].episode_index = i;
  return windows;
}

TEST(ShareOfWindowsTest, PartsCoverTheBatchOnceEncodedQuarterFirst) {
  for (const auto& [n, count] :
       std::vector<std::pair<int, int>>{{32, 2}, {128, 2}, {10, 3}, {5, 5}}) {
    const int quarter = std::max(1, n / 4);
    std::multiset<int64_t> seen;
    for (int index = 0; index < count; ++index) {
      const auto part = ShareOfWindows(NumberedWindows(n), {index, count});
      const int local_quarter = std::max<int>(1, part.size() / 4);
      for (size_t i = 0; i < part.size(); ++i) {
        seen.insert(part[i].episode_index);
        // When the batch divides evenly, a part's own first quarter (what
        // MemberLoss encodes) is its part of the batch's first quarter.
        if (n % (4 * count) == 0) {
          EXPECT_EQ(i < static_cast<size_t>(local_quarter),
                    part[i].episode_index < quarter)
              << n << " windows, part " << index << " of " << count;
        }
      }
    }
    std::multiset<int64_t> all;
    for (int i = 0; i < n; ++i) all.insert(i);
    EXPECT_EQ(seen, all) << n << " windows in " << count << " parts";
  }
  const auto whole = ShareOfWindows(NumberedWindows(7), {0, 1});
  ASSERT_EQ(whole.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(whole[i].episode_index, i);
}

TEST(TrainingBatchTest, DivergingRolloutsGiveFiniteLossAndGradients) {
  // Unit statistics, matching the standard-normal windows below.
  const v1::CheckpointManifest manifest = testing::WithUnitNormalization(
      testing::PlanarManifest("physics", {16, 16}, 1));
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  MemberNetwork& member = *ensemble.members[0];
  const StateOps& ops = *ensemble.ops;
  {
    // Weights large enough that each step multiplies the velocity.
    torch::NoGradGuard no_grad;
    for (auto& item : member.named_parameters()) {
      if (item.key().rfind("dynamics", 0) == 0) item.value().mul_(8.0);
    }
  }
  torch::manual_seed(3);
  const int history = 4, horizon = 30, batch_size = 8;
  WindowBatch batch;
  batch.history = history;
  batch.horizon = horizon;
  batch.states = torch::randn({batch_size, history + horizon + 1, 4});
  batch.actions = torch::randn({batch_size, history + horizon, 1});
  batch.parameters = torch::full({batch_size, 1}, 0.5);

  // The scenario is real: the plain rollout diverges.
  {
    torch::NoGradGuard no_grad;
    auto state = batch.states.select(1, history);
    auto parameters = torch::zeros({batch_size, 1});
    for (int t = 0; t < horizon; ++t) {
      state = member
                  .Step(ops, state, batch.actions.select(1, history + t),
                        parameters)
                  .next_state;
    }
    auto velocity = state.narrow(1, 2, 2).abs();
    ASSERT_TRUE(!torch::isfinite(velocity).all().item<bool>() ||
                velocity.max().item<double>() > kDivergedVelocity)
        << "largest velocity " << velocity.max().item<double>();
  }

  LossTerms terms = MemberLoss(member, ops, batch, /*multi_step_weight=*/1.0,
                               /*parameter_weight=*/1.0, /*training=*/true);
  EXPECT_TRUE(std::isfinite(terms.multi_step)) << terms.multi_step;
  terms.total.backward();
  for (const auto& item : member.named_parameters()) {
    if (!item.value().grad().defined()) continue;
    EXPECT_TRUE(torch::isfinite(item.value().grad()).all().item<bool>())
        << item.key();
  }
}

}  // namespace
}  // namespace wm::worldmodel
