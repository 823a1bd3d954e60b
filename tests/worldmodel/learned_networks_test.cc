// StackMembers: K members computed at once give each member's own answer.

#include "worldmodel/learned_networks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/worldmodel/test_manifests.h"
#include "worldmodel/learned_ensemble.h"

namespace wm::worldmodel {
namespace {

// Same weights, same float32 arithmetic, batched matmuls: equal up to
// summation order.
constexpr double kStackedTolerance = 1e-5;

void ExpectStackedEqualsMembers(const std::string& kind) {
  LearnedEnsemble ensemble =
      BuildEnsemble(testing::PlanarManifest(kind, {16, 8}, 3));
  const int64_t k = ensemble.members.size(), batch = 4;
  auto stacked =
      StackMembers(kind, *ensemble.ops, ensemble.hidden, ensemble.members);
  torch::InferenceMode inference;
  torch::manual_seed(9);
  torch::Tensor states = torch::randn({batch, 4});
  torch::Tensor actions = torch::randn({batch, 1});
  torch::Tensor parameters =
      torch::randn({k * batch, stacked->uses_parameters() ? 1 : 0});
  MemberStep all = stacked->Step(*ensemble.ops, states.repeat({k, 1}),
                                 actions.repeat({k, 1}), parameters);
  for (int64_t m = 0; m < k; ++m) {
    MemberStep one = ensemble.members[m]->Step(
        *ensemble.ops, states, actions, parameters.narrow(0, m * batch, batch));
    EXPECT_TRUE(torch::allclose(all.next_state.narrow(0, m * batch, batch),
                                one.next_state, 0, kStackedTolerance))
        << kind << " member " << m;
    EXPECT_TRUE(torch::allclose(all.log_variance.narrow(0, m * batch, batch),
                                one.log_variance, 0, kStackedTolerance))
        << kind << " member " << m;
  }
  if (!stacked->uses_parameters()) return;
  torch::Tensor history_states = torch::randn({1, 6, 4});
  torch::Tensor history_actions = torch::randn({1, 5, 1});
  auto [means, log_variances] =
      stacked->Encode(*ensemble.ops, history_states.repeat({k, 1, 1}),
                      history_actions.repeat({k, 1, 1}));
  for (int64_t m = 0; m < k; ++m) {
    auto [mean, log_variance] = ensemble.members[m]->Encode(
        *ensemble.ops, history_states, history_actions);
    EXPECT_TRUE(
        torch::allclose(means.narrow(0, m, 1), mean, 0, kStackedTolerance))
        << "member " << m;
    EXPECT_TRUE(torch::allclose(log_variances.narrow(0, m, 1), log_variance, 0,
                                kStackedTolerance))
        << "member " << m;
  }
}

TEST(LearnedNetworksTest, StackedPhysicsMembersGiveEachMembersAnswer) {
  ExpectStackedEqualsMembers("physics");
}

TEST(LearnedNetworksTest, StackedBlackboxMembersGiveEachMembersAnswer) {
  ExpectStackedEqualsMembers("blackbox");
}

}  // namespace
}  // namespace wm::worldmodel
