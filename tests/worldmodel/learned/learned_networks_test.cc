// StackMembers: K members computed at once give each member's own answer.
// Entries the training data never changed are predicted without change or
// spread.

#include "worldmodel/learned/learned_networks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_manifests.h"
#include "worldmodel/learned/learned_ensemble.h"

namespace wm::worldmodel {
namespace {

// Same weights, same float32 arithmetic, batched matmuls: equal up to
// summation order.
constexpr double kStackedTolerance = 1e-5;

void ExpectStackedEqualsMembers(ModelKind model_kind) {
  const std::string kind = ModelKindName(model_kind);
  LearnedEnsemble ensemble =
      BuildEnsemble(testing::PlanarManifest(kind, {16, 8}, 3));
  const int64_t k = ensemble.members.size(), batch = 4;
  auto stacked = StackMembers(model_kind, *ensemble.ops, ensemble.hidden,
                              ensemble.members);
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
  ExpectStackedEqualsMembers(ModelKind::kPhysics);
}

TEST(LearnedNetworksTest, StackedBlackboxMembersGiveEachMembersAnswer) {
  ExpectStackedEqualsMembers(ModelKind::kBlackbox);
}

// The second joint never moved in training (its delta stds sit at the
// normaliser's floor): a member predicts its training mean change (0) with
// no noise, whatever its weights; the first joint is the network's.
void ExpectConstantJointStaysPut(const std::string& kind) {
  v1::CheckpointManifest manifest = testing::PlanarManifest(kind, {16}, 1);
  for (double std : {0.01, 1e-6, 0.1, 1e-6}) {
    manifest.mutable_normalization()->add_delta_mean(0.0);
    manifest.mutable_normalization()->add_delta_std(std);
  }
  LearnedEnsemble ensemble = BuildEnsemble(manifest);
  torch::InferenceMode inference;
  torch::manual_seed(3);
  torch::Tensor states = torch::randn({8, 4});
  torch::Tensor actions = torch::randn({8, 1});
  torch::Tensor parameters = torch::randn({8, kind == "physics" ? 1 : 0});
  MemberNetwork& member = *ensemble.members[0];
  MemberStep step = member.Step(*ensemble.ops, states, actions, parameters);
  torch::Tensor aleatoric = member.AleatoricStd(*ensemble.ops, step);
  EXPECT_TRUE(torch::equal(step.next_state.select(1, 3), states.select(1, 3)))
      << kind << ": the constant joint's velocity changed";
  EXPECT_EQ(aleatoric.select(1, 1).abs().max().item<float>(), 0.0f) << kind;
  EXPECT_EQ(aleatoric.select(1, 3).abs().max().item<float>(), 0.0f) << kind;
  EXPECT_FALSE(torch::equal(step.next_state.select(1, 2), states.select(1, 2)))
      << kind << ": the moving joint's velocity never changes";
  EXPECT_GT(aleatoric.select(1, 2).min().item<float>(), 0.0f) << kind;
}

TEST(LearnedNetworksTest, PhysicsMembersLeaveConstantEntriesConstant) {
  ExpectConstantJointStaysPut("physics");
}

TEST(LearnedNetworksTest, BlackboxMembersLeaveConstantEntriesConstant) {
  ExpectConstantJointStaysPut("blackbox");
}

}  // namespace
}  // namespace wm::worldmodel
