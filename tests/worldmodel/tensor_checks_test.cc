#include "worldmodel/tensor_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/status_matchers.h"
#include "tests/testing/test_datasets.h"

namespace wm::worldmodel {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

// nq 13, nv 11 -> nx 24; nu 1.
const v1::StateSpec& Spec() {
  static const v1::StateSpec* const spec =
      new v1::StateSpec(testing::AllJointsSpec());
  return *spec;
}

TEST(TensorChecksTest, AcceptsWellFormedInputs) {
  EXPECT_THAT(CheckPredictInputs(Spec(), Tensor::Filled({4, 24}),
                                 Tensor::Filled({4, 1})),
              IsOk());
  EXPECT_THAT(CheckRolloutInputs(Spec(), Tensor::Filled({1, 24}),
                                 Tensor::Filled({3, 5, 1})),
              IsOk());
  EXPECT_THAT(CheckRolloutInputs(Spec(), Tensor::Filled({3, 24}),
                                 Tensor::Filled({3, 5, 1})),
              IsOk());
  EXPECT_THAT(CheckContext(Spec(), 2, 4, Context()), IsOk());
}

TEST(TensorChecksTest, ShapeErrorsNameTheFieldAndBothShapes) {
  EXPECT_THAT(CheckPredictInputs(Spec(), Tensor::Filled({4, 23}),
                                 Tensor::Filled({4, 1})),
              StatusIs(kInvalid, HasSubstr("states: expected shape [B, 24], "
                                           "got [4, 23]")));
  EXPECT_THAT(CheckPredictInputs(Spec(), Tensor::Filled({4, 24}),
                                 Tensor::Filled({3, 1})),
              StatusIs(kInvalid, HasSubstr("actions: expected shape [4, 1], "
                                           "got [3, 1]")));
  EXPECT_THAT(CheckPredictInputs(Spec(), Tensor::Filled({0, 24}),
                                 Tensor::Filled({0, 1})),
              StatusIs(kInvalid, HasSubstr("states")));
  EXPECT_THAT(CheckRolloutInputs(Spec(), Tensor::Filled({2, 24}),
                                 Tensor::Filled({3, 5, 1})),
              StatusIs(kInvalid, HasSubstr("initial: expected shape [3 or 1, "
                                           "24], got [2, 24]")));
  EXPECT_THAT(CheckRolloutInputs(Spec(), Tensor::Filled({1, 24}),
                                 Tensor::Filled({3, 5})),
              StatusIs(kInvalid, HasSubstr("actions: expected shape [N, H, "
                                           "1], got [3, 5]")));
  Tensor torn = Tensor::Filled({4, 24});
  torn.data.pop_back();
  EXPECT_THAT(CheckPredictInputs(Spec(), torn, Tensor::Filled({4, 1})),
              StatusIs(kInvalid, HasSubstr("states: shape [4, 24] needs 96")));
}

TEST(TensorChecksTest, NonFiniteValuesNameTheFieldAndIndex) {
  Tensor states = Tensor::Filled({2, 24});
  states.data[30] = NAN;
  EXPECT_THAT(
      CheckPredictInputs(Spec(), states, Tensor::Filled({2, 1})),
      StatusIs(kInvalid, HasSubstr("states: value nan at flat index 30")));
  Tensor actions = Tensor::Filled({2, 3, 1});
  actions.data[4] = INFINITY;
  EXPECT_THAT(CheckRolloutInputs(Spec(), Tensor::Filled({1, 24}), actions),
              StatusIs(kInvalid, HasSubstr("actions: value inf")));
}

TEST(TensorChecksTest, ParameterContextIsChecked) {
  Context context;
  context.parameters = Tensor::Filled({4, 2}, 0.5f);
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context), IsOk());
  context.parameters = Tensor::Filled({1, 2}, 0.5f);
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context), IsOk());
  context.parameters = Tensor::Filled({4, 3}, 0.5f);
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("context.parameters: expected "
                                           "shape [4 or 1, 2], got [4, 3]")));
  context.parameters = Tensor::Filled({4, 2}, 0.5f);
  context.parameters.data[7] = NAN;
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("context.parameters: value nan")));
  context.parameters = Tensor::Filled({4, 2}, 0.5f);
  EXPECT_THAT(CheckContext(Spec(), 0, 4, context),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("takes no physical parameters")));
}

TEST(TensorChecksTest, HistoryContextIsChecked) {
  Context context;
  context.history_states = Tensor::Filled({1, 6, 24});
  context.history_actions = Tensor::Filled({1, 5, 1});
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context), IsOk());
  context.history_actions = Tensor::Filled({1, 6, 1});
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("context.history_actions: expected "
                                           "shape [1, 5, 1], got [1, 6, 1]")));
  context.history_states = Tensor::Filled({2, 6, 24});
  context.history_actions = Tensor::Filled({2, 5, 1});
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("context.history_states: expected "
                                           "shape [4 or 1, L + 1, 24]")));
  context.history_states = Tensor::Filled({1, 1, 24});
  context.history_actions = Tensor::Filled({1, 0, 1});
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("at least 2 states")));
  context.history_states = Tensor::Filled({1, 6, 24});
  context.history_actions = Tensor::Filled({1, 5, 1});
  context.parameters = Tensor::Filled({1, 2});
  EXPECT_THAT(CheckContext(Spec(), 2, 4, context),
              StatusIs(kInvalid, HasSubstr("not both")));
}

}  // namespace
}  // namespace wm::worldmodel
