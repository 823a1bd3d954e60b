// CalibrateParameterStd: the factor on the ensemble's posterior std that
// covers 90% of the known true values, computed on a small untrained
// physics ensemble with true values placed at known multiples of its std.

#include "worldmodel/learned/learned_ensemble.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/test_manifests.h"
#include "worldmodel/eval/metrics.h"

namespace wm::worldmodel {
namespace {

struct Histories {
  torch::Tensor states, actions;  // [B, L + 1, 4], [B, L, 1]
  torch::Tensor mean, std;        // the ensemble's posterior, [B, 1]
};

Histories RandomHistories(const LearnedEnsemble& ensemble, int64_t count) {
  torch::InferenceMode inference;
  torch::manual_seed(5);
  Histories h{torch::randn({count, 6, 4}), torch::randn({count, 5, 1}), {}, {}};
  const int64_t k = ensemble.members.size();
  auto stacked = StackMembers(ensemble.kind, *ensemble.ops, ensemble.hidden,
                              ensemble.members);
  auto [normalized, log_variance] = stacked->Identify(
      *ensemble.ops, h.states.repeat({k, 1, 1}), h.actions.repeat({k, 1, 1}));
  auto [mean, variance] =
      MixParameterEstimates(*ensemble.ops, normalized, log_variance, k);
  h.mean = mean;
  h.std = variance.sqrt();
  return h;
}

TEST(CalibrateParameterStdTest, ScalesTheStdToCoverNinetyPercent) {
  LearnedEnsemble ensemble =
      BuildEnsemble(testing::PlanarManifest("physics", {16, 8}, 3));
  const int64_t count = 101;
  const Histories h = RandomHistories(ensemble, count);
  ASSERT_EQ(h.mean.sizes(), (std::vector<int64_t>{count, 1}));
  // Every true value 2 std away (alternating sides): the std must grow by
  // 2 / 1.645 to cover 90%.
  torch::Tensor side = torch::ones({count, 1});
  side.narrow(0, 0, count / 2).fill_(-1.0);
  std::vector<double> scales = CalibrateParameterStd(
      ensemble, {{h.states, h.actions, h.mean + 2 * side * h.std}});
  ASSERT_EQ(scales.size(), 1u);
  EXPECT_NEAR(scales[0], 2 / kZ90, 1e-3);
  // 91 of 101 at 0.5 std, 10 far out: the 90% quantile (the 91st
  // smallest) is 0.5 std, so the std may shrink to 0.5 / 1.645 of itself.
  torch::Tensor z = torch::full({count, 1}, 0.5);
  z.narrow(0, 91, 10).fill_(50.0);
  const LabelledHistories half_std_away{h.states, h.actions,
                                        h.mean + z * h.std};
  scales = CalibrateParameterStd(ensemble, {half_std_away});
  EXPECT_NEAR(scales[0], 0.5 / kZ90, 1e-3);
  // Two sets: the factor must cover 90% of each, so the wider one decides,
  // in either order.
  const LabelledHistories two_std_away{h.states, h.actions,
                                       h.mean + 2 * side * h.std};
  scales = CalibrateParameterStd(ensemble, {half_std_away, two_std_away});
  EXPECT_NEAR(scales[0], 2 / kZ90, 1e-3);
  scales = CalibrateParameterStd(ensemble, {two_std_away, half_std_away});
  EXPECT_NEAR(scales[0], 2 / kZ90, 1e-3);
  // Unknown true values (real logs): no evidence, factor 1, and such a set
  // does not count beside one with evidence.
  const LabelledHistories unknown{h.states, h.actions,
                                  torch::full({count, 1}, NAN)};
  scales = CalibrateParameterStd(ensemble, {unknown});
  EXPECT_EQ(scales[0], 1.0);
  scales = CalibrateParameterStd(ensemble, {unknown, half_std_away});
  EXPECT_NEAR(scales[0], 0.5 / kZ90, 1e-3);
  // Fewer than 20 known values do not count either.
  const LabelledHistories few{h.states.narrow(0, 0, 19),
                              h.actions.narrow(0, 0, 19),
                              (h.mean + 2 * side * h.std).narrow(0, 0, 19)};
  scales = CalibrateParameterStd(ensemble, {few, half_std_away});
  EXPECT_NEAR(scales[0], 0.5 / kZ90, 1e-3);
}

}  // namespace
}  // namespace wm::worldmodel
